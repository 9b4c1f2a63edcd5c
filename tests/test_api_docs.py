"""The API's OpenAPI 3.1 description (`/api/v1/openapi.json`) and its documentation page
(`/api/v1/docs/`), which the site renders from it."""

import pytest
from django.urls import reverse

from organisations.api import STABILITY
from tests.reading import fold, inline_code, read, visible

pytestmark = pytest.mark.django_db

DOCS = reverse("api-docs")
DESCRIPTION = reverse("api-v1:openapi-json")


@pytest.fixture
def description(client):
    response = client.get(DESCRIPTION)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_the_description_is_openapi_3_1_of_every_endpoint(description):
    assert description["openapi"].startswith("3.1")
    assert set(description["paths"]) == {
        "/api/v1/organisations",
        "/api/v1/organisations/{slug}",
        "/api/v1/affiliations",
        "/api/v1/sources",
        "/api/v1/vocabularies/kinds",
        "/api/v1/vocabularies/scopes",
        "/api/v1/vocabularies/audiences",
        "/api/v1/vocabularies/themes",
        "/api/v1/vocabularies/areas",
        "/api/v1/reconcile",
        "/api/v1/reconcile/preview",
        "/api/v1/reconcile/suggest/entity",
    }


def test_the_description_is_a_valid_openapi_document(description):
    """Checked as schemathesis loads it (tests/test_api_contract.py runs it)."""
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(description)
    assert len(list(schema.get_all_operations())) == 13


def test_the_list_documents_every_parameter_the_filterset_takes(description):
    from organisations.filters import OrganisationFilter

    parameters = description["paths"]["/api/v1/organisations"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {*OrganisationFilter.base_filters, "page"}


def test_the_page_shows_every_endpoint_parameter_and_field(client, description):
    response = client.get(DOCS)
    assert response.status_code == 200
    page = read(response)
    headings = [h.text for h in page.find_all("h3")]
    for path, methods in description["paths"].items():
        for method in methods:
            assert fold(f"{method} {path}") in headings
    text = visible(response)
    for name, schema in description["components"]["schemas"].items():
        section = page.one("section", id=f"schema-{name}")
        fields = [term.find("code").text for term in section.find_all("dt")]
        assert fields == [fold(f) for f in schema.get("properties", {})], name
    parameters = description["paths"]["/api/v1/organisations"]["get"]["parameters"]
    for parameter in parameters:
        assert fold(parameter["description"].replace("`", "")) in text
    for promise in STABILITY:
        assert fold(promise) in text


def test_the_page_links_to_the_description_and_needs_no_inline_code_or_cdn(client):
    response = client.get(DOCS)
    page = read(response)
    assert page.find("a", href=DESCRIPTION)
    assert inline_code(response) == []
    sources = [e.get("src") or e.get("href") for e in page.iter() if e.tag in ("script", "link")]
    # Nothing from another site (the canonical address is this site's, absolute).
    assert all(s.startswith(("/", "http://testserver/")) for s in sources), sources


def test_the_page_renders_the_descriptions_own_words(client, description, monkeypatch):
    """What the page says comes from the description: change it, and the page changes."""
    from organisations import api_docs

    changed = {**description, "info": {**description["info"], "description": "`Changed` words."}}
    monkeypatch.setattr(api_docs.api, "get_openapi_schema", lambda *args, **kwargs: changed)
    text = visible(client.get(DOCS))
    assert "changed words." in text
