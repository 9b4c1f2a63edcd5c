"""Areas served: the UK, its nations and England's regions shipped; local authorities loaded
from the published list (../shared/reference, as an operator loads it); and "who serves my
area?" on the list, its counts and its exports."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from organisations.models import Area, AreaServed, Organisation, Source
from tests import factories
from tests.admin_forms import organisation_form
from tests.conftest import shared_reference
from tests.reading import content, csv_rows, entry_links, fact, read, visible

pytestmark = pytest.mark.django_db

PUBLISHED = Path(settings.BASE_DIR).parent / "shared" / "reference"
PUBLISHED_LIST = PUBLISHED / "uk_local_authorities_current.csv"

LEEDS = "E08000035"
WEST_YORKSHIRE = "E47000003"  # the combined authority
ABERDEENSHIRE = "S12000034"
ENGLAND = "E92000001"


@pytest.fixture
def local_authorities():
    """The published list, loaded as an operator loads it."""
    call_command("load_local_authorities", str(shared_reference(PUBLISHED_LIST.name)), verbosity=0)


def names(codes):
    return sorted(Area.objects.filter(code__in=codes).values_list("name", flat=True))


def test_the_uk_its_nations_and_englands_regions_are_shipped(db):
    assert Area.objects.get(code="K02000001").name == "United Kingdom"
    nations = Area.objects.filter(kind=Area.Kind.NATION)
    assert sorted(n.name for n in nations) == ["England", "Northern Ireland", "Scotland", "Wales"]
    assert all([a.code for a in n.within.all()] == ["K02000001"] for n in nations)
    regions = Area.objects.filter(kind=Area.Kind.REGION)
    assert regions.count() == 9
    assert {a.code for r in regions for a in r.within.all()} == {ENGLAND}


def test_once_loaded_local_authorities_are_offered_at_once(client, settings):
    if not PUBLISHED_LIST.exists():
        pytest.skip(f"the published list of local authorities is not at {PUBLISHED_LIST}")
    settings.MEMO = True  # the list's choices kept once per data version, as in production
    offered = client.get("/organisations/").context["sidebar"].options["area"]
    assert "Leeds" not in [option.label for option in offered]
    call_command("load_local_authorities", str(PUBLISHED_LIST), verbosity=0)
    offered = client.get("/organisations/").context["sidebar"].options["area"]
    assert "Leeds" in [option.label for option in offered]


def test_local_authorities_load_from_the_published_list_with_what_they_lie_within(
    local_authorities,
):
    assert Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).count() == 361
    leeds = Area.objects.get(code=LEEDS)
    assert leeds.name == "Leeds"
    assert "Leeds City Council" in leeds.other_names.splitlines()
    surroundings = [code for _, _, code in leeds.surroundings]
    assert names(surroundings) == [
        "England",
        "Leeds",
        "United Kingdom",
        "West Yorkshire",
        "Yorkshire and The Humber",
    ]
    # A district of a two-tier county lies within the county; Scotland has no regions.
    adur = Area.objects.get(name="Adur")
    assert [a.name for a in adur.within.all()] == ["West Sussex"]
    assert [a.name for a in Area.objects.get(code=ABERDEENSHIRE).within.all()] == ["Scotland"]

    before = Area.objects.count()
    call_command("load_local_authorities", str(PUBLISHED_LIST), verbosity=0)  # again
    assert Area.objects.count() == before


def test_a_broken_list_fails_naming_the_file_and_row_and_changes_nothing(tmp_path):
    if not PUBLISHED_LIST.exists():
        pytest.skip(f"the published list of local authorities is not at {PUBLISHED_LIST}")
    rows = list(csv.reader(PUBLISHED_LIST.open(encoding="utf-8")))
    code = rows[0].index("gss-code")
    rows[5][code] = "not-a-code"
    broken = tmp_path / "authorities.csv"
    with broken.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    before = Area.objects.count()
    with pytest.raises(
        CommandError, match=r"authorities\.csv, row 6 \(.+\): 'not-a-code' is not a GSS code"
    ):
        call_command("load_local_authorities", str(broken), verbosity=0)
    assert Area.objects.count() == before

    (tmp_path / "other.csv").write_text("name,code\nLeeds,E08000035\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"other\.csv: not mySociety's list"):
        call_command("load_local_authorities", str(tmp_path / "other.csv"), verbosity=0)


def serve(slug, code):
    """Record that organisation `slug` serves the area `code` (as an editor would, quoting)."""
    organisation = Organisation.objects.get(slug=slug)
    factories.area_served(organisation, area=code)
    Organisation.objects.filter(pk=organisation.pk).changed()


def cards_under_headings(response):
    """[(heading, [organisation names])] of the list's results."""
    groups = []
    for element in read(response).iter():
        if element.matches("h2", class_="results-heading"):
            groups.append((" ".join(element.raw_text.split()), []))
        elif element.matches("h2", class_="card__title"):
            groups[-1][1].append(element.one("a").own_text)  # the name, not the acronym after
    return groups


def test_who_serves_my_area_lists_those_serving_it_then_the_wider_ones(client, local_authorities):
    serve("music-mark", WEST_YORKSHIRE)
    serve("youth-music", LEEDS)
    response = client.get("/organisations/", {"area": LEEDS})
    assert cards_under_headings(response) == [
        ("Serving Leeds", ["Music Mark", "Youth Music"]),
        (
            "Also serving your area (across its region, its nation or the whole UK)",
            ["Alliance for a Musically Inclusive England", "Music Education Council"],
        ),
    ]
    assert "serving the area: leeds" in visible(response)  # the choice, removable

    # In Scotland: only those serving the whole UK; England's are not offered.
    response = client.get("/organisations/", {"area": ABERDEENSHIRE})
    assert cards_under_headings(response) == [
        (
            "Also serving your area (across its region, its nation or the whole UK)",
            ["Music Education Council"],
        )
    ]


def test_the_area_is_a_filter_like_the_others_counts_and_exports_follow(client, local_authorities):
    serve("youth-music", LEEDS)
    response = client.get("/organisations/", {"area": LEEDS})
    kinds = {o.value: o.count for o in response.context["sidebar"].options["kind"]}
    assert kinds["alliance"] == 1  # AMIE serves England
    assert kinds["international-society"] == 0  # ISME serves no part of the UK here
    header, *rows = csv_rows(client.get("/organisations/export.csv", {"area": LEEDS}))
    slugs = [row[header.index("slug")] for row in rows]
    assert slugs == ["youth-music", "amie", "music-education-council"]
    feed = client.get("/organisations/feed.atom", {"area": LEEDS})
    assert {link.removeprefix("http://testserver") for link in entry_links(feed)} == {
        f"/organisations/{slug}/" for slug in slugs
    }


def test_an_unknown_area_is_the_forms_error_not_a_failure(client):
    response = client.get("/organisations/", {"area": "E99999999"})
    assert response.status_code == 200
    assert "Select a valid choice" in content(response)
    assert client.get("/organisations/export.json", {"area": "nowhere"}).status_code == 400


def test_an_editor_records_an_area_served_with_its_passage_and_the_page_shows_it(admin_client):
    AreaServed.objects.filter(organisation__slug="amie").delete()  # the fixture's, recorded anew
    form = organisation_form(admin_client, "amie")
    source = Source.objects.get(slug="amie-founder-page")
    england = Area.objects.get(code=ENGLAND)
    form.add_row(
        "areas_served",
        area=england.pk,
        source=source.pk,
        excerpt="If you want to help create a musically inclusive England",
    )
    saved = form.save()
    assert saved.status_code == 302, content(saved)[:500]
    page = read(admin_client.get(form.object.get_absolute_url()))
    facts = fact(page, "Areas served")
    assert "england" in facts.text
    assert "help create a musically inclusive england" in facts.text


def test_areas_served_import_by_gss_code_and_an_unknown_code_is_named(tmp_path):
    AreaServed.objects.filter(organisation__slug="amie").delete()  # the fixture's, imported anew
    path = tmp_path / "areas.csv"
    header = "organisation,key,order,area,source,excerpt\r\n"
    path.write_text(
        header + 'amie,,1,E92000001,amie-founder-page,"create a musically inclusive England"\r\n',
        encoding="utf-8",
    )
    call_command("import_records", "areaserved", str(path), stdout=io.StringIO())
    assert Organisation.objects.get(slug="amie").areas_served.get().area.name == "England"

    path.write_text(
        header + 'amie,,2,E99999999,amie-founder-page,"create a musically inclusive England"\r\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 row has errors"):
        call_command("import_records", "areaserved", str(path), stdout=out)
    assert "row 2: error: area: No area with the GSS code “E99999999”." in out.getvalue()


def test_the_published_list_is_not_copied_into_the_project():
    """Its README: the project ships the command, not the list (nor lists made from it)."""
    project = Path(settings.BASE_DIR)
    skipped = {".venv", "node_modules", ".git"}
    for path in project.rglob("*.csv"):
        if not skipped & set(path.parts):
            assert "local-authority-code" not in path.read_text(errors="replace")[:2000], path


def test_an_area_served_and_another_name_are_found_by_search(client, local_authorities):
    serve("youth-music", LEEDS)
    amie = Organisation.objects.get(slug="amie")
    amie.other_names.create(
        name="the Alliance",
        source=Source.objects.get(slug="amie-founder-page"),
        excerpt="You can find out more about the Alliance here.",
    )
    Organisation.objects.filter(pk=amie.pk).changed()
    found = client.get("/organisations/", {"q": "leeds"}).context["object_list"]
    assert [org.slug for org in found] == ["youth-music"]
    found = client.get("/organisations/", {"q": "alliance"}).context["object_list"]
    assert "amie" in [org.slug for org in found]


@pytest.mark.parametrize(
    "url", ["/organisations/", "/organisations/export.csv", "/organisations/export.json"]
)
def test_a_nation_chosen_the_list_and_its_exports_give_who_serves_it(client, url):
    # AMIE serves England, as its page says: "a musically inclusive England". (On PostgreSQL
    # the exports failed with a nation or region chosen: they sorted by a constant.)
    response = client.get(url, {"area": ENGLAND})
    assert response.status_code == 200
    assert "Alliance for a Musically Inclusive England" in content(response)
