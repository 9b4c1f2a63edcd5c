"""Public pages cached whole, and answered with 304 when unchanged; never stale.

Every cached page and every ETag is keyed by the directory's data version
(`DataVersion`), which every write bumps (`OrganisationQuerySet.changed()`). The version lives
in the database, so however many processes or machines serve the site, and whichever cache
they share (Redis when REDIS_URL is set, local memory otherwise), a request after a write never
sees a page from before it. A request costs one small query for the version, then a cache hit.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag

from .models import DataVersion

TIMEOUT = 60 * 60 * 24  # old versions' pages are never read again; let them expire


def cached_page(view):
    """Serve a GET view's 200 responses from the cache, with an ETag from the data version."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = DataVersion.current()
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

    return wrapper


def _revalidate(response, etag):
    # Browsers and proxies may keep the page but must ask again (and get a 304) before use.
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response
