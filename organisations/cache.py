"""Public pages cached whole, and answered with 304 when unchanged; never stale.

Every cached page and every ETag is keyed by the directory's data version
(`DataVersion`), which every write bumps (`OrganisationQuerySet.changed()`). The version lives
in the database, so however many processes or machines serve the site, and whichever cache
they share (Redis when REDIS_URL is set, local memory otherwise), a request after a write never
sees a page from before it. A request costs one small query for the version, then a cache hit.

Below whole pages, `memoised` keeps what a page needs that depends only on the data, such as
the list's facet counts for a given search and filters, once per data version: so a page the
cache does not hold (another page of results, another sort) is built without recounting.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag

from .models import DataVersion

TIMEOUT = 60 * 60 * 24  # old versions' pages are never read again; let them expire


def cached_page(view):
    """Serve a GET view's 200 responses from the cache, with an ETag from the data version.

    These pages only read, so they skip the transaction ATOMIC_REQUESTS would open."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = data_version(request)
        path = request.get_full_path()
        digest = hashlib.blake2b(path.encode(), digest_size=12).hexdigest()
        etag = quote_etag(f"{version}-{digest}")
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return _revalidate(HttpResponseNotModified(), etag)
        key = f"page:{version}:{digest}"
        cached = cache.get(key) if settings.PAGE_CACHE else None
        if cached is not None:
            content_type, content = cached
            return _revalidate(HttpResponse(content, content_type=content_type), etag)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if hasattr(response, "render"):
            response.render()
        if settings.PAGE_CACHE:
            cache.set(key, (response["Content-Type"], response.content), TIMEOUT)
        return _revalidate(response, etag)

    return transaction.non_atomic_requests(wrapper)


def data_version(request=None):
    """The directory's data version, read once per request."""
    if request is None:
        return DataVersion.current()
    if not hasattr(request, "data_version"):
        request.data_version = DataVersion.current()
    return request.data_version


def memoised(name, parts, compute, request=None):
    """`compute()`, worked out once per data version for the same `parts` (a string) and kept
    in the cache; MUSICDIR_MEMO=0 (settings.MEMO) works it out every time."""
    if not settings.MEMO:
        return compute()
    digest = hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()
    key = f"memo:{data_version(request)}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def _revalidate(response, etag):
    # Browsers and proxies may keep the page but must ask again (and get a 304) before use.
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response
