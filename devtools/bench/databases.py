"""The databases the benchmark measures: PostgreSQL (a database of its own, created if
missing) and SQLite (a file), each made ready, filled to a size, and written to."""

import contextlib
import re
import sqlite3
import sys
import time

from devtools import servers

DATA_VERSION_TABLE = "organisations_dataversion"


class Database:
    def __init__(self, name, url):
        self.name = name
        self.url = url

    @property
    def sqlite(self):
        return self.url.startswith("sqlite:")

    @contextlib.contextmanager
    def connect(self):
        """A plain connection (not Django's), committing as it goes."""
        if self.sqlite:
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            with contextlib.closing(conn):
                yield conn
        else:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                yield conn

    def create(self):
        """Create the PostgreSQL database if it is missing (migrate creates SQLite's file)."""
        if self.sqlite:
            return
        import psycopg

        match = re.match(r"postgres(?:ql)?://(?P<server>[^/]+)/(?P<name>\w+)$", self.url)
        if not match:
            sys.exit(f"A PostgreSQL URL must be postgres://user@host:port/name, not {self.url}")
        with psycopg.connect(f"postgres://{match['server']}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [match["name"]]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{match["name"]}"')

    def prepare(self, env):
        """Migrated, the static files collected, holding the real directory and nothing else."""
        self.create()
        servers.prepare(env, load=False)
        servers.manage("remove_synthetic", "--verbosity", "0", env=env, timeout=None)
        servers.manage("loaddata", "organisations", "--verbosity", "0", env=env, timeout=None)

    def fill(self, env, size):
        """The real directory plus synthetic organisations, `size` in all (the real ones are
        10), fresh statistics; the seconds it took."""
        started = time.perf_counter()
        servers.manage("remove_synthetic", "--verbosity", "0", env=env, timeout=None)
        if size > 10:
            servers.manage("generate_synthetic", str(size - 10), "--verbosity", "0", env=env,
                           timeout=None)  # fmt: skip
        seconds = time.perf_counter() - started
        self.vacuum()  # no dead rows left by the last size, fresh statistics
        return seconds

    def vacuum(self):
        with self.connect() as conn:
            conn.execute("ANALYZE" if self.sqlite else "VACUUM ANALYZE")

    def write(self):
        """What every write does last: a new data version (models.DataVersion.bump), so that
        each process builds its list's index again."""
        with self.connect() as conn:
            conn.execute(f"UPDATE {DATA_VERSION_TABLE} SET number = number + 1 WHERE id = 1")
