"""Lighthouse scores for the list and an organisation's page: `make lighthouse`, or
`python -m devtools.lighthouse.run`.

Serves the site as in production (devtools/servers.py: debug off, gunicorn with
musicdir/gunicorn.py, static files collected and served by whitenoise) from a throwaway SQLite
database holding the directory, runs the Lighthouse pinned in package.json against it with Chromium
(CHROME_PATH, default /usr/bin/chromium), prints the accessibility, best practices and SEO
scores, and exits non-zero if any is below 100. Not part of the tests or CI: it is slow and
its numbers depend on the machine. The full reports are left in devtools/lighthouse/reports/.

Lighthouse talks to a small proxy in front of gunicorn that adds `X-Forwarded-Proto: https`,
as the TLS proxy in front of production does, so the site answers instead of redirecting to
HTTPS (which Chromium could not follow here, with no certificate).
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from devtools import servers

HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
REPORTS = HERE / "reports"
PAGES = {"list": "/organisations/", "detail": "/organisations/isme/"}
CATEGORIES = ["accessibility", "best-practices", "seo"]
CHROME_FLAGS = " ".join(["--headless=new", *servers.CHROMIUM_ARGS])


class Proxy(BaseHTTPRequestHandler):
    """Forwards GET and HEAD to gunicorn (at `upstream`, a base URL), as from a TLS proxy."""

    upstream = None
    hop_by_hop = {"connection", "keep-alive", "transfer-encoding", "content-length"}

    def do_GET(self):
        address = urlsplit(self.upstream)
        upstream = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.hop_by_hop}
        try:
            upstream.request(self.command, self.path, headers={**headers, **FORWARDED})
            response = upstream.getresponse()
        except OSError:
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


def main():
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        env = servers.production_env(
            DATABASE_URL=f"sqlite:///{tmp}/lighthouse.sqlite3",
            DJANGO_STATIC_ROOT=f"{tmp}/static",
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
            CHROME_PATH=chrome,
        )
        servers.prepare(env)
        with servers.gunicorn(env, Path(tmp) / "gunicorn.log") as upstream:
            Proxy.upstream = upstream
            proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            try:
                base = f"http://127.0.0.1:{proxy.server_address[1]}"
                scores = {name: lighthouse(base + path, name, env) for name, path in PAGES.items()}
            finally:
                proxy.shutdown()
    print(f"\nLighthouse {scores['list']['version']}, Chromium at {chrome}")
    print(f"{'page':<8} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    for name, path in PAGES.items():
        row = " ".join(f"{scores[name][c]:>15}" for c in CATEGORIES)
        print(f"{name:<8} {row}   {path}")
        for title in scores[name]["below full marks"]:
            print(f"         below full marks: {title}")
    if any(scores[name][c] < 100 for name in PAGES for c in CATEGORIES):
        sys.exit(1)


def lighthouse(url, name, env):
    """Lighthouse's scores for `url` ({category: 0 to 100}), its version, and the audits below
    full marks; its report is left in reports/<name>.json."""
    REPORTS.mkdir(exist_ok=True)
    report = REPORTS / f"{name}.json"
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
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
    scores = {c: round((result["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
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
    return {**scores, "version": result["lighthouseVersion"], "below full marks": failed}


if __name__ == "__main__":
    main()
