"""Type-ahead: the small JSON endpoint behind the list's search box (the browser side is in
tests/browser/test_typeahead.py)."""

import pytest
from django.urls import reverse

from organisations.models import Organisation, SearchName
from tests import factories
from tests.admin_forms import organisation_form

pytestmark = pytest.mark.django_db

SUGGEST = reverse("organisations:suggest")


def names(client, typed):
    response = client.get(SUGGEST, {"q": typed})
    assert response.status_code == 200
    return [result["name"] for result in response.json()["results"]]


def test_names_and_acronyms_beginning_with_what_was_typed(client):
    response = client.get(SUGGEST, {"q": "mus"})
    data = response.json()
    assert data["q"] == "mus"
    assert data["results"][0] == {
        "name": "Music Education Council",
        "acronym": "MEC",
        "url": "/organisations/music-education-council/",
    }
    # Names beginning so, then names with a later word beginning so, by that word on.
    assert [result["name"] for result in data["results"]] == [
        "Music Education Council",
        "Music Mark",
        "Youth Music",
        "International Music Council",
        "International Society for Music Education",
        "Alliance for a Musically Inclusive England",
    ]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("MEC", "Music Education Council"),  # an acronym, exactly
        ("isme", "International Society for Music Education"),
        ("Royal Cons", "Royal Conservatoire of Scotland"),  # the start of the name
        ("conservatoire", "Royal Conservatoire of Scotland"),  # a word in it
        ("  music   education ", "Music Education Council"),  # white space as it comes
        ("UNÉSCO", "UNESCO"),  # case and accents folded
    ],
)
def test_what_comes_first(client, typed, first):
    assert names(client, typed)[0] == first


def test_nothing_begins_so(client):
    assert names(client, "zebra") == []
    assert names(client, "usic") == []  # the middle of a word is not its start


def test_at_most_eight_each_once(client):
    factories.organisations(12, "Music Group")
    Organisation.objects.filter(slug__startswith="music-group").changed()
    found = names(client, "music")
    assert len(found) == 8
    assert len(set(found)) == 8


def test_closed_organisations_are_not_suggested(client):
    Organisation.objects.filter(slug="youth-music").update(status=Organisation.Status.CLOSED)
    assert "Youth Music" not in names(client, "youth")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}])
def test_bad_requests_get_a_400(client, params):
    response = client.get(SUGGEST, params)
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("typed", ['"', "*", "NEAR(a b)", "-x", "(a", "%", "_", "'; --", "𝄞"])
def test_syntax_characters_are_just_characters(client, typed):
    assert client.get(SUGGEST, {"q": typed}).status_code == 200


def test_an_admin_rename_changes_the_suggestions(admin_client):
    assert organisation_form(admin_client, "youth-music").save(name="Zest Music").status_code == 302
    assert names(admin_client, "zest") == ["Zest Music"]
    assert names(admin_client, "youth") == []


def test_deleting_an_organisation_deletes_its_names():
    organisation = Organisation.objects.get(slug="unesco")
    assert SearchName.objects.filter(organisation=organisation).exists()
    organisation.delete()
    assert not SearchName.objects.filter(term__startswith="unesco").exists()


def test_only_the_canonical_address_is_cached(client, settings):
    settings.PAGE_CACHE = True
    first = client.get(SUGGEST, {"q": "music mark"})
    Organisation.objects.filter(slug="music-mark").update(name="Music Marks")  # not a write path
    assert client.get(SUGGEST, {"q": "music mark"}).json() == first.json()  # kept
    # Not canonical (white space not collapsed, an unknown parameter): answered, never kept.
    client.get(SUGGEST, {"q": "music  mark"})
    Organisation.objects.filter(slug="music-mark").changed()
    assert names(client, "music mark") == ["Music Marks"]
