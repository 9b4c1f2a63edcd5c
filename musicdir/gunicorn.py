"""gunicorn's settings for musicdir, from the environment (README.md, "Deploy").

    gunicorn --config python:musicdir.gunicorn

| variable | default | meaning |
| `GUNICORN_BIND` | see `PORT` | where to listen: `host:port`, or `unix:/path/to/socket` |
| `PORT` | none | without `GUNICORN_BIND`: listen on `0.0.0.0:$PORT` (as platforms that run
  a Procfile expect); with neither, on `127.0.0.1:8000` (gunicorn's own convention) |
| `WEB_CONCURRENCY` | 2 × CPUs + 1, at most 8 | worker processes |
| `GUNICORN_THREADS` | `8` | threads per worker (the gthread worker), a request each |
| `GUNICORN_TIMEOUT` | `30` | seconds a request may take before its worker is restarted |
| `GUNICORN_GRACEFUL_TIMEOUT` | `30` | seconds workers get to finish on restart or shutdown |
| `GUNICORN_KEEPALIVE` | `5` | seconds to keep an idle connection from the proxy open |
| `GUNICORN_MAX_REQUESTS` | `0` | requests before a worker is replaced (0: never) |
| `GUNICORN_ACCESS_LOG` | `-` (stdout) | access log file; empty for none |
| `GUNICORN_LOG_LEVEL` | `info` | error log level (the error log goes to stderr) |
| `FORWARDED_ALLOW_IPS` | `127.0.0.1,::1` | (gunicorn's own) proxies trusted for X-Forwarded-* |
"""

import multiprocessing
import os
from pathlib import Path

import gunicorn.http.wsgi

# Name no server software and no version: "Server: musicdir", and the same in the WSGI
# environ (gunicorn would say "gunicorn", and "gunicorn/<version>" to the application).
gunicorn.http.wsgi.SERVER = "musicdir"
gunicorn.http.wsgi.SERVER_SOFTWARE = "musicdir"


def _int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number; it is {value!r}.") from None


wsgi_app = "musicdir.wsgi:application"
if os.environ.get("GUNICORN_BIND"):
    bind = [os.environ["GUNICORN_BIND"]]
elif os.environ.get("PORT"):
    bind = [f"0.0.0.0:{_int('PORT', 8000)}"]
else:
    bind = ["127.0.0.1:8000"]
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
# Threaded workers: a request that waits (on a slow client sending its request, on a database
# that hangs) holds one thread, not a whole worker. With eight threads each, a handful of slow
# clients cannot hold every thread of a worker, and /healthz is answered by the threads left
# (tests/test_chaos.py sends six slow clients to two workers).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 8)
# Web processes bound their waits on the database (musicdir/deadline.py).
raw_env = ["MUSICDIR_WEB_PROCESS=1"]
# A request (an export streams the whole directory) must finish within this; raise it for a
# directory of many thousands of organisations.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are not replaced after a number of requests: a threaded worker replaced so drops the
# connections it has accepted but not yet read, and the soak test (README, "Load test") shows
# their memory stays flat. Set GUNICORN_MAX_REQUESTS to bound a leak found later.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The usual combined format, plus the time taken in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# Request limits (gunicorn's defaults, stated): longer request lines get a 414, and so on.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Workers' heartbeat files in memory, not on a possibly slow container disk.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):
    """Each worker starts building the list's index as it starts, in the background, so that
    its first list request finds it built (organisations/cache.py, `Kept`)."""
    from organisations import facets

    facets.prepare()
