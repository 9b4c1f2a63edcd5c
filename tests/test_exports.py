"""The list's CSV and JSON exports: the same organisations as the list, all pages, streamed."""

import json

import pytest
from django.urls import reverse

from organisations import exports
from organisations.models import Organisation, Programme, Theme
from tests import factories, reading
from tests.reading import count_queries, csv_rows, read, visible

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
CSV_URL = reverse("organisations:export-csv")
JSON_URL = reverse("organisations:export-json")
FEED_URL = reverse("organisations:feed")

ISME_NAME = "International Society for Music Education"


def list_slugs(client, params):
    """Every organisation the HTML list shows for `params`, page after page."""
    slugs, page = [], 1
    while True:
        response = client.get(LIST, {**params, "page": page})
        assert response.status_code == 200
        slugs += [org.slug for org in response.context["object_list"]]
        if not response.context["page_obj"].has_next():
            return slugs
        page += 1


def content(response):
    assert response.streaming is True
    return reading.content(response)


def export_csv(client, params=None):
    """The CSV's rows as {column: cell}, by the columns' names without the header's marks
    ("kind" for "kind (our classification)": see test_the_csv_header_marks_...)."""
    response = client.get(CSV_URL, params or {})
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    assert header == exports.CSV_HEADER
    return [dict(zip(exports.CSV_COLUMNS, row, strict=True)) for row in rows]


def export_json(client, params=None, url=JSON_URL):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return json.loads(content(response))["organisations"]


def record(client, slug):
    (found,) = [org for org in export_json(client, {"status": "all"}) if org["slug"] == slug]
    return found


LIST_PARAMS = [
    {},
    {"q": "music"},
    {"kind": "funder"},
    {"q": "music", "kind": ["funder", "alliance"], "sort": "name"},
    {"affiliated_with": "isme"},
    {"affiliated_with": "amie", "kind": "funder", "scope": "england"},
    {"theme": "inclusion", "audience": "children-and-young-people"},
    {"sort": "-name"},
    {"sort": "founded", "status": "all"},
    {"q": "zzzzqqq"},
]


@pytest.mark.parametrize("params", LIST_PARAMS)
def test_the_exports_hold_the_lists_organisations_in_its_order(client, params):
    expected = list_slugs(client, params)
    assert [row["slug"] for row in export_csv(client, params)] == expected
    assert [org["slug"] for org in export_json(client, params)] == expected


@pytest.mark.parametrize(
    "params", [{}, {"kind": "funder"}, {"scope": ["uk", "england"], "sort": "-name"}]
)
def test_the_exports_hold_every_page_of_the_list(client, params):
    factories.organisations_with_records(30)
    expected = list_slugs(client, params)
    assert len(expected) > 20  # more than one page of the list
    assert [row["slug"] for row in export_csv(client, params)] == expected
    assert [org["slug"] for org in export_json(client, params)] == expected


def test_the_page_parameter_is_ignored(client):
    factories.organisations_with_records(30)
    everything = export_json(client)
    assert export_json(client, {"page": 2}) == everything
    assert len(everything) == Organisation.objects.count()


def test_rows_read_in_several_chunks_keep_their_order_and_relations(client, monkeypatch):
    whole = export_json(client, {"status": "all"})
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    assert export_json(client, {"status": "all"}) == whole


def test_the_exports_are_streamed_with_their_types_and_names(client):
    response = client.get(CSV_URL)
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="organisations.csv"'
    assert len(list(response.streaming_content)) > 1  # a header, then row after row

    response = client.get(JSON_URL)
    assert response.streaming is True
    assert response["Content-Type"] == "application/json"
    assert response["X-Robots-Tag"] == "noindex"


def test_the_csv_columns(client):
    (isme,) = [row for row in export_csv(client) if row["slug"] == "isme"]
    assert list(isme) == exports.CSV_COLUMNS
    assert isme["name"] == ISME_NAME
    assert isme["acronym"] == "ISME"
    assert isme["url"] == "http://testserver/organisations/isme/"
    assert isme["kind"] == "International society or council"
    assert isme["scope"] == "International"
    assert isme["status"] == ""  # no source says whether it is active
    assert isme["founded_year"] == "1953"
    assert isme["key_figures"] == "nearly 90 countries"
    assert isme["audiences"] == "Music educators; People of all ages"
    assert "Affiliated to International Music Council" in isme["affiliations"].split("; ")
    assert "National affiliate for the UK: Music Education Council (MEC)" in isme["affiliations"]


def test_the_csv_words_affiliations_as_the_organisations_page_does(client):
    (mec,) = [row for row in export_csv(client) if row["slug"] == "music-education-council"]
    assert mec["affiliations"].split("; ") == [
        f"National affiliate of {ISME_NAME} (ISME) (for the UK)",
        f"Leads a project for {ISME_NAME} (ISME) — World Conference 2016 Legacy Project",
    ]
    (amie,) = [row for row in export_csv(client) if row["slug"] == "amie"]
    assert amie["affiliations"] == (
        "Partner of music education hubs; Led by Youth Music; Supported by Youth Music"
    )
    assert amie["key_figures"] == (
        "13 founder organisations; "
        "more than 60 partner organisations (such as music education hubs)"
    )


def test_the_json_record(client):
    isme = record(client, "isme")
    assert isme["name"] == ISME_NAME
    assert isme["url"] == "http://testserver/organisations/isme/"
    assert isme["kind"] == {
        "value": "international-society",
        "label": "International society or council",
    }
    assert isme["scope"] == {"value": "international", "label": "International"}
    assert isme["founded_year"] == 1953
    assert {"slug": "music-educators", "name": "Music educators"} in isme["audiences"]
    assert isme["key_figures"] == [
        {
            "value": 90,
            "qualifier": "nearly",
            "label": "countries",
            "note": "",
            "text": ("nearly 90 countries"),
            "source": "mec-isme",
            "passage": "ISME is present in nearly ninety countries",
        }
    ]
    assert record(client, "music-mark")["scope"] is None


def test_the_json_holds_each_side_of_an_affiliation(client):
    mec = record(client, "music-education-council")
    assert {
        "direction": "outgoing",
        "kind": "national-affiliate-of",
        "label": "National affiliate of",
        "organisation": {
            "name": ISME_NAME,
            "slug": "isme",
            "url": "http://testserver/organisations/isme/",
        },
        "described": None,
        "qualifier": "for the UK",
        "programme": None,
        "text": f"National affiliate of {ISME_NAME} (ISME) (for the UK)",
        "start_year": None,
        "end_year": None,
        "source": "mec-isme",
        "passage": (
            "The Music Education Council is the International Society for Music Education's "
            "National Affiliate for the UK."
        ),
    } in mec["affiliations"]

    isme = record(client, "isme")
    incoming = [
        a for a in isme["affiliations"] if a["organisation"]["slug"] == "music-education-council"
    ]
    assert {(a["direction"], a["kind"], a["label"], a["programme"]) for a in incoming} == {
        ("incoming", "national-affiliate-of", "National affiliate for the UK", None),
        ("incoming", "leads-project-for", "Project led by", "World Conference 2016 Legacy Project"),
    }
    outgoing = [a for a in isme["affiliations"] if a["direction"] == "outgoing"]
    assert [a["organisation"]["slug"] for a in outgoing] == [
        "international-music-council",
        "unesco",
    ]


def make_awkward_organisations():
    """Organisations with everything an export has to word or quote: no acronym, no scope or
    year, non-ASCII, commas, quotes and new lines, a formula, figures with qualifiers and notes,
    affiliations with qualifiers and programmes both ways, several themes."""
    programme = Programme.objects.first()
    zoe = factories.organisation(
        "Zoë’s Music Trust — Tést",
        slug="zoe",
        kind="network",
        summary='Quotes "like this", commas, and\nnew lines',
        website="https://zoe.example/",
        themes=Theme.objects.values_list("slug", flat=True)[:3],
    )
    formula = factories.organisation(
        "=Formula Org", slug="formula-org", acronym="FO", kind="funder", scope="wales"
    )
    for value, qualifier, label, note in [(5, "about", "hubs", "in 2024"), (0, "", "fees", "")]:
        factories.key_figure(zoe, value=value, qualifier=qualifier, label=label, note=note)
    for organisation, kind, other, qualifier in [
        (zoe, "funded-by", formula, "via the Arts Council"),
        (formula, "host-for", zoe, "in 2025"),
        (zoe, "member-of", Organisation.objects.get(slug="isme"), ""),
    ]:
        factories.affiliation(
            organisation,
            other,
            kind=kind,
            qualifier=qualifier,
            programme=programme if kind != "member-of" else None,
        )


def model_record(organisation, absolute_url):
    """What the exports say about `organisation`, read from the models as its page reads them.

    The exports read plain values instead, for speed: this keeps them to the same wording."""
    url = absolute_url(organisation.get_absolute_url())

    def choice(value, label):
        return {"value": value, "label": label} if value else None

    def quoted(record):
        return {"source": record.source.slug, "passage": record.excerpt}

    def affiliation(link):
        other, programme = link.organisation, link.affiliation.programme
        return {
            "direction": "incoming" if link.incoming else "outgoing",
            "kind": link.kind,
            "label": link.label,
            "organisation": {
                "name": other.name,
                "slug": other.slug,
                "url": absolute_url(other.get_absolute_url()),
            }
            if other
            else None,
            "described": None
            if other
            else {"text": link.affiliation.described, "type": link.affiliation.described_as},
            "qualifier": link.affiliation.qualifier,
            "programme": programme.name if programme else None,
            "text": link.text,
            "start_year": link.affiliation.start_year,
            "end_year": link.affiliation.end_year,
            **quoted(link.affiliation),
        }

    return {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "slug": organisation.slug,
        "url": url,
        "kind": choice(organisation.kind, organisation.get_kind_display()),
        "scope": choice(organisation.scope, organisation.get_scope_display()),
        "status": organisation.status,
        "founded_year": organisation.founded_year,
        "summary": organisation.summary,
        "website": organisation.website,
        "audiences": [{"slug": t.slug, "name": t.name} for t in organisation.audiences.all()],
        "themes": [{"slug": t.slug, "name": t.name} for t in organisation.themes.all()],
        "key_figures": [
            {
                "value": figure.value,
                "qualifier": figure.qualifier,
                "label": figure.label,
                "note": figure.note,
                "text": str(figure),
                **quoted(figure),
            }
            for figure in organisation.key_figures.all()
        ],
        "affiliations": [affiliation(link) for link in organisation.affiliation_links()],
        "statements": [
            {"kind": s.kind, "title": s.title, "text": s.text, **quoted(s)}
            for s in organisation.statements.all()
        ],
        "benefits": [
            {"category": b.category, "title": b.title, "text": b.text, "for": b.members} | quoted(b)
            for b in organisation.benefits.all()
        ],
        "programmes": [
            {
                "name": p.name,
                "kind": p.kind,
                "part_of": p.parent.name if p.parent else None,
                "frequency": p.frequency,
                "year": p.year,
                "location": p.location,
                "description": p.description,
                **quoted(p),
            }
            for p in organisation.programmes.all()
        ],
        "roles": [
            {
                "person": r.person.name,
                "title": r.title,
                "quote": r.quote,
                "start_year": r.start_year,
                "end_year": r.end_year,
                **quoted(r),
            }
            for r in organisation.roles.all()
        ],
        "areas_served": [
            {"area": a.area.code, "area_name": a.area.name, **quoted(a)}
            for a in organisation.areas_served.all()
        ],
        "other_names": [
            {"kind": o.kind, "name": o.name, **quoted(o)} for o in organisation.other_names.all()
        ],
        "identifiers": [
            {"scheme": i.scheme, "value": i.value, **quoted(i)}
            for i in organisation.identifiers.all()
        ],
        "citations": [{"supports": c.supports, **quoted(c)} for c in organisation.citations.all()],
        "evidence": {c.supports: quoted(c) for c in organisation.citations.all() if c.supports},
    }


def model_csv_row(record):
    """The CSV row of a `model_record()`: lists joined, formulas quoted, as csv reads it."""
    figures = [
        f"{f['text']} ({f['note']})" if f["note"] else f["text"] for f in record["key_figures"]
    ]
    cells = {
        **record,
        "kind": record["kind"]["label"] if record["kind"] else "",
        "scope": record["scope"]["label"] if record["scope"] else "",
        "founded_year": "" if record["founded_year"] is None else str(record["founded_year"]),
        "audiences": "; ".join(tag["name"] for tag in record["audiences"]),
        "themes": "; ".join(tag["name"] for tag in record["themes"]),
        "key_figures": "; ".join(figures),
        "affiliations": "; ".join(a["text"] for a in record["affiliations"]),
    }
    quote = ("=", "+", "-", "@", "\t", "\r")
    return {
        column: f"'{cells[column]}" if cells[column].startswith(quote) else cells[column]
        for column in exports.CSV_COLUMNS
    }


def test_the_exports_say_what_the_models_say(client, rf):
    factories.organisations_with_records(3)
    make_awkward_organisations()
    absolute_url = rf.get("/").build_absolute_uri
    expected = {
        org.slug: model_record(org, absolute_url) for org in Organisation.objects.for_detail()
    }
    records = export_json(client, {"status": "all"})
    assert len(records) == len(expected) == Organisation.objects.count()
    assert records == [expected[record["slug"]] for record in records]
    assert any(record["affiliations"] and record["key_figures"] for record in records)

    rows = export_csv(client, {"status": "all"})
    assert rows == [model_csv_row(expected[row["slug"]]) for row in rows]
    (zoe,) = [row for row in rows if row["slug"] == "zoe"]
    assert zoe["key_figures"] == "about 5 hubs (in 2024); 0 fees"
    assert zoe["affiliations"].split("; ") == [
        f"Member of {ISME_NAME} (ISME)",
        f"Funded by =Formula Org (FO) (via the Arts Council) — {Programme.objects.first().name}",
        f"Hosted by in 2025: =Formula Org (FO) — {Programme.objects.first().name}",
    ]
    (formula,) = [row for row in rows if row["slug"] == "formula-org"]
    assert formula["name"] == "'=Formula Org"


def test_each_chunk_of_rows_costs_the_same_few_queries(client, monkeypatch):
    factories.organisations_with_records(12)
    params = {"affiliated_with": "isme", "status": "all"}  # every row has affiliations
    url = f"{CSV_URL}?affiliated_with=isme&status=all"
    total = len(export_csv(client, params))
    assert total > 12

    def queries(chunk_size):
        monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)
        return count_queries(client, url)

    one_chunk = queries(total)
    per_chunk = queries(total - 1) - one_chunk  # a second chunk of one row
    assert 1 <= per_chunk <= 7
    chunks = -(-total // 3)
    assert queries(3) == one_chunk + (chunks - 1) * per_chunk


def test_the_csv_cannot_smuggle_a_formula_into_a_spreadsheet(client):
    factories.organisation(
        '=HYPERLINK("http://evil.example")',
        slug="formula",
        acronym="@SUM",
        kind="funder",
        summary="+1 and -1",
    )
    factories.organisation("-2+3", slug="minus", kind="funder", summary="=1")
    rows = {row["slug"]: row for row in export_csv(client, {"kind": "funder"})}
    assert rows["formula"]["name"] == '\'=HYPERLINK("http://evil.example")'
    assert rows["formula"]["acronym"] == "'@SUM"
    assert rows["formula"]["summary"] == "'+1 and -1"
    assert rows["minus"]["name"] == "'-2+3"
    assert rows["minus"]["summary"] == "'=1"
    assert rows["national-lottery"]["name"] == "National Lottery"  # ordinary text left alone
    # JSON is data, not a spreadsheet: it keeps the text as it is.
    names = {org["slug"]: org["name"] for org in export_json(client, {"kind": "funder"})}
    assert names["minus"] == "-2+3"


BAD_INPUT = [
    ({"kind": "no-such-kind"}, "kind"),
    ({"audience": "nobody"}, "audience"),
    ({"affiliated_with": "no-such-organisation"}, "affiliated_with"),
    ({"sort": "sideways"}, "sort"),
    ({"status": "asleep"}, "status"),
    ({"q": "x" * 1000}, "q"),
]


@pytest.mark.parametrize(("params", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_in_csv(client, params, field):
    response = client.get(CSV_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in response
    assert f"\n{field}: " in response.content.decode()


@pytest.mark.parametrize(("params", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field_in_json(client, params, field):
    response = client.get(JSON_URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field] and all(isinstance(message, str) for message in errors[field])


def alternates(response):
    """{type: href} of the `<link rel="alternate">` tags in the page's head."""
    links = read(response).one("head").find_all("link", rel="alternate")
    return {link.get("type"): link.get("href") for link in links}


def test_the_list_advertises_its_exports_with_its_filters_but_not_its_page(client):
    factories.organisations_with_records(30)
    params = {"kind": "funder", "sort": "-name"}
    response = client.get(LIST, {**params, "page": 2})
    assert response.status_code == 200
    assert alternates(response) == {
        "text/csv": f"{CSV_URL}?kind=funder&sort=-name",
        "application/json": f"{JSON_URL}?kind=funder&sort=-name",
        "application/atom+xml": f"{FEED_URL}?kind=funder&sort=-name",
    }
    body = read(response).one("body")
    assert body.find("a", href=f"{CSV_URL}?kind=funder&sort=-name")
    assert body.find("a", href=f"{JSON_URL}?kind=funder&sort=-name")
    assert body.find("a", href=f"{FEED_URL}?kind=funder&sort=-name")
    assert "download these results: csv · json. follow them: atom feed." in body.text

    # The advertised twins hold the whole result, every page of it.
    expected = list_slugs(client, params)
    assert len(expected) > 20
    advertised = export_json(client, url=alternates(response)["application/json"])
    assert [org["slug"] for org in advertised] == expected


def test_the_search_is_kept_too(client):
    response = client.get(f"{LIST}?q=music&kind=alliance&kind=funder&page=1")
    assert alternates(response) == {
        "text/csv": f"{CSV_URL}?q=music&kind=funder&kind=alliance",
        "application/json": f"{JSON_URL}?q=music&kind=funder&kind=alliance",
        "application/atom+xml": f"{FEED_URL}?q=music&kind=funder&kind=alliance",
    }


def test_the_bare_list_advertises_the_bare_exports(client):
    assert alternates(client.get(LIST)) == {
        "text/csv": CSV_URL,
        "application/json": JSON_URL,
        "application/atom+xml": FEED_URL,
    }


def test_a_list_with_bad_input_advertises_no_exports(client):
    response = client.get(LIST, {"kind": "no-such-kind"})
    assert read(response).find(rel="alternate") is None
    assert "download these results" not in visible(response)


@pytest.mark.parametrize(
    "query", ["", "?q=music", "?kind=funder&audience=schools&affiliated_with=isme&sort=-name"]
)
def test_an_exports_query_count_does_not_grow_with_the_organisations(client, query):
    # One, so that every query string matches something to prefetch for.
    factories.organisations_with_records(1)
    before = {url: count_queries(client, url + query) for url in (CSV_URL, JSON_URL)}
    factories.organisations_with_records(30, start=1)
    for url, count in before.items():
        assert count_queries(client, url + query) == count


def test_the_csv_header_marks_what_is_stated_and_what_is_our_classification(client):
    header = csv_rows(client.get(CSV_URL))[0]
    assert header[:6] == [
        "name",
        "acronym (stated)",
        "slug",
        "url",
        "kind (our classification)",
        "scope (stated)",
    ]
    assert "audiences (our classification)" in header
    assert "affiliations (our wording)" in header


def test_the_json_gives_every_record_with_its_source_and_passage(client):
    response = client.get(JSON_URL)
    data = json.loads(content(response))
    assert data["fields"]["stated"][:3] == ["acronym", "scope", "status"]
    assert data["fields"]["classified"] == ["kind", "audiences", "themes"]
    sources = {source["slug"]: source for source in data["sources"]}
    assert sources["mec-isme"] == {
        "slug": "mec-isme",
        "title": "The Music Education Council's page about ISME",
        "publisher": None,  # the text does not say
        "url": "",
        "retrieved": None,
        "licence": "",
    }
    (isme,) = [org for org in data["organisations"] if org["slug"] == "isme"]
    assert isme["evidence"]["founded_year"]["passage"].startswith("Founded in 1953, ISME")
    assert isme["evidence"]["founded_year"]["source"] == "mec-isme"
    statement = isme["statements"][0]
    assert statement["source"] == "mec-isme" and statement["text"] in statement["passage"]
    assert all(record["passage"] for record in isme["benefits"] + isme["programmes"])
    (amie,) = [org for org in data["organisations"] if org["slug"] == "amie"]
    (led_by,) = [a for a in amie["affiliations"] if a["kind"] == "led-by"]
    assert led_by["text"] == "Led by Youth Music"
    assert "led and supported by Youth Music" in led_by["passage"]
