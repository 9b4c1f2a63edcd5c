"""Reconciliation (`/api/v1/reconcile`): the W3C Reconciliation Service API 0.2, checked against
the specification's own JSON Schemas (../shared/reference/reconciliation-0.2/; without them
these tests skip, saying why, and with MUSICDIR_REQUIRE_SHARED=1, as CI sets, they fail)."""

import json

import pytest
from django.urls import reverse

from organisations.models import Identifier, Organisation, Source
from tests import factories
from tests.conftest import shared_reference

pytestmark = pytest.mark.django_db

RECONCILE = reverse("api-v1:reconcile")
PREVIEW = reverse("api-v1:reconcile-preview")
SUGGEST = reverse("api-v1:reconcile-suggest-entity")


@pytest.fixture(scope="module")
def validator():
    """validator(schema file name): a JSON Schema validator for that schema of the
    specification, resolving its references to the other files beside it."""
    folder = shared_reference("reconciliation-0.2")
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schemas = {path.name: json.loads(path.read_text()) for path in folder.glob("*.json")}
    draft7 = pytest.importorskip("referencing.jsonschema").DRAFT7
    registry = referencing.Registry().with_resources(
        (schema["$id"], draft7.create_resource(schema)) for schema in schemas.values()
    )

    def validator(name):
        return jsonschema.Draft7Validator(schemas[name], registry=registry)

    return validator


def reconciled(client, queries, method="post"):
    """The result batch for `queries` (a dict), POSTed as OpenRefine posts it (a form)."""
    if method == "post":
        response = client.post(RECONCILE, {"queries": json.dumps(queries)})
    else:
        response = client.get(RECONCILE, {"queries": json.dumps(queries)})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_manifest_is_valid(client, validator):
    response = client.get(RECONCILE)
    assert response.status_code == 200
    manifest = response.json()
    validator("manifest.json").validate(manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["view"]["url"] == "http://testserver/organisations/{{id}}/"
    assert {t["id"] for t in manifest["defaultTypes"]} == set(Organisation.Kind.values)


def test_the_schemas_catch_a_bad_manifest(validator):
    """The validation above can fail: a manifest without its versions does."""
    jsonschema = pytest.importorskip("jsonschema")
    with pytest.raises(jsonschema.ValidationError):
        validator("manifest.json").validate({"name": "x", "identifierSpace": "x"})


QUERIES = {
    "name": {"query": "International Society for Music Education"},
    "acronym": {"query": "ISME"},
    "typo": {"query": "Musik Mark"},
    "part": {"query": "Music Education Council UK"},
    "typed": {"query": "music", "type": "funder", "limit": 3},
    "types": {"query": "music", "type": ["funder", "charity"], "type_strict": "any"},
    "nothing": {"query": "zzqx"},
    "properties": {"query": "ISME", "properties": [{"pid": "scope", "v": "uk"}]},
}


@pytest.mark.parametrize("method", ["post", "get"])
def test_queries_and_results_are_of_the_specifications_shape(client, validator, method):
    validator("reconciliation-query-batch.json").validate(QUERIES)
    results = reconciled(client, QUERIES, method)
    validator("reconciliation-result-batch.json").validate(results)
    assert set(results) == set(QUERIES)


def test_a_name_matches_its_organisation_for_certain(client):
    results = reconciled(client, {"q": {"query": "International Society for Music Education"}})
    best = results["q"]["result"][0]
    assert best["id"] == "isme" and best["score"] == 100 and best["match"] is True
    kind = {"id": "international-society", "name": "International society or council"}
    assert best["type"] == [kind]
    assert all(not other["match"] for other in results["q"]["result"][1:])


@pytest.mark.parametrize(
    "query",
    [
        "ISME",
        "isme",
        "international society for music education!",
        "Internâtional  Society for Music Education",
    ],
)
def test_case_accents_punctuation_and_spacing_do_not_matter(client, query):
    best = reconciled(client, {"q": {"query": query}})["q"]["result"][0]
    assert (best["id"], best["score"], best["match"]) == ("isme", 100, True)


def test_an_alternative_name_matches_for_certain(client):
    amie = Organisation.objects.get(slug="amie")
    factories.other_name(amie)  # "the Alliance", as its source calls it
    best = reconciled(client, {"q": {"query": "The alliance"}})["q"]["result"][0]
    assert (best["id"], best["score"], best["match"]) == ("amie", 100, True)


def test_an_identifier_matches_for_certain(client):
    amie = Organisation.objects.get(slug="amie")
    Identifier.objects.create(
        organisation=amie,
        source=Source.objects.get(slug="amie-founder-page"),
        scheme="charity-ew",
        value="1164781",
        excerpt="You can find out more about the Alliance here.",
    )
    # As typed into a spreadsheet, spaced.
    best = reconciled(client, {"q": {"query": "1164 781"}})["q"]["result"][0]
    assert (best["id"], best["score"], best["match"]) == ("amie", 100, True)


def test_a_typo_finds_it_with_a_lower_score(client):
    results = reconciled(client, {"q": {"query": "Musik Mark"}})["q"]["result"]
    assert results[0]["id"] == "music-mark"
    assert 80 <= results[0]["score"] < 100 and results[0]["match"] is False


def test_scores_come_best_first(client):
    results = reconciled(client, {"q": {"query": "music education"}})["q"]["result"]
    scores = [result["score"] for result in results]
    assert len(results) > 1 and scores == sorted(scores, reverse=True)


def test_two_organisations_of_the_same_name_are_not_a_certain_match(client, isme):
    factories.organisation("Another", acronym="ISME", kind="charity")
    Organisation.objects.filter(slug="another").changed()
    results = reconciled(client, {"q": {"query": "ISME"}})["q"]["result"]
    assert [r["score"] for r in results[:2]] == [100, 100]
    assert not any(result["match"] for result in results)


def test_the_type_restricts_the_candidates(client):
    results = reconciled(client, {"q": {"query": "music", "type": "funder"}})["q"]["result"]
    assert results and all(r["type"][0]["id"] == "funder" for r in results)


def test_the_limit_is_kept(client):
    results = reconciled(client, {"q": {"query": "music", "limit": 2}})["q"]["result"]
    assert len(results) == 2


def test_nothing_found_is_an_empty_result(client):
    assert reconciled(client, {"q": {"query": "zzqx"}, "r": {"query": "!!!"}}) == {
        "q": {"result": []},
        "r": {"result": []},
    }


@pytest.mark.parametrize(
    "queries",
    [
        "not json",
        "[1, 2]",
        '{"q": "ISME"}',
        '{"q": {"query": 3}}',
        '{"q": {"query": "x", "limit": "many"}}',
        '{"q": {"query": "x", "limit": -1}}',
        '{"q": {"query": "x", "type": 5}}',
        '{"q": {"query": "x", "colour": "red"}}',
        '{"q": {}}',
    ],
)
def test_bad_queries_are_a_400_naming_them(client, queries):
    response = client.post(RECONCILE, {"queries": queries})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["queries"]


def test_the_preview_shows_the_organisation_and_may_be_framed(client):
    response = client.get(PREVIEW, {"id": "isme"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "International Society for Music Education" in text
    assert "our classification" in text
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_the_preview_of_an_unknown_id_is_a_404(client):
    response = client.get(PREVIEW, {"id": "nobody"})
    assert response.status_code == 404 and list(response.json()["errors"]) == ["id"]


def test_suggest_entity_is_of_the_specifications_shape(client, validator):
    response = client.get(SUGGEST, {"prefix": "music"})
    assert response.status_code == 200
    data = response.json()
    validator("suggest-entities-response.json").validate(data)
    assert "music-mark" in [result["id"] for result in data["result"]]
