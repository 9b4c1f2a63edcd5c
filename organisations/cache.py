"""Public pages cached whole, and answered with 304 when unchanged; never stale.

Every cached page and every ETag is keyed by the directory's data version
(`DataVersion`), which every write bumps (`OrganisationQuerySet.changed()`). The version lives
in the database, so however many processes or machines serve the site, and whichever cache
they share (Redis when REDIS_URL is set, local memory otherwise), a request after a write never
sees a page from before it. A request costs one small query for the version, then a cache hit.

The version is read at most once per request (`DataVersionMiddleware`), when first needed,
through the database router: from the database the page reads its data from (a read replica,
when there is one), so a page is always filed under the version of the data it shows.

Below whole pages, `memoised` keeps what a page needs that depends only on the data, such as
the list's facet counts for a given search and filters, once per data version: so a page the
cache does not hold (another page of results, another sort) is built without recounting.
Search knows nothing of this: whoever wants its typo corrections kept asks for
`memoised_corrections`. What is too big to fetch from the cache on every request (the list's
index, index.py) is kept in each process's own memory once per data version, and built in the
background: `kept_in_memory`. A page made from the last version's while the new one is built
says so, and is kept nowhere (`Cache-Control: no-store`, which `cached_page` honours).

No one can fill the cache with variations of an address (`?x=1`, `?x=2`...): a page is stored
only when it was asked for by its canonical query (views.py, `Canonical`), so the pages stored
are bounded by the directory's real states (its searches aside; the README says which Redis
eviction policy bounds the rest). And a cache that fails never fails a page: while it is down,
full or slow (`CACHE_TIMEOUT` bounds each call), pages are built as if it were off, the failure
is logged once, the cache is left alone for `RETRY_AFTER` seconds, and /readyz says so
(`cache_status`).
"""

import contextvars
import hashlib
import logging
import threading
import time
from functools import wraps
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag
from redis.exceptions import RedisError

from musicdir.deadline import deadline

from . import search
from .models import DataVersion

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60 * 24  # old versions' pages are never read again; let them expire
RETRY_AFTER = 5  # seconds without the cache after it failed

# This request's data version, once read: a one-item list, empty until then. None outside a
# request (a command reads the version each time it asks).
_request_version = contextvars.ContextVar("data_version", default=None)


class DataVersionMiddleware:
    """Gives each request its own data version, read when first asked for (`data_version`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set([])
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


def data_version():
    """The directory's data version: read once per request (see the module's docstring)."""
    read = _request_version.get()
    if read is None:
        return DataVersion.current()
    if not read:
        read.append(DataVersion.current())
        _last_read["version"] = read[0]
    return read[0]


# The last data version this process read: while the database is unavailable, the pages of
# that version still in the cache are served rather than an error.
_last_read = {"version": None}


def _digest(text):
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cached_page(view):
    """Serve a GET view's 200 responses from the cache, with an ETag from the data version.
    Pages are kept by their whole address, host included (as Django's `cache_page` does): a
    page names its own absolute addresses. Only a page asked for by its canonical query is
    stored.

    These pages only read, so they skip the transaction ATOMIC_REQUESTS would open."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        digest = _digest(request.build_absolute_uri())
        try:
            version = data_version()
            etag = quote_etag(f"{version}-{digest}")
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                return _revalidate(HttpResponseNotModified(), etag)
            key = f"page:{version}:{digest}"
            cached = _get(key) if settings.PAGE_CACHE else None
            if cached is not None:
                content_type, content = cached
                return _revalidate(HttpResponse(content, content_type=content_type), etag)
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            if hasattr(response, "render"):
                response.render()
        except NotReady:
            return _unavailable(digest, preparing=True)
        except DatabaseError as error:
            DATABASE.failed(error)
            return _unavailable(digest)
        DATABASE.succeeded()
        if "no-store" in response.get("Cache-Control", ""):
            return response  # its view says it is for this request only: no ETag, not kept
        if settings.PAGE_CACHE and _asked_canonically(request, response):
            _set(key, (response["Content-Type"], response.content))
        return _revalidate(response, etag)

    return transaction.non_atomic_requests(wrapper)


def _unavailable(digest, preparing=False):
    """While the database is unavailable (or, `preparing`, the list's index is not built yet):
    the page as this process last saw it, if the cache still holds it, else a 503 saying to
    try again shortly."""
    version = _last_read["version"]
    stored = _get(f"page:{version}:{digest}") if version is not None else None
    if stored is not None:
        content_type, content = stored
        response = HttpResponse(content, content_type=content_type)
        patch_cache_control(response, no_store=True)
        return response
    return HttpResponse(
        render_to_string("503.html", {"preparing": preparing}),
        status=503,
        headers={
            "Retry-After": str(RETRY_AFTER * (1 if preparing else 6)),
            "Cache-Control": "no-store",
        },
    )


def _asked_canonically(request, response):
    """Was the page asked for by its canonical query (views.Canonical), parameter by parameter,
    in order?"""
    # A template's context holds it (views.Canonical); a JSON response carries it itself.
    canonical = getattr(response, "canonical_query", None)
    if canonical is None:
        canonical = (getattr(response, "context_data", None) or {}).get("canonical_query")
    if canonical is None:
        return False
    asked = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    return asked == [(name, value) for name, values in canonical.lists() for value in values]


def memoised(name, parts, compute):
    """`compute()`, worked out once per data version for the same `parts` (a string) and kept
    in the cache; MUSICDIR_MEMO=0 (settings.MEMO) works it out every time."""
    if not settings.MEMO:
        return compute()
    key = f"memo:{data_version()}:{name}:{_digest(parts)}"
    value = _get(key)
    if value is None:
        value = compute()
        _set(key, value)
    return value


class NotReady(Exception):  # noqa: N818 (a state, not a fault)
    """What `kept_in_memory` keeps is not built yet: the process has just started."""


class Kept:
    """One thing `kept_in_memory` keeps, from the database `using`: the value built from its
    latest data version, and its build.

    It is built in a thread of its own, outside any request: a request may wait on the
    database for settings.DATABASE_TIMEOUT seconds at most (musicdir/deadline.py), and a large
    directory's index takes longer than that to build. One build runs at a time, and builds
    again while the data version has moved on since."""

    def __init__(self, name, using, build):
        self.name = f"{name} ({using})"
        self.using = using
        self.build = build
        self.value = None
        self.version = -1  # the data version `value` was built from (-1: none yet)
        self.wanted = -1  # the newest version a request asked for
        self.building = False
        self.changed = threading.Condition()

    def get(self, version, wait):
        """(value, current): the value for the data `version`, waiting up to `wait` seconds
        for its build; past that, the last one built (None if none), `current` False."""
        with self.changed:
            if self.version < version:
                self.wanted = max(self.wanted, version)
                self.start()
                self.changed.wait_for(lambda: self.version >= version, timeout=wait)
            return self.value, self.version >= version

    def start(self):
        """Build it now, in the background, unless that is under way."""
        with self.changed:
            if not self.building:
                self.building = True
                threading.Thread(target=self._run, name=self.name, daemon=True).start()

    def _run(self):
        try:
            while True:
                # Bounded as a request's database work is, more generously.
                with deadline(settings.INDEX_BUILD_TIMEOUT):
                    version = DataVersion.current(self.using)
                    with self.changed:
                        if self.version >= max(version, self.wanted):
                            self.building = False
                            return
                    value = self.build()  # read after the version: its data, or newer
                with self.changed:
                    self.value, self.version = value, version
                    self.changed.notify_all()
        except Exception:
            logger.exception("Building %s failed; the next request tries again.", self.name)
            with self.changed:
                self.building = False
                self.changed.notify_all()  # no use waiting
        finally:
            connections.close_all()  # this thread's own


# What `kept_in_memory` keeps: {(name, database): Kept}.
_kept = {}
_keeping = threading.Lock()


def _keep(name, using, build):
    with _keeping:
        return _kept.setdefault((name, using), Kept(name, using, build))


def kept_in_memory(name, using, build):
    """(value, current): `build()`, kept in this process's memory once per data version (of
    the database `using`), for what is too big or too often read to fetch from the cache, such
    as the list's index. A new version's is built in the background (`Kept`): a request waits
    for it up to settings.INDEX_WAIT seconds, and past that gets the last version's, `current`
    False, or while there is none, NotReady. settings.KEEP_INDEX off: built every time."""
    if not settings.KEEP_INDEX:
        return build(), True
    value, current = _keep(name, using, build).get(data_version(), settings.INDEX_WAIT)
    if value is None:
        raise NotReady(name)
    return value, current


def prepare_in_memory(name, using, build):
    """Start building what `kept_in_memory(name, using, build)` keeps, without waiting for
    it: as a web process starts (musicdir/gunicorn.py), so its first request finds it."""
    if settings.KEEP_INDEX:
        _keep(name, using, build).start()


def memoised_corrections(using, words):
    """`search.find_corrections`, kept once per data version: the directory's words only
    change with its data. Pass it to `Search` as its `corrections`."""
    return memoised(
        "corrections", f"{using} {' '.join(words)}", lambda: search.find_corrections(using, words)
    )


# The cache, as pages use it: a failure is a miss, logged once ----------------------------------


class Outage:
    """A part the site can do without for a while (the cache) or serve old pages without (the
    database): its failure is logged once, and its return."""

    def __init__(self, what, rest=0):
        self.what = what
        self.rest = rest  # seconds to leave it alone after a failure
        self.error = None
        self.until = 0.0

    @property
    def resting(self):
        return time.monotonic() < self.until

    def failed(self, error):
        if self.error is None:
            logger.warning("%s is unavailable: %s", self.what, error)
        self.error = str(error)
        self.until = time.monotonic() + self.rest

    def succeeded(self):
        if self.error is not None:
            logger.warning("%s is available again.", self.what)
            self.error = None


CACHE = Outage("The cache (pages are built without it)", rest=RETRY_AFTER)
DATABASE = Outage("The database (cached pages are served as they were)")


def _get(key):
    return _safely(cache.get, key)


def _set(key, value):
    _safely(cache.set, key, value, TIMEOUT, confirms=True)


def _safely(call, *args, confirms=False):
    """`call(*args)`, or None if the cache fails (or failed less than RETRY_AFTER ago). Only a
    write that succeeds (`confirms`) says the cache works again: a full Redis still reads."""
    if CACHE.resting:
        return None
    try:
        result = call(*args)
    except RedisError as error:
        CACHE.failed(error)
        return None
    if confirms:
        CACHE.succeeded()
    return result


def counted(key, timeout):
    """Add one to the count kept under `key` (for `timeout` seconds from the first) and return
    it; None while the cache fails (as any call to it does: logged once, left alone a while)."""

    def add_one():
        cache.add(key, 0, timeout)
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout)
            return 1

    return _safely(add_one, confirms=True)


def cache_status():
    """None if the cache works (it is written to now, unless it failed less than RETRY_AFTER
    ago), else what went wrong: for /readyz, which reports it without failing."""
    _safely(cache.set, "readiness", True, 10, confirms=True)
    return CACHE.error


def _revalidate(response, etag):
    # Browsers and proxies may keep the page but must ask again (and get a 304) before use.
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response
