"""The page cache and conditional requests: fast, and never stale."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from organisations import fixture
from organisations.facets import FILTERS
from organisations.models import DataVersion, Organisation, Statement, Theme
from organisations.views import NetworkView
from tests.admin_forms import organisation_form, url
from tests.reading import content, get_counting

pytestmark = pytest.mark.django_db

DETAIL = reverse("organisations:detail", kwargs={"slug": "unesco"})
LIST = reverse("organisations:list")
CSV_EXPORT = reverse("organisations:export-csv")
NETWORK = reverse("organisations:network")


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE = True
    settings.MEMO = True
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", [LIST, DETAIL, f"{LIST}compare/?o=isme&o=amie"])
def test_a_cached_page_costs_one_query_and_is_the_same_page(client, path):
    first, uncached = get_counting(client, path)
    second, cached = get_counting(client, path)
    assert cached == 1  # the data version
    assert uncached > 3
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_an_admin_edit_appears_on_the_next_request(client, admin_client):
    assert "Heritage of the deep" not in content(client.get(DETAIL))  # now cached
    saved = organisation_form(admin_client, "unesco").save(summary="Heritage of the deep.")
    assert saved.status_code == 302
    assert "Heritage of the deep." in content(client.get(DETAIL))


def test_an_edit_to_an_affiliated_organisation_appears_on_both_pages(client, admin_client):
    isme = reverse("organisations:detail", kwargs={"slug": "isme"})
    client.get(isme)  # cached, naming UNESCO
    name = "United Nations Educational, Scientific and Cultural Organization"
    assert organisation_form(admin_client, "unesco").save(name=name).status_code == 302
    assert "United Nations Educational" in content(client.get(isme))
    assert "United Nations Educational" in content(client.get(LIST))


def test_an_inline_delete_in_the_admin_appears_on_the_next_request(client, admin_client):
    amie = reverse("organisations:detail", kwargs={"slug": "amie"})
    assert "Holistic" in content(client.get(amie))
    statement = Statement.objects.get(organisation__slug="amie", title="Holistic")
    response = admin_client.post(url(Statement, "delete", statement.pk), {"post": "yes"})
    assert response.status_code == 302
    assert "Holistic" not in content(client.get(amie))


@pytest.mark.parametrize(
    "write",
    [
        lambda: call_command("loaddata", "organisations", verbosity=0),
        lambda: call_command("refresh_search", stdout=StringIO()),
        lambda: call_command("generate_synthetic", "3", stdout=StringIO()),
        lambda: call_command("remove_synthetic", stdout=StringIO()),
    ],
    ids=["loaddata", "refresh_search", "generate_synthetic", "remove_synthetic"],
)
def test_every_command_that_writes_bumps_the_data_version(write):
    before = DataVersion.current()
    write()
    assert DataVersion.current() > before


def test_loaddata_of_an_edited_fixture_appears_on_the_next_request(client, tmp_path):
    assert "Okapi" not in content(client.get(DETAIL))
    objects = json.loads(fixture.FIXTURE.read_text(encoding="utf-8"))
    for obj in objects:
        if obj["fields"].get("slug") == "unesco" and obj["model"].endswith("organisation"):
            obj["fields"]["summary"] = "Okapi studies."
    path = tmp_path / "edited.json"
    path.write_text(fixture.dumps(objects), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    assert "Okapi studies." in content(client.get(DETAIL))


def test_an_unchanged_page_is_answered_with_304(client):
    first = client.get(DETAIL)
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"]
    again, count = get_counting(client, DETAIL, if_none_match=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert count == 1


def test_after_a_write_the_old_etag_gets_the_new_page(client):
    etag = client.get(DETAIL)["ETag"]
    Organisation.objects.filter(slug="unesco").update(summary="Changed.")
    Organisation.objects.filter(slug="unesco").changed()
    response = client.get(DETAIL, headers={"if_none_match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Changed." in content(response)


def test_each_url_has_its_own_etag(client):
    assert client.get(DETAIL)["ETag"] != client.get(LIST)["ETag"]
    assert client.get(LIST)["ETag"] != client.get(f"{LIST}?kind=funder")["ETag"]


def test_with_the_page_cache_off_pages_are_rendered_every_time(client, settings):
    settings.PAGE_CACHE = False
    _, first = get_counting(client, DETAIL)
    _, second = get_counting(client, DETAIL)
    assert second == first > 1


# Below whole pages: facet counts and result counts, kept once per data version -------------


def facet_count(response, name, value):
    return next(o.count for o in response.context["sidebar"].options[name] if o.value == value)


def test_another_sort_or_page_of_the_same_results_does_not_count_again(client, settings):
    settings.PAGE_CACHE = False
    first, uncounted = get_counting(client, f"{LIST}?q=music")
    again, counted = get_counting(client, f"{LIST}?q=music&sort=-name")
    assert counted < uncounted - 5  # not the six facets and the total again
    for name in FILTERS:  # the same counts, the sort aside
        assert again.context["sidebar"].options[name] == first.context["sidebar"].options[name]
    assert again.context["paginator"].count == first.context["paginator"].count > 0
    # Other filters are counted afresh, and rightly.
    funders = client.get(f"{LIST}?q=music&kind=funder")
    assert funders.context["paginator"].count < first.context["paginator"].count


def test_an_admin_edit_changes_the_counts_on_the_next_request(client, admin_client, settings):
    settings.PAGE_CACHE = False
    before = client.get(LIST)
    funders = facet_count(before, "kind", "funder")
    form = organisation_form(admin_client, "unesco")
    assert form.data["kind"] != ["funder"]
    assert form.save(kind="funder").status_code == 302
    for path in [LIST, f"{LIST}?sort=-name"]:
        assert facet_count(client.get(path), "kind", "funder") == funders + 1
    assert client.get(f"{LIST}?kind=funder").context["paginator"].count == funders + 1


def test_typo_corrections_learn_new_words_on_the_next_request(client, admin_client, settings):
    settings.PAGE_CACHE = False
    assert client.get(LIST, {"q": "okapys"}).context["paginator"].count == 0
    saved = organisation_form(admin_client, "unesco").save(summary="Studies of the okapi.")
    assert saved.status_code == 302
    # The same misspelling, asked again: "okapi" is now one of the directory's words.
    found = client.get(LIST, {"q": "okapys"}).context["object_list"]
    assert [org.slug for org in found] == ["unesco"]


def test_a_theme_added_in_the_admin_is_offered_on_the_next_request(client, admin_client):
    assert 'value="sea-shanties"' not in content(client.get(LIST))
    response = admin_client.post(
        url(Theme, "add"), {"name": "Sea shanties", "slug": "sea-shanties"}
    )
    assert response.status_code == 302
    assert 'name="theme" value="sea-shanties"' in content(client.get(LIST))
    assert client.get(LIST, {"theme": "sea-shanties"}).context["filter"].is_valid()


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "django.core.cache.backends.redis.RedisCache"),
        ({}, "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_the_cache_is_redis_when_redis_url_is_set(environment, backend):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | environment
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env | {"DJANGO_SETTINGS_MODULE": "musicdir.settings"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.strip() == backend


def test_each_host_name_gets_its_own_page(client, settings):
    """A page names its own absolute addresses (its JSON-LD): one host's page is never served
    on another."""
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    for host in ["one.example", "two.example", "one.example"]:
        page = content(client.get(DETAIL, headers={"host": host}))
        assert f'"http://{host}/organisations/unesco/"' in page


# A cache that cannot be flooded, and that never fails a page --------------------------------


@pytest.fixture
def stored(monkeypatch):
    """The keys of the pages stored in the cache from now on."""
    keys = []
    original = cache.set

    def recording_set(key, *args, **kwargs):
        if key.startswith("page:"):
            keys.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    return keys


@pytest.mark.parametrize(
    "canonical",
    [
        LIST,
        f"{LIST}?q=music",
        f"{LIST}?q=music&kind=funder&kind=alliance&sort=-name",
        f"{LIST}?scope=england&status=all&affiliated_with=isme",
        DETAIL,
        f"{LIST}compare/?o=isme&o=amie",
        f"{LIST}?compare=isme",
        f"{LIST}?q=music&kind=funder&sort=-name&compare=unesco&compare=isme",
    ],
)
def test_a_page_asked_for_by_its_canonical_address_is_stored(client, stored, canonical):
    assert client.get(canonical).status_code == 200
    assert len(stored) == 1


@pytest.mark.parametrize(
    ("variation", "canonical"),
    [
        (f"{LIST}?x=1", LIST),
        (f"{LIST}?sort=relevance", LIST),
        (f"{LIST}?page=1", LIST),
        (f"{LIST}?q=", LIST),
        (f"{LIST}?q=music&status=&affiliated_with=&sort=relevance", f"{LIST}?q=music"),
        (f"{LIST}?kind=alliance&kind=funder", f"{LIST}?kind=funder&kind=alliance"),
        (f"{LIST}?kind=funder&kind=funder", f"{LIST}?kind=funder"),
        (f"{LIST}?sort=-name&q=music", f"{LIST}?q=music&sort=-name"),
        (f"{LIST}?q=+music+", f"{LIST}?q=music"),
        (f"{DETAIL}?utm_source=x", DETAIL),
        (f"{LIST}compare/?o=isme&o=amie&x=1", f"{LIST}compare/?o=isme&o=amie"),
        # The comparison basket: as kept, after the sort.
        (f"{LIST}?compare=isme&kind=funder", f"{LIST}?kind=funder&compare=isme"),
        (f"{LIST}?compare=isme&compare=isme", f"{LIST}?compare=isme"),
        (f"{LIST}?compare=no-such-organisation", LIST),
        (f"{LIST}?compare=isme&compare=%3Cb%3E", f"{LIST}?compare=isme"),
        (f"{LIST}?compare=", LIST),
    ],
)
def test_any_other_address_is_answered_but_never_stored(client, stored, variation, canonical):
    """No one can fill the cache with variations of an address (?x=1, ?x=2, ...)."""
    answered = client.get(variation)
    assert answered.status_code == 200
    assert stored == []
    assert client.get(canonical).status_code == 200  # the page it varies, stored
    assert len(stored) == 1


def test_errors_are_not_cached(client, stored, monkeypatch):
    """Only a page that worked is stored: one that failed (here the network page, made to
    fail once) is built again on the next request, and it is not given an ETag."""
    render = NetworkView.render_to_response
    monkeypatch.setattr(
        NetworkView,
        "render_to_response",
        lambda view, context, **kwargs: render(view, context, status=503, **kwargs),
    )
    failed = client.get(NETWORK)
    assert failed.status_code == 503
    assert "ETag" not in failed
    assert stored == []
    monkeypatch.setattr(NetworkView, "render_to_response", render)
    again, queries = get_counting(client, NETWORK)
    assert again.status_code == 200
    assert queries > 1  # built, not taken from the cache
    assert len(stored) == 1


def test_a_page_not_found_is_not_cached(client, stored):
    missing = reverse("organisations:detail", kwargs={"slug": "nobody"})
    assert client.get(missing).status_code == 404
    assert stored == []
    assert client.get(missing).status_code == 404
    # A list whose form has an error is a page like any other (a 200, showing the error), but
    # no address is its canonical one: answered, never stored.
    bad = client.get(LIST, {"kind": "nonsense"})
    assert bad.status_code == 200 and "ETag" in bad
    assert stored == []


def test_a_thousand_distinct_query_strings_store_nothing(client, stored):
    for n in range(1000):
        assert client.get(f"{LIST}?x={n}").status_code == 200
    assert stored == []


@pytest.fixture
def broken_cache(settings):
    """A Redis cache that cannot be reached: nothing listens on port 1."""
    from organisations import cache as page_cache

    working = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    page_cache.CACHE.__init__(page_cache.CACHE.what, rest=page_cache.RETRY_AFTER)
    yield
    page_cache.CACHE.__init__(page_cache.CACHE.what, rest=page_cache.RETRY_AFTER)
    settings.CACHES = working


@pytest.mark.parametrize(
    "path",
    [LIST, f"{LIST}?q=music&kind=funder", DETAIL, f"{LIST}compare/?o=isme&o=amie", CSV_EXPORT],
)
def test_with_the_cache_down_pages_are_built_without_it(client, broken_cache, path):
    response = client.get(path)
    assert response.status_code == 200
    again = client.get(path)
    assert again.status_code == 200


def test_a_failing_cache_is_logged_once_and_readiness_says_so(client, broken_cache, caplog):
    for _ in range(5):
        assert client.get(LIST).status_code == 200
    warnings = [r for r in caplog.records if r.name == "organisations.cache"]
    assert len(warnings) == 1
    assert "The cache (pages are built without it) is unavailable" in warnings[0].getMessage()
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the site still serves, without the cache
    assert b"the cache is unavailable" in ready.content
