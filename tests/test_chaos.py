"""Chaos: the site under gunicorn, with readers, while its parts fail.

On a PostgreSQL cluster and a Redis server of its own (never the machine's), gunicorn serves the
site as in production (two workers of eight threads) while reader threads keep asking for its
pages. Then: Redis is killed and started again; filled to its limit; PostgreSQL is stopped and
started; paused (SIGSTOP: connections open, nothing answers) and resumed; the cache is flooded
with distinct query strings; six slow clients trickle their requests. Throughout, no public page
answers with a server error (while the database is away, pages are served as the cache last
held them), /healthz answers within a second or two, /readyz says 503 only while the database
is away, and everything recovers without a restart.

Skipped where PostgreSQL's server binaries or redis-server are missing, saying why; CI sets
MUSICDIR_REQUIRE_SERVERS=1, which makes them fail instead.
"""

import os
import random
import socket
import tempfile
import threading
import time

import pytest

from devtools import servers
from tests.servers import ThrowawayPostgres, ThrowawayRedis, postgres_available, redis_available

REQUIRED = os.environ.get("MUSICDIR_REQUIRE_SERVERS") == "1"
MISSING = postgres_available() or redis_available()

# Pages readers ask for: each is visited before anything fails, so the cache holds it.
PAGES = [
    "/organisations/",
    "/organisations/?q=music",
    "/organisations/?kind=funder",
    "/organisations/?q=education&scope=uk",
    "/organisations/isme/",
    "/organisations/amie/",
    "/organisations/music-mark/",
    "/organisations/network/",
    "/organisations/compare/?o=isme&o=amie",
]
HTTPS = {"X-Forwarded-Proto": "https"}
DATABASE_TIMEOUT = 3  # seconds (DJANGO_DATABASE_TIMEOUT)
# Seconds /healthz may take: far below gunicorn's 30 (before, a hung database kept it waiting
# until gunicorn killed the worker).
PROMPT = 2.0
# /readyz, while the database hangs: its check gives up after two seconds, and connecting
# again after DATABASE_TIMEOUT.
READY_WITHIN = DATABASE_TIMEOUT + 4


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if MISSING:
        if REQUIRED:
            pytest.fail(f"{MISSING}; MUSICDIR_REQUIRE_SERVERS=1 requires the chaos tests")
        pytest.skip(f"the chaos tests need their own servers: {MISSING}")
    directory = tmp_path_factory.mktemp("chaos")
    # In a directory of its own under /tmp: the cluster runs as another user, who cannot reach
    # pytest's.
    postgres = ThrowawayPostgres(tempfile.mkdtemp(prefix="musicdir-chaos-pg-"))
    redis = ThrowawayRedis(directory / "redis")
    try:
        postgres.init().start()
        redis.start()
        env = servers.production_env(
            DATABASE_URL=postgres.url,
            REDIS_URL=redis.url,
            DJANGO_STATIC_ROOT=str(directory / "static"),
            DJANGO_DATABASE_TIMEOUT=str(DATABASE_TIMEOUT),
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
        )
        servers.prepare(env)
        with servers.gunicorn(env, directory / "gunicorn.log") as base:
            site = Site(base, postgres, redis)
            site.warm()
            yield site
    finally:
        redis.cleanup()
        postgres.cleanup()


class Site:
    def __init__(self, base, postgres, redis):
        self.base, self.postgres, self.redis = base, postgres, redis

    def get(self, path, timeout=30):
        started = time.monotonic()
        status, _, body = servers.request(self.base + path, headers=HTTPS, timeout=timeout)
        return status, body, time.monotonic() - started

    def warm(self):
        for path in PAGES:
            for _ in range(3):  # several threads of each worker
                assert self.get(path)[0] == 200, path

    def probe(self, path, within=PROMPT):
        """(status, body) of a health probe, which must answer within `within` seconds."""
        status, body, took = self.get(path, timeout=within * 3)
        assert took < within, f"{path} took {took:.1f} s"
        return status, body

    def ready(self):
        return self.probe("/readyz", within=READY_WITHIN)

    def wait_until_ready(self, status, timeout):
        servers.wait_for(
            lambda: self.ready()[0] == status, timeout=timeout, what=f"/readyz to say {status}"
        )


class Readers:
    """Threads asking for the site's pages back to back, until stopped: their answers."""

    def __init__(self, site, clients=4, paths=PAGES):
        self.site, self.paths = site, paths
        self.answers = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(clients)]

    def read(self):
        rng = random.Random()
        while not self.stopping.is_set():
            path = rng.choice(self.paths)
            try:
                status, _, took = self.site.get(path)
            except OSError as error:
                status, took = repr(error), None
            self.answers.append((path, status, took))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def failures(self):
        return [(path, status) for path, status, _ in self.answers if status != 200]


def healthy_throughout(site, seconds):
    """/healthz answers promptly, again and again, for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert site.probe("/healthz") == (200, b"ok\n")
        time.sleep(0.2)


def test_redis_killed_and_started_again(site):
    with Readers(site) as readers:
        site.redis.stop()
        healthy_throughout(site, 3)
        status, body = site.ready()
        assert status == 200 and b"the cache is unavailable" in body
        site.redis.start()
        time.sleep(6)  # the workers try the cache again after five seconds
        healthy_throughout(site, 1)
    assert readers.answers and readers.failures() == []
    assert site.ready() == (200, b"ok\n")
    site.warm()


def test_redis_full(site):
    site.redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
    site.redis.command("CONFIG", "SET", "maxmemory", str(site.redis.used_memory() + 50_000))
    try:
        with Readers(site) as readers:
            for n in range(100):  # new pages to store, until Redis refuses them
                assert site.get(f"/organisations/?q=music{n}")[0] == 200
            healthy_throughout(site, 2)
        assert readers.answers and readers.failures() == []
        assert site.ready()[0] == 200
    finally:
        site.redis.command("CONFIG", "SET", "maxmemory", "0")
    time.sleep(6)
    assert site.ready() == (200, b"ok\n")


def test_the_cache_cannot_be_flooded(site):
    pages, memory = site.redis.command("KEYS", "*page:*"), site.redis.used_memory()
    for n in range(1000):
        assert site.get(f"/organisations/?x={n}")[0] == 200
    assert site.redis.command("KEYS", "*page:*") == pages  # nothing stored
    assert site.redis.used_memory() - memory < 1_000_000  # 1,000 pages would be some 25 MB


def test_postgresql_stopped_and_started_again(site):
    site.warm()
    with Readers(site) as readers:
        site.postgres.stop()
        site.wait_until_ready(503, timeout=READY_WITHIN)
        assert site.ready() == (503, b"database unavailable\n")
        healthy_throughout(site, 3)
        site.postgres.start()
        site.wait_until_ready(200, timeout=20)
    assert readers.answers and readers.failures() == []
    site.warm()


def test_postgresql_paused_and_resumed(site):
    site.warm()
    with Readers(site) as readers:
        site.postgres.pause()
        try:
            site.wait_until_ready(503, timeout=2 * READY_WITHIN)
            healthy_throughout(site, DATABASE_TIMEOUT + 2)
        finally:
            site.postgres.resume()
        site.wait_until_ready(200, timeout=20)
    assert readers.answers and readers.failures() == []
    # The pages served while it hung took the database timeout, not gunicorn's 30 s.
    slowest = max(took for _, _, took in readers.answers)
    assert slowest < DATABASE_TIMEOUT + 5
    site.warm()


def test_slow_clients_cannot_take_the_site_down(site):
    """Six clients that send their requests a byte at a time hold six threads, not the site."""
    host, port = site.base.removeprefix("http://").split(":")
    slow = []
    for _ in range(6):
        connection = socket.create_connection((host, int(port)))
        connection.sendall(b"GET /organisations/ HTTP/1.1\r\n")
        slow.append(connection)
    try:
        for _ in range(3):
            for connection in slow:
                connection.sendall(b"X")  # a header that never ends
            for path in PAGES:
                status, _, took = site.get(path, timeout=10)
                assert status == 200 and took < PROMPT, (path, took)
            assert site.probe("/healthz")[0] == 200
            time.sleep(1)
    finally:
        for connection in slow:
            connection.close()
