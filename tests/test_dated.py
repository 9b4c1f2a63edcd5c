"""Dated affiliations and roles, and "merged into": entered in the admin as a browser submits
them, shown on both organisations' pages."""

import pytest
from django.db import IntegrityError, transaction

from organisations.models import Affiliation, Organisation, Role, Source
from tests import factories
from tests.admin_forms import organisation_form
from tests.reading import content, visible

pytestmark = pytest.mark.django_db

PASSAGE = "The Music Education Council is the International Society for Music Education's"


def add_affiliation(client, **fields):
    """Save MEC's form with one more affiliation to ISME, as a browser submits it."""
    form = organisation_form(client, "music-education-council")
    source = Source.objects.get(slug="mec-isme")
    isme = Organisation.objects.get(slug="isme")
    form.add_row("affiliations", other=isme.pk, source=source.pk, excerpt=PASSAGE, **fields)
    return form.save()


def test_a_dated_affiliation_reads_with_its_dates_on_both_pages(admin_client, client):
    saved = add_affiliation(admin_client, kind="member-of", start_year="2016", end_year="2020")
    assert saved.status_code == 302, content(saved)[:500]
    mec = visible(client.get("/organisations/music-education-council/"))
    assert "member of international society for music education (isme) (2016 to 2020)" in mec
    isme = visible(client.get("/organisations/isme/"))
    assert "member: music education council (mec) (2016 to 2020)" in isme


def test_the_same_affiliation_with_other_dates_is_another_and_the_same_dates_a_duplicate(
    admin_client,
):
    assert add_affiliation(admin_client, kind="member-of", start_year="2016").status_code == 302
    assert add_affiliation(admin_client, kind="member-of", start_year="2018").status_code == 302
    again = add_affiliation(admin_client, kind="member-of", start_year="2018")
    assert "This affiliation is already recorded." in content(again)
    assert Affiliation.objects.filter(kind="member-of").count() == 2
    # The database refuses it too, however it is written.
    first = Affiliation.objects.filter(kind="member-of").first()
    first.pk, first.key = None, "another-key"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_an_end_before_the_start_is_refused(admin_client):
    refused = add_affiliation(admin_client, kind="member-of", start_year="2020", end_year="2016")
    assert "It cannot end before it starts." in content(refused)
    future = add_affiliation(admin_client, kind="member-of", start_year="2999")
    assert "It cannot be after this year" in content(future)


def test_merged_into_reads_as_a_successor_on_the_other_page(client, db):
    mec = Organisation.objects.get(slug="music-education-council")
    factories.affiliation(
        mec,
        Organisation.objects.get(slug="isme"),
        kind=Affiliation.Kind.MERGED_INTO,
        end_year=2020,
        source="mec-isme",
        excerpt=PASSAGE,
    )
    mec_page = visible(client.get(mec.get_absolute_url()))
    assert "merged into international society for music education (isme) (until 2020)" in mec_page
    isme_page = client.get("/organisations/isme/")
    assert "successor to: music education council (mec) (until 2020)" in visible(isme_page)
    headings = [heading for heading, _ in isme_page.context["organisation"].affiliation_groups()]
    assert headings[-1] == "History"


def test_a_roles_dates_are_shown(client, db):
    role = Role.objects.first()
    role.start_year = 2019
    role.save()
    Organisation.objects.filter(pk=role.organisation_id).changed()
    page = visible(client.get(role.organisation.get_absolute_url()))
    assert f"{role.title} (from 2019)".casefold() in page
