"""The site as production serves it, started for a test, the load test, the benchmark or
Lighthouse: gunicorn with musicdir's config module on a free loopback port.

    env = production_env(DATABASE_URL=..., DJANGO_STATIC_ROOT=...)
    prepare(env)                          # migrate, the directory, collectstatic
    with gunicorn(env, log_path) as base:  # http://127.0.0.1:<port>, once /readyz answers
        status, headers, body = request(base + "/organisations/")

Standard library only, and no Django settings needed: scripts import it as they are.
"""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


# How the tests and Lighthouse run Chromium here: no sandbox (as root in a container), and
# nothing that reaches beyond the machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**overrides):
    """A production process's environment: this one's, less any Django, gunicorn or database
    setting, with debug off, a strong secret key and the loopback host names; then
    `overrides` (a value of None removes the variable)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key not in ("DATABASE_URL", "PORT")
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args, env, timeout=120):
    """Run `manage.py *args` in `env`; its result, or RuntimeError with what it said."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def prepare(env, *, load=True):
    """Make the database of a production-like site ready: migrated, holding the directory if
    it had no organisations (unless `load` is false), the static files collected (into env's
    DJANGO_STATIC_ROOT)."""
    manage("migrate", "--verbosity", "0", env=env)
    if load:
        manage("seed_directory", "--verbosity", "0", env=env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)


@contextlib.contextmanager
def gunicorn(env, log_path, port=None):
    """gunicorn with musicdir's config module (musicdir/gunicorn.py, as `make serve` runs it)
    on a loopback port, a free one unless given, its output written to `log_path`: yields its
    base URL once /readyz answers (the site serves, and its database answers), and stops it
    at the end."""
    port = port or free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:musicdir.gunicorn"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def ready():
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{Path(log_path).read_text()}")
            return request(f"{base}/readyz", timeout=2)[0] == 200

        wait_for(ready, what="gunicorn to answer /readyz")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(url, method="GET", headers=None, timeout=10):
    """(status, headers as a dict with lower-case names, body bytes) of one request."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def wait_for(check, timeout=30, interval=0.1, what="the condition"):
    """`check()`'s first true value, tried every `interval` seconds for up to `timeout`
    (an OSError counts as not yet); TimeoutError, with the last result, after that."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as error:
            last = error
        time.sleep(interval)
    raise TimeoutError(f"waited {timeout}s for {what}; last: {last!r}")
