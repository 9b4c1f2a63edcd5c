"""The list's index is built in the background (organisations/cache.py, `Kept`): a request waits
for it a moment, then answers from the last one, saying so and keeping nothing; while a process
has none yet, the list answers 503, saying to try again in a few seconds.

`Kept` is tested with builds held back by a gate, as a large directory's would be by its size,
and a data version the test moves on; the list's answers with `kept_in_memory` saying what it
would say then."""

import logging
import threading

import pytest
from django.core.cache import cache
from django.urls import reverse

from organisations import cache as caching
from organisations import facets
from organisations.index import Index
from organisations.models import DataVersion, Organisation
from tests import factories
from tests.reading import content

NETWORKS = reverse("organisations:list") + "?kind=network"
WAIT = 10  # seconds to wait for a build let through: never reached unless the code is wrong
CHANGED = "The directory changed a moment ago"


class Builds:
    """Builds that wait at a gate until let through, and fail while told to: each builds the
    data version it was started for, as read from `version`."""

    def __init__(self):
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()  # a build has read its version and reached the gate
        self.failing = False
        self.version = 1
        self.made = []

    def __call__(self):
        version = self.version
        self.arrived.set()
        assert self.gate.wait(WAIT)
        if self.failing:
            raise RuntimeError("the build broke")
        self.made.append(version)
        return f"built from version {version}"


@pytest.fixture
def builds(monkeypatch):
    builds = Builds()
    monkeypatch.setattr(DataVersion, "current", classmethod(lambda cls, using=None: builds.version))
    yield builds
    builds.gate.set()  # no build left waiting


def test_a_build_is_waited_for_and_kept_for_its_version(builds):
    kept = caching.Kept("index", "default", builds)
    assert kept.get(1, WAIT) == ("built from version 1", True)
    assert kept.get(1, WAIT) == ("built from version 1", True)
    assert builds.made == [1]


def test_past_the_wait_the_last_build_answers_until_the_new_one_is_done(builds):
    kept = caching.Kept("index", "default", builds)
    kept.get(1, WAIT)
    builds.gate.clear()
    builds.version = 2
    assert kept.get(2, 0.05) == ("built from version 1", False)
    assert kept.get(2, 0.05) == ("built from version 1", False)  # one build under way, not two
    builds.gate.set()
    assert kept.get(2, WAIT) == ("built from version 2", True)
    assert builds.made == [1, 2]


def test_a_version_that_moves_on_during_a_build_is_built_next(builds):
    kept = caching.Kept("index", "default", builds)
    builds.gate.clear()
    assert kept.get(1, 0.05) == (None, False)  # nothing built yet
    assert builds.arrived.wait(WAIT)
    builds.version = 2  # a write while version 1 is built
    builds.gate.set()
    assert kept.get(2, WAIT) == ("built from version 2", True)
    assert builds.made == [1, 2]


def test_a_failed_build_is_logged_and_the_next_request_tries_again(builds, caplog):
    kept = caching.Kept("index", "default", builds)
    builds.failing = True
    with caplog.at_level(logging.ERROR, logger="organisations.cache"):
        assert kept.get(1, WAIT) == (None, False)
    assert "Building index (default) failed" in caplog.text
    builds.failing = False
    assert kept.get(1, WAIT) == ("built from version 1", True)


def test_a_web_process_starts_building_as_it_starts(builds, settings, monkeypatch):
    settings.KEEP_INDEX = True
    settings.INDEX_WAIT = WAIT
    monkeypatch.setattr(caching, "_kept", {})
    caching.prepare_in_memory("index", "default", builds)
    kept = caching._kept["index", "default"]
    with kept.changed:
        assert kept.changed.wait_for(lambda: kept.version == 1, timeout=WAIT)
    assert caching.kept_in_memory("index", "default", builds) == ("built from version 1", True)
    assert builds.made == [1]


# What the list answers ---------------------------------------------------------------------


@pytest.fixture
def kept_index(settings, monkeypatch, db):
    """The list with its index kept as `kept_index(answer)` says: (index, current), or an
    exception."""
    settings.PAGE_CACHE = True
    settings.MEMO = True
    cache.clear()

    def keep(answer):
        def kept_in_memory(name, using, build):
            if isinstance(answer, Exception):
                raise answer
            return answer

        monkeypatch.setattr(facets, "kept_in_memory", kept_in_memory)

    yield keep
    cache.clear()


def network(name):
    organisation = factories.organisation(name=name, kind=Organisation.Kind.NETWORK)
    Organisation.objects.filter(pk=organisation.pk).changed()  # a write: a new data version
    return organisation


def test_from_the_last_index_the_list_says_so_and_keeps_nothing(client, kept_index):
    network("Alpha Network")
    last = Index("default")
    network("Beta Network")
    kept_index((last, False))
    page = client.get(NETWORKS)
    assert page.status_code == 200
    text = content(page)
    assert "Alpha Network" in text and "Beta Network" not in text
    assert CHANGED in text
    assert "no-store" in page["Cache-Control"]
    assert not page.has_header("ETag")  # nothing for a browser to revalidate later
    # Neither the page nor its counts were kept: with the new index, the write shows.
    kept_index((Index("default"), True))
    page = client.get(NETWORKS)
    text = content(page)
    assert "Alpha Network" in text and "Beta Network" in text
    assert CHANGED not in text
    assert page.has_header("ETag")


def test_the_feed_of_a_list_from_the_last_index_is_not_kept(client, kept_index):
    kept_index((Index("default"), False))
    feed = client.get(reverse("organisations:feed") + "?kind=network")
    assert feed.status_code == 200
    assert "no-store" in feed["Cache-Control"]


def test_before_any_index_is_built_the_list_says_to_try_again_in_a_few_seconds(client, kept_index):
    kept_index(caching.NotReady("index"))
    page = client.get(NETWORKS)
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "still being prepared" in content(page)
    # The other pages do not need it.
    assert client.get(reverse("organisations:detail", kwargs={"slug": "isme"})).status_code == 200
