"""Bounded waits on a database that hangs.

A database that stops answering without closing its connections (its server paused, a network
that drops packets) would hold every web worker until gunicorn killed it. In web processes
(gunicorn sets MUSICDIR_WEB_PROCESS=1, see musicdir/gunicorn.py), settings.DATABASE_TIMEOUT
bounds each request's wait on PostgreSQL three ways:

- connecting gives up after the same number of seconds (`connect_timeout`);
- PostgreSQL itself cancels a statement that runs longer (`statement_timeout`), leaving the
  connection usable;
- and if the server does not answer at all, `deadline` closes the socket of each connection the
  request opened once the time is up, so the waiting query fails at once. The page is then
  served as the cache last held it, or as a 503 (organisations/cache.py); the connection is
  discarded and the next request connects afresh, so the site recovers by itself.

Commands (backups, migrations, loading data) run in processes of their own, without these
limits. SQLite has no server to hang: its waits are bounded by its busy timeout (settings.py).
"""

import contextlib
import os
import socket
import threading

from django.conf import settings
from django.db import connections


@contextlib.contextmanager
def deadline(seconds):
    """Within this block, database work on PostgreSQL in this thread may wait `seconds` at
    most: after that the connections' sockets are shut down, and the work fails."""
    if not seconds:
        yield
        return
    wrappers = [connections[alias] for alias in connections]  # this thread's
    timer = threading.Timer(seconds, _cut_off, [wrappers])
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _cut_off(wrappers):
    for wrapper in wrappers:
        connection = wrapper.connection
        if wrapper.vendor != "postgresql" or connection is None:
            continue
        # A duplicate of the connection's socket: shutting it down ends the one connection
        # both refer to, and wakes the thread blocked reading from it.
        with (
            contextlib.suppress(OSError, ValueError),
            socket.socket(fileno=os.dup(connection.pgconn.socket)) as duplicate,
        ):
            duplicate.shutdown(socket.SHUT_RDWR)


class DatabaseDeadlineMiddleware:
    """Gives each request (and a streamed response each piece of it) DATABASE_TIMEOUT seconds
    of database work at most."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with deadline(settings.DATABASE_TIMEOUT):
            response = self.get_response(request)
        if response.streaming and settings.DATABASE_TIMEOUT:
            response.streaming_content = _each_within(response.streaming_content)
        return response


def _each_within(pieces):
    pieces = iter(pieces)
    while True:
        with deadline(settings.DATABASE_TIMEOUT):
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece
