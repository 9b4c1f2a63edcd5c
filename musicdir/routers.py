"""Reads from a PostgreSQL read replica, when DATABASE_REPLICA_URL is set.

Public GET and HEAD requests read everything, the data version included, from the replica
(`ReplicaMiddleware` marks them); writes, the admin and everything else use the primary. Because
a public page reads its data and the data version from the same database, a cached page is
always consistent with the version it is filed under: after a write, the new pages appear as
soon as the replica has replayed it (normally within milliseconds).
"""

import threading

from django.conf import settings

_request = threading.local()


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _request.use_replica = request.method in ("GET", "HEAD") and not request.path.startswith(
            f"/{settings.ADMIN_URL}"
        )
        try:
            return self.get_response(request)
        finally:
            _request.use_replica = False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "replica" if getattr(_request, "use_replica", False) else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied
