"""Synthetic data: realistic, repeatable, marked, kept out of the fixture, removable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from organisations import fixture
from organisations.models import Affiliation, KeyFigure, Organisation, Source, Statement

pytestmark = pytest.mark.django_db


def generate(count, seed=7):
    call_command("generate_synthetic", str(count), "--seed", str(seed), stdout=StringIO())


def synthetic():
    return Organisation.objects.filter(slug__startswith="synthetic-").order_by("slug")


def snapshot():
    return [
        (o.slug, o.name, o.kind, o.scope, o.status, o.founded_year, o.summary, o.search_text)
        for o in synthetic()
    ]


def test_it_generates_organisations_with_everything_a_real_one_has():
    generate(60)
    assert synthetic().count() == 60
    organisations = synthetic()
    assert Statement.objects.filter(organisation__in=organisations).count() >= 120
    assert KeyFigure.objects.filter(organisation__in=organisations).exists()
    assert Affiliation.objects.filter(organisation__in=organisations).exists()
    assert organisations.filter(audiences__isnull=False).distinct().count() == 60
    assert organisations.filter(themes__isnull=False).distinct().count() == 60
    assert len({o.kind for o in organisations}) > 3


def test_the_same_seed_gives_the_same_data():
    generate(30, seed=3)
    first = snapshot()
    call_command("remove_synthetic", stdout=StringIO())
    generate(30, seed=3)
    assert snapshot() == first
    call_command("remove_synthetic", stdout=StringIO())
    generate(30, seed=4)
    assert snapshot() != first


def test_it_is_clearly_marked_synthetic(client):
    generate(5)
    organisation = synthetic().first()
    assert "(synthetic " in organisation.name
    page = client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug}))
    assert "Synthetic data (not real)" in page.content.decode()


def test_it_is_searchable_and_listed_like_real_data(client):
    generate(25)
    organisation = synthetic().first()
    place = organisation.name.split()[0]
    assert organisation in Organisation.objects.search(place)
    response = client.get(reverse("organisations:list"), {"status": "all"})
    assert response.context["paginator"].count == 35


def test_it_never_reaches_the_fixture():
    before = fixture.dumps(fixture.export())
    generate(20)
    assert fixture.dumps(fixture.export()) == before
    assert before == fixture.FIXTURE.read_text(encoding="utf-8")


def test_one_command_removes_it_all_and_leaves_the_real_directory():
    before = fixture.dumps(fixture.export())
    generate(40)
    out = StringIO()
    call_command("remove_synthetic", stdout=out)
    assert "Removed 40 synthetic organisations" in out.getvalue()
    assert not synthetic().exists()
    assert not Source.objects.filter(slug="synthetic-data").exists()
    assert Organisation.objects.count() == 10
    assert fixture.dumps(fixture.export()) == before
    assert list(Organisation.objects.search("ISME"))[0].slug == "isme"
