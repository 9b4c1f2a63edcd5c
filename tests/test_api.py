"""The JSON API (`/api/v1/`): the list's organisations, one organisation with every record,
affiliations, sources and vocabularies; open CORS, ETags, 400s naming the parameter."""

import pytest
from django.urls import reverse

from organisations import exports
from organisations.models import Area, Audience, Organisation, Theme
from tests import factories
from tests.reading import get_counting

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
API_LIST = reverse("api-v1:organisations")


def html_slugs(client, query):
    """The slugs of one page of the HTML list for `query` (a query string)."""
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return [org.slug for org in response.context["object_list"]], response.context["paginator"]


def api_get(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


@pytest.fixture
def many(db):
    """45 more funders: the lists run to several pages; a few serve a London borough, which
    puts those serving it locally first."""
    made = factories.organisations(45, "Test funder", kind="funder", scope="uk")
    borough = Area.objects.create(code="E09000099", name="Testbury", kind="local-authority")
    borough.within.set(Area.objects.filter(code="E12000007"))
    for organisation in made[::7]:
        factories.area_served(organisation, area=borough.code)
    Organisation.objects.filter(pk__in=[org.pk for org in made]).changed()
    return made


QUERIES = [
    "",
    "q=music",
    "q=musik+mark",  # a typo, corrected as the list corrects it
    "q=musik+mark&as_typed=1",
    "kind=funder&kind=charity",
    "scope=uk&sort=-founded",
    "audience=music-educators&theme=inclusion",
    "affiliated_with=isme",
    "status=all&sort=-name",
    "q=education&sort=founded",
    "area=E12000007",
    "area=E09000099&sort=-name",  # those serving it locally first
    "kind=funder&page=2",
    "q=test+funder&page=3",
    "q=funder&sort=-name&page=2",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_api_lists_what_the_html_list_shows_for_the_same_query(client, many, query):
    slugs, paginator = html_slugs(client, query)
    data = api_get(client, f"{API_LIST}?{query}")
    assert [org["slug"] for org in data["results"]] == slugs
    assert data["count"] == paginator.count
    assert data["pages"] == paginator.num_pages
    assert data["per_page"] == paginator.per_page


def test_the_queries_compared_are_not_all_the_same(client, many):
    """The comparison above means something only if the queries give different lists."""
    lists = {tuple(html_slugs(client, query)[0]) for query in QUERIES}
    assert len(lists) > len(QUERIES) // 2


def test_pages_link_to_the_next_and_previous_keeping_the_query(client, many):
    first = api_get(client, f"{API_LIST}?kind=funder")
    assert first["page"] == 1 and first["previous"] is None
    assert first["next"] == f"http://testserver{API_LIST}?kind=funder&page=2"
    second = api_get(client, first["next"])
    assert second["previous"] == f"http://testserver{API_LIST}?kind=funder&page=1"
    assert not {org["slug"] for org in first["results"]} & {o["slug"] for o in second["results"]}
    every, page = [], first
    while True:
        every += [org["slug"] for org in page["results"]]
        if not page["next"]:
            break
        page = api_get(client, page["next"])
    assert len(every) == first["count"] == len(set(every))


def test_each_result_links_to_its_page_and_its_api_record(client):
    data = api_get(client, f"{API_LIST}?q=isme")
    isme = data["results"][0]
    assert isme["slug"] == "isme"
    assert isme["url"] == "http://testserver" + reverse("organisations:detail", args=["isme"])
    assert isme["api_url"] == "http://testserver" + reverse("api-v1:organisation", args=["isme"])
    assert isme["kind"] == {
        "value": "international-society",
        "label": "International society or council",
    }
    assert api_get(client, isme["api_url"])["name"] == isme["name"]


BAD = [
    ("kind=no-such-kind", "kind"),
    ("scope=atlantis", "scope"),
    ("audience=nobody", "audience"),
    ("theme=nothing", "theme"),
    ("area=E99999999", "area"),
    ("affiliated_with=no-such-organisation", "affiliated_with"),
    ("sort=sideways", "sort"),
    ("status=asleep", "status"),
    ("as_typed=2", "as_typed"),
    ("q=" + "x" * 1000, "q"),
    ("q=!!!", "q"),
    ("page=two", "page"),
    ("page=0", "page"),
    ("page=999", "page"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD)
def test_a_bad_parameter_is_a_400_naming_it(client, query, parameter):
    data = api_get(client, f"{API_LIST}?{query}", status=400)
    assert list(data) == ["errors"]
    assert list(data["errors"]) == [parameter]
    assert all(isinstance(message, str) and message for message in data["errors"][parameter])


def test_the_filtersets_own_message_is_given(client):
    data = api_get(client, f"{API_LIST}?affiliated_with=nobody-at-all", status=400)
    assert data["errors"]["affiliated_with"] == ["No organisation called “nobody-at-all”."]


def test_one_organisation_has_every_record_with_its_source_and_passage(client):
    data = api_get(client, reverse("api-v1:organisation", args=["isme"]))
    rows = exports.rows(Organisation.objects.filter(slug="isme"), with_records=True)
    expected = exports.organisation_record(
        next(rows), exports.page_urls(lambda path: "http://testserver" + path)
    )
    for name, value in expected.items():
        assert data[name] == value, name
    assert data["affiliations"] and data["statements"] and data["citations"]
    records = [item for name in exports.RECORDS for item in data[name]]
    records += data["affiliations"] + data["key_figures"]
    assert all(item["source"] and item["passage"] for item in records)
    # Each source it quotes, with its provenance, and no other.
    assert {source["slug"] for source in data["sources"]} == {item["source"] for item in records}


def test_an_organisation_the_directory_does_not_have_is_a_json_404(client):
    data = api_get(client, reverse("api-v1:organisation", args=["nobody"]), status=404)
    assert list(data["errors"]) == ["slug"]


def test_a_benefit_says_whom_it_is_for(client):
    data = api_get(client, reverse("api-v1:organisation", args=["isme"]))
    assert data["benefits"] and all("for" in benefit for benefit in data["benefits"])


def test_affiliations_are_each_given_once_with_their_passage(client):
    data = api_get(client, reverse("api-v1:affiliations"))
    from organisations.models import Affiliation

    assert data["count"] == Affiliation.objects.count()
    mec = [
        item
        for item in data["results"]
        if item["organisation"]["slug"] == "music-education-council"
        and item["other"]["slug"] == "isme"
    ]
    assert "national-affiliate-of" in [item["kind"]["value"] for item in mec]
    assert all(item["passage"] for item in mec)


def test_sources_and_vocabularies(client):
    assert api_get(client, reverse("api-v1:sources")) == exports.source_records("default")
    kinds = api_get(client, reverse("api-v1:kinds"))
    assert [kind["value"] for kind in kinds] == Organisation.Kind.values
    scopes = api_get(client, reverse("api-v1:scopes"))
    assert [scope["value"] for scope in scopes] == Organisation.Scope.values
    audiences = api_get(client, reverse("api-v1:audiences"))
    assert [a["slug"] for a in audiences] == list(Audience.objects.values_list("slug", flat=True))
    themes = api_get(client, reverse("api-v1:themes"))
    assert [t["slug"] for t in themes] == list(Theme.objects.values_list("slug", flat=True))
    areas = {area["code"]: area for area in api_get(client, reverse("api-v1:areas"))}
    assert len(areas) == Area.objects.count()
    london = areas["E12000007"]
    assert london["kind"]["value"] == "region" and london["within"] == ["E92000001"]


@pytest.mark.parametrize("name", ["organisations", "sources", "kinds", "affiliations"])
def test_any_origin_may_read_it(client, name):
    response = client.get(reverse(f"api-v1:{name}"), headers={"origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_preflight_is_answered(client):
    response = client.options(
        API_LIST,
        headers={
            "origin": "https://example.org",
            "access-control-request-method": "GET",
            "access-control-request-headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


def test_errors_are_open_to_all_origins_too(client):
    response = client.get(f"{API_LIST}?kind=nothing")
    assert response.status_code == 400 and response["Access-Control-Allow-Origin"] == "*"


def test_an_unchanged_answer_is_a_304_by_its_etag(client):
    url = reverse("api-v1:organisation", args=["isme"])
    first = client.get(url)
    etag = first["ETag"]
    again, count = get_counting(client, url, if_none_match=etag)
    assert again.status_code == 304 and again.content == b""
    assert count == 1  # the data version, nothing else
    # After a write, the old ETag gets the new answer.
    Organisation.objects.filter(slug="isme").update(summary="Changed.")
    Organisation.objects.filter(slug="isme").changed()
    response = client.get(url, headers={"if_none_match": etag})
    assert response.status_code == 200 and response.json()["summary"] == "Changed."
    assert response["ETag"] != etag


def test_each_query_has_its_own_etag(client):
    assert client.get(API_LIST)["ETag"] != client.get(f"{API_LIST}?kind=funder")["ETag"]


def test_a_bad_parameter_gets_no_etag(client):
    assert "ETag" not in client.get(f"{API_LIST}?kind=nothing")


def test_it_only_reads(client):
    response = client.post(API_LIST, {})
    assert response.status_code == 405


def test_a_nul_character_is_a_json_400_naming_the_parameter(client):
    data = api_get(client, f"{API_LIST}?q=a%00b", status=400)
    assert list(data["errors"]) == ["q"]


def test_head_gives_the_gets_headers_without_its_body(client):
    get = client.get(API_LIST)
    head = client.head(API_LIST)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == get["Content-Type"]
