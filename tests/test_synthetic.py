"""Synthetic data (devtools/synthetic.py): realistic, repeatable, marked, kept out of the
fixture, removable, and only for a database that holds nothing else."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from organisations import fixture, search
from organisations import search_index as index
from organisations.models import (
    Affiliation,
    DataVersion,
    KeyFigure,
    MemberBenefit,
    Organisation,
    SearchName,
    Source,
    Statement,
)
from tests import factories

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's foreign key constraints"
)


def generate(count, seed=7):
    call_command("generate_synthetic", str(count), "--seed", str(seed), stdout=StringIO())


def synthetic():
    return Organisation.objects.filter(slug__startswith="synthetic-").order_by("slug")


def snapshot():
    organisations = [
        (o.slug, o.name, o.kind, o.scope, o.status, o.founded_year, o.summary, o.search_text)
        for o in synthetic()
    ]
    records = [
        list(model.objects.filter(organisation__in=synthetic()).values_list(*fields))
        for model, fields in [
            (Statement, ["organisation__slug", "key", "kind", "text"]),
            (MemberBenefit, ["organisation__slug", "key", "category", "text"]),
            (KeyFigure, ["organisation__slug", "key", "value", "qualifier", "label"]),
            (Affiliation, ["organisation__slug", "key", "kind", "other__slug"]),
        ]
    ]
    tags = [
        sorted(synthetic().values_list("slug", f"{tags}__slug")) for tags in ("audiences", "themes")
    ]
    return organisations, records, tags


def search_index():
    """Every synthetic organisation's search text, its entry in the index (its vector on
    PostgreSQL, its FTS5 row on SQLite) and its names for type-ahead."""
    names = {
        slug: sorted(terms)
        for slug, terms in groupby_slug(
            SearchName.objects.filter(organisation__in=synthetic()).values_list(
                "organisation__slug", "term", "position"
            )
        )
    }
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, {', '.join(index.FTS_COLUMNS)} FROM {index.FTS_TABLE} "
                "ORDER BY rowid"
            )
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        return [
            (o.slug, o.search_text, rows[o.pk], names[o.slug]) for o in synthetic().order_by("slug")
        ]
    return [
        (o.slug, o.search_text, str(o.search_vector), names[o.slug])
        for o in synthetic().order_by("slug")
    ]


def groupby_slug(rows):
    grouped = {}
    for slug, *rest in rows:
        grouped.setdefault(slug, []).append(tuple(rest))
    return grouped.items()


def known_words():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word FROM {search.WORDS_TABLE} ORDER BY word")
        return [word for (word,) in cursor.fetchall()]


def foreign_keys():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
        )
        return cursor.fetchall()


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


def test_its_search_index_is_the_one_the_site_would_build():
    generate(80)
    generated = search_index()
    assert all(text for _, text, *_ in generated)
    Organisation.objects.filter(slug__startswith="synthetic-").changed()  # the site's rebuild
    assert search_index() == generated


def test_it_teaches_typo_correction_the_words_the_site_would():
    generate(80)
    generated = known_words()
    index.forget("default")
    index.index("default", Organisation, list(Organisation.objects.values_list("pk", flat=True)))
    assert known_words() == generated


def test_a_misspelt_synthetic_name_still_finds_it():
    generate(25)
    organisation = synthetic().first()
    place = organisation.name.split()[0]
    misspelt = place[:-2] + place[-1] + place[-2]  # the last two letters swapped
    assert organisation in Organisation.objects.search(f"{misspelt} (synthetic")


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
    tables = [Statement, MemberBenefit, KeyFigure, Affiliation]
    tables += [Organisation.audiences.through, Organisation.themes.through]
    rows = [model.objects.count() for model in tables]
    history = [model.history.count() for model in [Organisation, *tables[:4]]]
    words = known_words() if connection.vendor == "postgresql" else []
    generate(40)
    version = DataVersion.current()
    out = StringIO()
    call_command("remove_synthetic", stdout=out)
    assert "Removed 40 synthetic organisations" in out.getvalue()
    assert not synthetic().exists()
    assert not Source.objects.filter(slug="synthetic-data").exists()
    assert Organisation.objects.count() == 10
    assert [model.objects.count() for model in tables] == rows
    # Benchmark data is no part of the directory's history, coming or going.
    assert [model.history.count() for model in [Organisation, *tables[:4]]] == history
    assert DataVersion.current() > version
    assert fixture.dumps(fixture.export()) == before
    assert list(Organisation.objects.search("ISME"))[0].slug == "isme"
    if connection.vendor == "postgresql":
        assert known_words() == words


def test_removing_takes_affiliations_from_real_organisations_too():
    generate(5)
    Affiliation.objects.create(
        organisation=Organisation.objects.get(slug="isme"),
        other=synthetic().first(),
        kind="partner-of",
        key="synthetic-partner",
        source=Source.objects.get(slug="synthetic-data"),
        excerpt="Synthetic record, generated for benchmarks: not a real organisation.",
    )
    call_command("remove_synthetic", stdout=StringIO())
    assert not Affiliation.objects.filter(key="synthetic-partner").exists()


@postgresql_only
def test_generating_and_removing_keep_every_foreign_key():
    before = foreign_keys()
    generate(30)
    assert foreign_keys() == before
    call_command("remove_synthetic", stdout=StringIO())
    assert foreign_keys() == before


# --- Only for a benchmark's database ---------------------------------------------------------


def test_it_adds_to_earlier_synthetic_data_numbering_after_it():
    generate(5)
    generate(5)
    assert synthetic().count() == 10
    assert synthetic().last().slug == "synthetic-000009"


def test_it_refuses_a_database_with_organisations_the_fixture_does_not_have():
    factories.organisation("Acme Music", slug="acme", kind="alliance")
    with pytest.raises(CommandError, match="organisation 'acme'.*use --force"):
        generate(5)
    assert not synthetic().exists()


def test_it_refuses_a_database_with_records_the_fixture_does_not_have():
    isme = Organisation.objects.get(slug="isme")
    factories.statement(isme, key="added-by-an-editor")
    with pytest.raises(CommandError, match="statement 'isme/added-by-an-editor'"):
        generate(5)


def test_it_refuses_a_database_with_user_accounts(django_user_model):
    django_user_model.objects.create_user("editor")
    with pytest.raises(CommandError, match="1 user account"):
        generate(5)


def test_it_generates_anyway_when_forced():
    factories.organisation("Acme Music", slug="acme", kind="alliance")
    call_command("generate_synthetic", "5", "--force", stdout=StringIO())
    assert synthetic().count() == 5
