"""Servers only the tests need, beside the site itself (devtools/servers.py starts that): a
new database for a site of its own, a browser for its admin, and a throwaway PostgreSQL cluster.

The cluster runs as a child process on a free loopback port, in a temporary directory, and is
stopped by the process id this module started it with.
"""

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import subprocess
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.db import connection

from devtools.servers import free_port, wait_for
from tests.reading import read

PG_BIN = next(
    (path for path in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)),
    None,
)
PG_USER = "postgres"  # initdb refuses to run as root: the cluster runs as this OS user


@contextlib.contextmanager
def throwaway_database(directory):
    """The DATABASE_URL of a new, empty database for a site of its own, of the kind the tests
    run on: a SQLite file in `directory`, or a database on the same PostgreSQL server, dropped
    afterwards."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{Path(directory) / 'db.sqlite3'}"
        return
    params = connection.settings_dict
    credentials = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    server = f"postgres://{credentials}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    with new_postgres_database(server) as url:
        yield url


@contextlib.contextmanager
def new_postgres_database(server):
    """The DATABASE_URL of a new, empty database on the PostgreSQL server `server`
    (postgres://user@host:port), dropped afterwards. Its name is its own, so that test runs
    side by side on one server never meet."""
    import psycopg

    name = f"musicdir_site_{secrets.token_hex(6)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Browser:
    """Enough of a browser for the admin of a site on loopback: cookies, the TLS proxy's
    `X-Forwarded-Proto: https`, and the Origin header a browser sends with a form."""

    def __init__(self, base, host=None):
        """`host`: the host name to ask for (the proxy's public name), if not the server's."""
        parts = urlsplit(base)
        self.address, self.port = parts.hostname, parts.port
        self.host = host or f"{self.address}:{self.port}"
        self.cookies = SimpleCookie()

    def request(self, method, path, data=None):
        headers = {"X-Forwarded-Proto": "https", "Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{self.host}"
        connection = http.client.HTTPConnection(self.address, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.content = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(cookie)
        return response

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data)

    def log_in(self, username, password):
        """Log in to the admin through its login form."""
        page = read(self.get("/admin/login/"))
        token = page.one("input", name="csrfmiddlewaretoken").get("value")
        signed_in = self.post(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert signed_in.status == 302, signed_in.content[:500]


def postgres_available():
    """Why a throwaway cluster cannot be started here, or None if it can."""
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start PostgreSQL as another user"
    return None


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, in a temporary directory, on a free loopback port."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", PG_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")

    def init(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, PG_USER)
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "-A", "trust", "--no-sync")
        return self

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories='{self.directory}' -c fsync=off"
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-w", "-l", str(self.directory / "log"),
            "-o", options,
        )  # fmt: skip

    def stop(self):
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")

    def cleanup(self):
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def processes(self):
        """The process ids of the cluster: its postmaster and the postmaster's children."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def pause(self):
        """Every process of the cluster stopped (SIGSTOP): connections stay open, nothing
        answers, as when a server hangs."""
        for pid in self.processes():
            os.kill(pid, signal.SIGSTOP)

    def resume(self):
        for pid in self.processes():
            os.kill(pid, signal.SIGCONT)


def redis_available():
    """Why a throwaway Redis cannot be started here, or None if it can."""
    return None if shutil.which("redis-server") else "redis-server is not installed"


class ThrowawayRedis:
    """A Redis server of its own on a free loopback port, keeping nothing on disk."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: self.command("PING") == "PONG", what="Redis to answer")
        return self

    def command(self, *args):
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout.strip()

    def used_memory(self):
        lines = self.command("INFO", "memory").splitlines()
        return int(dict(line.split(":", 1) for line in lines if ":" in line)["used_memory"])

    def stop(self):
        """Killed, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
