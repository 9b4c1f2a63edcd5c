"""Open data: the whole directory to download (a CSV for each kind of record, in long format,
the JSON, a Frictionless Data Package), and each organisation's own JSON and CSV, all from the
export layer the list's exports use (organisations/exports.py, downloads.py)."""

import json
from urllib.parse import urljoin

import pytest
from django.core.cache import cache
from django.urls import reverse

from organisations import downloads, exports
from organisations.fixture import SYNTHETIC_PREFIX
from organisations.models import Affiliation, DataVersion, Organisation, Source, Statement
from tests import factories
from tests.reading import content, count_queries, csv_rows, get_counting, read, visible

pytestmark = pytest.mark.django_db

DOWNLOADS = reverse("downloads")
PACKAGE = reverse("datapackage")
JSON_DOWNLOAD = reverse("download-json")


def table(client, name):
    """{"header": [...], "rows": [{column: cell}]} of the download `name`.csv."""
    response = client.get(reverse("download-csv", kwargs={"name": name}))
    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    return {"header": header, "rows": [dict(zip(header, row, strict=True)) for row in rows]}


def package(client):
    response = client.get(PACKAGE)
    assert response.status_code == 200
    return response.json()


# The CSVs ------------------------------------------------------------------------------------


def test_every_csv_starts_with_a_byte_order_mark_so_excel_reads_it_as_utf8(client):
    # Zoë and the em dash are what Excel garbled without one.
    factories.organisation("Zoë’s Music Trust — Tést", slug="zoe", kind="network")
    rows = table(client, "organisations")["rows"]
    assert "Zoë’s Music Trust — Tést" in [row["name"] for row in rows]
    for name in downloads.TABLES_BY_NAME:
        text = content(client.get(reverse("download-csv", kwargs={"name": name})))
        assert text.startswith("\ufeff") and not text.startswith("\ufeff\ufeff"), name
    # The list's CSV and an organisation's too.
    csv_rows(client.get(reverse("organisations:export-csv")))
    csv_rows(client.get(reverse("organisations:detail-csv", kwargs={"slug": "zoe"})))


def test_affiliations_are_one_a_row_each_once(client):
    rows = table(client, "affiliations")["rows"]
    assert len(rows) == Affiliation.objects.count()
    mec = [row for row in rows if row["organisation"] == "music-education-council"]
    assert [(row["label (our wording)"], row["other_organisation"]) for row in mec] == [
        ("National affiliate of", "isme"),
        ("Leads a project for", "isme"),
    ]
    (national,) = [row for row in mec if row["label (our wording)"] == "National affiliate of"]
    assert national["kind (our classification)"] == "national-affiliate-of"
    assert national["qualifier"] == "for the UK"
    assert national["source"] == "mec-isme"
    assert national["passage (quoted)"] == (
        "The Music Education Council is the International Society for Music Education's "
        "National Affiliate for the UK."
    )
    # Not squashed into one cell: no row holds two.
    assert all("; " not in row["other_organisation"] for row in rows)


def test_each_kind_of_record_has_its_own_csv_with_its_source_and_passage(client):
    statements = table(client, "statements")
    assert statements["header"] == [
        "organisation",
        "kind",
        "title (quoted)",
        "text (quoted)",
        "source",
        "passage (quoted)",
    ]
    assert len(statements["rows"]) == Statement.objects.count()
    for row in statements["rows"]:
        assert row["source"] and row["text (quoted)"] in row["passage (quoted)"]
    sources = {row["slug"] for row in table(client, "sources")["rows"]}
    assert sources == set(Source.objects.values_list("slug", flat=True))
    for name in ["key_figures", "benefits", "programmes", "citations", "affiliations"]:
        for row in table(client, name)["rows"]:
            assert row["source"] in sources and row["passage (quoted)"], name


def test_the_tables_say_what_the_list_exports_say(client):
    """One export layer: the organisations table is the list's CSV without its list cells,
    and each record table holds what the JSON export holds, one record a row."""
    listed = {
        row[2]: row[:10] for row in csv_rows(client.get("/organisations/export.csv?status=all"))[1:]
    }
    organisations = table(client, "organisations")
    assert organisations["header"][:4] == ["name", "acronym (stated)", "slug", "url"]
    assert {row[2]: row[:10] for row in csv_rows(_download(client, "organisations"))[1:]} == listed
    exported = json.loads(content(client.get("/organisations/export.json?status=all")))
    themes = table(client, "themes")["rows"]
    assert sorted((row["organisation"], row["theme (our classification)"]) for row in themes) == (
        sorted(
            (org["slug"], theme["slug"])
            for org in exported["organisations"]
            for theme in org["themes"]
        )
    )
    programmes = table(client, "programmes")["rows"]
    assert [(row["organisation"], row["name"], row["passage (quoted)"]) for row in programmes] == [
        (org["slug"], p["name"], p["passage"])
        for org in sorted(exported["organisations"], key=lambda org: org["slug"])
        for p in org["programmes"]
    ]


def _download(client, name):
    return client.get(reverse("download-csv", kwargs={"name": name}))


def test_the_downloads_leave_the_synthetic_data_out(client):
    factories.organisation("Synthetic one", slug=f"{SYNTHETIC_PREFIX}000001")
    slugs = [row["slug"] for row in table(client, "organisations")["rows"]]
    assert f"{SYNTHETIC_PREFIX}000001" not in slugs
    assert slugs == sorted(
        Organisation.objects.exclude(slug__startswith=SYNTHETIC_PREFIX).values_list(
            "slug", flat=True
        )
    )
    data = json.loads(content(client.get(JSON_DOWNLOAD)))
    assert f"{SYNTHETIC_PREFIX}000001" not in [org["slug"] for org in data["organisations"]]


def test_a_cell_a_spreadsheet_would_run_is_quoted(client):
    formula = factories.organisation("=Formula Org", slug="formula-org", kind="funder")
    factories.affiliation(formula, Organisation.objects.get(slug="isme"), qualifier="+1 more")
    (row,) = [
        r for r in table(client, "affiliations")["rows"] if r["organisation"] == "formula-org"
    ]
    assert row["other_name"] == "International Society for Music Education"
    assert row["qualifier"] == "'+1 more"
    (org,) = [r for r in table(client, "organisations")["rows"] if r["slug"] == "formula-org"]
    assert org["name"] == "'=Formula Org"


def test_an_unknown_table_is_a_404(client):
    assert client.get("/downloads/nothing.csv").status_code == 404


@pytest.mark.parametrize("name", ["organisations", "affiliations", "statements", "sources"])
def test_a_tables_query_count_does_not_grow_with_the_organisations(client, name):
    url = reverse("download-csv", kwargs={"name": name})
    factories.organisations_with_records(1)
    before = count_queries(client, url)
    factories.organisations_with_records(30, start=1)
    assert count_queries(client, url) == before


def test_a_download_is_streamed_a_chunk_at_a_time(client, monkeypatch):
    factories.organisations_with_records(12)
    whole = content(_download(client, "affiliations"))
    monkeypatch.setattr(exports, "CHUNK_SIZE", 5)
    monkeypatch.setattr(exports, "OUTPUT_ROWS", 4)
    response = _download(client, "affiliations")
    pieces = list(response.streaming_content)
    assert len(pieces) > 5  # the header, then batch after batch
    assert b"".join(pieces).decode() == whole


# The Data Package ----------------------------------------------------------------------------


def test_the_data_package_describes_every_csv_as_it_is(client):
    described = package(client)
    assert described["profile"] == "tabular-data-package"
    assert described["version"] == str(DataVersion.current())
    assert described["licenses"] == [downloads.LICENCE]
    assert "third-party text" in described["description"]
    names = [resource["name"] for resource in described["resources"]]
    assert names == [table.name for table in downloads.TABLES]
    for resource in described["resources"]:
        # Its path, relative to the package, is the file; its fields are the file's header.
        url = urljoin(PACKAGE, resource["path"])
        response = client.get(url)
        assert response.status_code == 200, url
        header, *rows = csv_rows(response)
        assert [field["name"] for field in resource["schema"]["fields"]] == header
        assert resource["encoding"] == "utf-8-sig"
        for field in resource["schema"]["fields"]:
            if field["type"] == "integer":
                column = header.index(field["name"])
                assert all(row[column] == "" or row[column].isdigit() for row in rows)
        # Each row's organisation and source are rows of organisations.csv and sources.csv.
        for key in resource["schema"].get("foreignKeys", []):
            column = header.index(key["fields"])
            target = key["reference"]["resource"]
            slugs = {row["slug"] for row in table(client, target)["rows"]}
            assert {row[column] for row in rows} <= slugs, (resource["name"], key)
    keyed = {r["name"] for r in described["resources"] if r["schema"].get("foreignKeys")}
    assert keyed == {table.name for table in downloads.TABLES} - {"organisations", "sources"}


# The JSON ------------------------------------------------------------------------------------


def test_the_json_download_is_the_json_export_of_every_organisation_with_what_it_is(client):
    data = json.loads(content(client.get(JSON_DOWNLOAD)))
    assert data["about"]["version"] == DataVersion.current()
    assert data["about"]["licenses"] == [downloads.LICENCE]
    assert data["about"]["quotations"] == downloads.QUOTATIONS
    assert data["about"]["about"] == "http://testserver/about/"
    exported = json.loads(content(client.get("/organisations/export.json?status=all")))
    by_slug = {org["slug"]: org for org in exported["organisations"]}
    assert {org["slug"]: org for org in data["organisations"]} == by_slug
    assert data["fields"] == exported["fields"]
    assert data["sources"] == exported["sources"]


# The page ------------------------------------------------------------------------------------


def test_the_downloads_page_gives_the_version_date_licences_and_every_file(client):
    response = client.get(DOWNLOADS)
    assert response.status_code == 200
    page = read(response)
    text = visible(response)
    assert f"data version {DataVersion.current()}" in text
    hrefs = {link.get("href") for link in page.one("main").find_all("a")}
    for name in downloads.TABLES_BY_NAME:
        assert reverse("download-csv", kwargs={"name": name}) in hrefs
    assert {JSON_DOWNLOAD, PACKAGE, "/about/#licence", "/about/#quotations"} <= hrefs
    licence = page.one("a", rel="license external")
    assert licence.get("href") == downloads.LICENCE["path"]
    assert licence.text == downloads.LICENCE["title"].lower()
    assert "third-party text" in text
    assert "byte-order mark" in text


def test_the_about_page_names_the_licence_the_downloads_give(client):
    licence = read(client.get("/about/")).one("a", rel="license external")
    assert licence.get("href") == downloads.LICENCE["path"]


def test_every_page_links_to_the_downloads(client):
    for url in ["/organisations/", "/organisations/isme/", "/about/"]:
        assert read(client.get(url)).one("footer").find("a", href=DOWNLOADS), url


# An organisation's own JSON and CSV --------------------------------------------------------


def test_an_organisations_json_is_its_record_in_the_list_export(client):
    response = client.get(reverse("organisations:detail-json", kwargs={"slug": "isme"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    (isme,) = response.json()["organisations"]
    exported = json.loads(content(client.get("/organisations/export.json?status=all")))
    (expected,) = [org for org in exported["organisations"] if org["slug"] == "isme"]
    assert isme == expected
    assert isme["statements"] and isme["evidence"]


def test_an_organisations_csv_is_its_row_in_the_list_export(client):
    response = client.get(reverse("organisations:detail-csv", kwargs={"slug": "amie"}))
    assert response["Content-Disposition"] == 'attachment; filename="amie.csv"'
    header, row = csv_rows(response)
    listed = csv_rows(client.get("/organisations/export.csv?status=all"))
    assert header == listed[0] == exports.CSV_HEADER
    assert row in listed[1:]


@pytest.mark.parametrize("name", ["detail-json", "detail-csv"])
def test_an_unknown_organisation_is_a_404(client, name):
    assert (
        client.get(reverse(f"organisations:{name}", kwargs={"slug": "nobody"})).status_code == 404
    )
    assert client.get("/organisations/Bad%20Slug!/export.json").status_code == 404


def test_an_organisations_page_links_to_its_twins(client):
    page = read(client.get("/organisations/isme/"))
    alternates = {
        link.get("type"): link.get("href")
        for link in page.one("head").find_all("link", rel="alternate")
    }
    json_url = reverse("organisations:detail-json", kwargs={"slug": "isme"})
    csv_url = reverse("organisations:detail-csv", kwargs={"slug": "isme"})
    assert alternates == {"application/json": json_url, "text/csv": csv_url}
    main = page.one("main")
    assert main.find("a", href=json_url) and main.find("a", href=csv_url)


@pytest.mark.parametrize("name", ["detail-json", "detail-csv"])
def test_an_organisations_twins_are_cached_as_its_page_is(client, settings, name):
    settings.PAGE_CACHE = True
    cache.clear()
    url = reverse(f"organisations:{name}", kwargs={"slug": "isme"})
    first, uncached = get_counting(client, url)
    second, cached = get_counting(client, url)
    assert cached == 1 < uncached  # the data version
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    cache.clear()
