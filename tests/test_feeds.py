"""Atom feeds: any list URL's organisations added or changed, newest first (the list's own
FilterSet, so they agree), and the directory's changes from its history. Every feed read here
is checked as Atom (tests/reading.py, `atom`)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from organisations import feeds
from organisations.models import Organisation
from tests import factories
from tests.admin_forms import organisation_form
from tests.reading import ATOM, atom, count_queries, entry_links, get_counting, read
from tests.test_exports import LIST_PARAMS, list_slugs

pytestmark = pytest.mark.django_db

FEED = reverse("organisations:feed")
CHANGES = reverse("organisations:changes-feed")
ORIGIN = "http://testserver"


def slugs(response):
    return [link.removeprefix(ORIGIN).split("/")[2] for link in entry_links(response)]


def entries(response):
    return atom(response).findall(f"{ATOM}entry")


@pytest.mark.parametrize("params", LIST_PARAMS)
def test_a_feed_holds_what_the_list_shows_for_the_same_query(client, params):
    expected = list_slugs(client, params)
    assert len(expected) <= feeds.ENTRIES
    assert sorted(slugs(client.get(FEED, params))) == sorted(expected)


def test_the_feed_is_valid_atom_naming_the_query(client):
    feed = atom(client.get(FEED, {"q": "music", "kind": "alliance"}))
    assert "matching “music”" in feed.find(f"{ATOM}title").text
    alternate = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert alternate[0].get("href") == f"{ORIGIN}/organisations/?q=music&kind=alliance"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Alliance for a Musically Inclusive England (AMIE)"
    assert entry.find(f"{ATOM}id").text == f"{ORIGIN}/organisations/amie/"
    assert "movement for change" in entry.find(f"{ATOM}summary").text


def test_the_newest_change_comes_first(client, admin_client):
    before = slugs(client.get(FEED))
    assert before[0] != "unesco"
    assert organisation_form(admin_client, "unesco").save(summary="Heritage.").status_code == 302
    after = entries(client.get(FEED))
    assert slugs(client.get(FEED))[0] == "unesco"
    updated = [entry.find(f"{ATOM}updated").text for entry in after]
    assert updated == sorted(updated, reverse=True)
    assert atom(client.get(FEED)).find(f"{ATOM}updated").text == updated[0]
    # A record's change counts as its organisation's.
    factories.statement(Organisation.objects.get(slug="amie"))
    assert slugs(client.get(FEED))[:2] == ["amie", "unesco"]


def test_a_feed_holds_the_newest_entries_only(client):
    made = factories.organisations(feeds.ENTRIES + 5, kind="funder")
    found = slugs(client.get(FEED, {"kind": "funder"}))
    assert len(found) == feeds.ENTRIES
    assert set(found) <= {org.slug for org in made}
    assert made[-1].slug in found and made[0].slug not in found


@pytest.mark.parametrize("params", [{"kind": "nonsense"}, {"q": "!!!"}, {"area": "nowhere"}])
def test_bad_filters_are_a_400_naming_them(client, params):
    response = client.get(FEED, params)
    assert response.status_code == 400
    assert response.content.decode().startswith("Invalid search or filters:")
    assert list(params)[0] in response.content.decode()


def test_a_feeds_query_count_does_not_grow_with_the_organisations(client):
    factories.organisations_with_records(1)
    before = count_queries(client, f"{FEED}?kind=funder")
    factories.organisations_with_records(30, start=1)
    assert count_queries(client, f"{FEED}?kind=funder") == before


def test_the_list_links_to_its_feed(client):
    page = read(client.get("/organisations/", {"kind": "funder", "page": 1}))
    link = page.one("head").one("link", type="application/atom+xml")
    assert link.get("rel") == "alternate" and link.get("href") == f"{FEED}?kind=funder"
    assert page.one("main").find("a", href=f"{FEED}?kind=funder")


# The directory's changes ---------------------------------------------------------------------


def test_the_changes_feed_gives_each_change_newest_first_as_the_change_log_does(
    client, admin_client
):
    assert organisation_form(admin_client, "unesco").save(summary="Heritage.").status_code == 302
    statement = factories.statement(Organisation.objects.get(slug="amie"))
    found = entries(client.get(CHANGES))
    titles = [entry.find(f"{ATOM}title").text for entry in found]
    assert titles[:2] == [
        f"Alliance for a Musically Inclusive England: Statement added: “{statement}”",
        "UNESCO: Organisation changed",
    ]
    changed = found[1]
    assert "Summary:" in changed.find(f"{ATOM}summary").text
    assert changed.find(f"{ATOM}summary").text.endswith("→ Heritage.")
    link = changed.find(f"{ATOM}link").get("href")
    assert link == f"{ORIGIN}/organisations/unesco/changes/"
    # The same change, on the organisation's own change log.
    assert "Heritage." in client.get("/organisations/unesco/changes/").content.decode()
    ids = [entry.find(f"{ATOM}id").text for entry in found]
    assert len(set(ids)) == len(ids)
    updated = [entry.find(f"{ATOM}updated").text for entry in found]
    assert updated == sorted(updated, reverse=True)


def test_a_deleted_organisation_is_a_change_too(client):
    gone = factories.organisation("Gone Trust", slug="gone-trust")
    gone.delete()
    (entry, added, *_) = entries(client.get(CHANGES))
    assert entry.find(f"{ATOM}title").text == "Gone Trust: Organisation deleted"
    assert entry.find(f"{ATOM}link").get("href") == f"{ORIGIN}/organisations/"
    assert added.find(f"{ATOM}title").text == "Gone Trust: Organisation added"


def test_with_no_changes_recorded_the_feed_is_still_valid(client):
    # The directory loaded from the fixture has no change a change log shows.
    assert entries(client.get(CHANGES)) == []


def test_the_changes_feed_is_linked_and_cached(client, settings):
    for url in ["/downloads/", "/organisations/isme/changes/"]:
        head = read(client.get(url)).one("head")
        assert head.one("link", type="application/atom+xml").get("href") == CHANGES
    settings.PAGE_CACHE = True
    cache.clear()
    first, uncached = get_counting(client, CHANGES)
    second, cached = get_counting(client, CHANGES)
    assert cached == 1 < uncached
    assert second.content == first.content
    cache.clear()


@pytest.mark.parametrize("record", ["area_served", "other_name", "key_figure", "benefit"])
def test_a_change_to_any_kind_of_record_counts_as_its_organisations(client, record):
    getattr(factories, record)(Organisation.objects.get(slug="youth-music"))
    assert slugs(client.get(FEED))[0] == "youth-music"


def test_a_feed_asked_for_by_the_lists_canonical_query_is_cached(client, settings):
    settings.PAGE_CACHE = True
    cache.clear()
    url = f"{FEED}?q=music&kind=funder&kind=alliance"
    first, uncached = get_counting(client, url)
    second, cached = get_counting(client, url)
    assert cached == 1 < uncached  # the data version
    assert second.content == first.content
    # Any other spelling of it is answered, not stored.
    _, again = get_counting(client, f"{FEED}?kind=alliance&kind=funder&q=music")
    assert again > 1
    cache.clear()
