"""Lighthouse scores for the list and an organisation's page: `make lighthouse`.

Serves the site as in production (debug off, gunicorn with musicdir/gunicorn.py, static
files collected and served by whitenoise) from a throwaway SQLite database holding the
directory, runs the Lighthouse pinned in package.json against it with Chromium
(CHROME_PATH, default /usr/bin/chromium), prints the accessibility, best practices and SEO
scores, and exits non-zero if any is below 100. Not part of the tests or CI: it is slow and
its numbers depend on the machine. The full reports are left in tools/lighthouse/reports/.

Lighthouse talks to a small proxy in front of gunicorn that adds `X-Forwarded-Proto: https`,
as the TLS proxy in front of production does, so the site answers instead of redirecting to
HTTPS (which Chromium could not follow here, with no certificate).
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
REPORTS = HERE / "reports"
PAGES = {"list": "/organisations/", "detail": "/organisations/isme/"}
CATEGORIES = ["accessibility", "best-practices", "seo"]
CHROME_FLAGS = " ".join(
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ]
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*command, env):
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Proxy(BaseHTTPRequestHandler):
    """Forwards GET and HEAD to gunicorn, as from a TLS proxy."""

    upstream_port = None
    hop_by_hop = {"connection", "keep-alive", "transfer-encoding", "content-length"}

    def do_GET(self):
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.hop_by_hop}
        try:
            upstream.request(self.command, self.path, headers={**headers, **FORWARDED})
            response = upstream.getresponse()
        except OSError:  # gunicorn is still starting
            self.send_error(502)
            return
        body = response.read()
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in self.hop_by_hop:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        upstream.close()

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


FORWARDED = {"X-Forwarded-Proto": "https"}


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main():
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/lighthouse.sqlite3",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "lighthouse-only-not-a-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_STATIC_ROOT": f"{tmp}/static",
            "PORT": str(port),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": "",
            "CHROME_PATH": chrome,
        }
        run(PYTHON, "manage.py", "migrate", "--verbosity", "0", env=env)
        run(PYTHON, "manage.py", "loaddata", "organisations", "--verbosity", "0", env=env)
        run(PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", env=env)
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "python:musicdir.gunicorn"], cwd=ROOT, env=env
        )
        Proxy.upstream_port = port
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{proxy.server_address[1]}"
            wait_for(base + PAGES["list"])
            REPORTS.mkdir(exist_ok=True)
            scores = {}
            for name, path in PAGES.items():
                report = REPORTS / f"{name}.json"
                subprocess.run(
                    [
                        str(LIGHTHOUSE),
                        base + path,
                        "--quiet",
                        f"--only-categories={','.join(CATEGORIES)}",
                        "--output=json",
                        f"--output-path={report}",
                        f"--chrome-flags={CHROME_FLAGS}",
                    ],
                    env=env,
                    check=True,
                )
                result = json.loads(report.read_text())
                # A category Lighthouse could not score (an audit erred) counts as 0.
                scores[name] = {
                    c: round((result["categories"][c]["score"] or 0) * 100) for c in CATEGORIES
                }
                failed = [
                    " ".join(filter(None, [audit["title"], audit.get("errorMessage")]))
                    for audit in result["audits"].values()
                    if audit.get("scoreDisplayMode") == "error"
                    or (
                        audit.get("score") is not None
                        and audit["score"] < 1
                        and audit.get("scoreDisplayMode") in ("binary", "numeric")
                    )
                ]
                scores[name]["version"] = result["lighthouseVersion"]
                scores[name]["below full marks"] = failed
        finally:
            proxy.shutdown()
            server.terminate()
            server.wait(timeout=30)
    print(f"\nLighthouse {scores['list']['version']}, Chromium at {chrome}")
    print(f"{'page':<8} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    for name, path in PAGES.items():
        row = " ".join(f"{scores[name][c]:>15}" for c in CATEGORIES)
        print(f"{name:<8} {row}   {path}")
        for title in scores[name]["below full marks"]:
            print(f"         below full marks: {title}")
    if any(scores[name][c] < 100 for name in PAGES for c in CATEGORIES):
        sys.exit(1)


if __name__ == "__main__":
    main()
