"""Health checks for the process manager and the load balancer.

- `/healthz`, liveness: the process answers requests. It touches nothing else, so a database
  outage never gets healthy workers restarted.
- `/readyz`, readiness: the process can serve pages, which needs the database (and the read
  replica, if there is one). 200 when a trivial query on each succeeds, 503 while one fails.
  A cache that fails does not take the site out of service (pages are built without it): the
  200's text says so. A database that hangs fails the check within seconds (READINESS_TIMEOUT,
  and the connection's own connect_timeout).
  Each check opens a new connection if the last one broke, so the site recovers by itself
  when the database returns.

They are answered by a middleware placed first, before anything that could refuse or redirect
a probe for reasons of its own: host name validation (a probe asks for an internal address),
the HTTPS redirect (a probe speaks plain HTTP behind the proxy), sessions, and the
per-request transaction (which needs the database before a view runs). Their answers are
fixed texts, never cached.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.http import HttpResponse, HttpResponseNotAllowed

from organisations.cache import cache_status

from .deadline import deadline

logger = logging.getLogger(__name__)

# A database that hangs makes the check fail after this many seconds (musicdir/deadline.py).
READINESS_TIMEOUT = 2

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def _answer(text, status=200):
    return HttpResponse(
        f"{text}\n",
        status=status,
        content_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def liveness(request):
    return _answer("ok")


def readiness(request):
    """200 while every database answers (saying if the cache is unavailable: the site serves
    pages without it), 503 while one does not."""
    for alias in connections:
        try:
            with deadline(READINESS_TIMEOUT), connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Error as error:
            logger.warning("Readiness check failed: database %r is unavailable: %s", alias, error)
            name = "database" if alias == DEFAULT_DB_ALIAS else f"database {alias!r}"
            return _answer(f"{name} unavailable", status=503)
    problem = cache_status()
    if problem:
        return _answer(f"ok, but the cache is unavailable (pages are built without it): {problem}")
    return _answer("ok")


CHECKS = {LIVENESS_PATH: liveness, READINESS_PATH: readiness}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = CHECKS.get(request.path_info)
        if check is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return check(request)
