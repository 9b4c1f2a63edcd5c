"""The cached path and the export: the site as production serves it (the page cache on,
several workers), a few pages asked for again and again by wrk (report.lua) with several
connections, each side by side with a static file served by the same gunicorn (whitenoise);
a hello-world Django view likewise, for reference. Then the whole CSV export, downloaded whole again
and again (not with wrk: one download of 100,000 organisations outlasts wrk's window)."""

import contextlib
import http.client
import json
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools import servers
from devtools.bench import HELLO, percentile

HERE = Path(__file__).resolve().parent

SETTINGS = {"MUSICDIR_CACHE": "1", "MUSICDIR_MEMO": "1"}
# Repeated URLs, one of each kind the pool draws.
PAGES = {
    "list": "/organisations/",
    "list, filtered": "/organisations/?kind=national-association&scope=england",
    "search": "/organisations/?q=music+hub",
    "search + a filter": "/organisations/?q=music&kind=national-association",
    "detail": "/organisations/isme/",
    "type-ahead": "/organisations/suggest.json?q=mus",
}
HELLO_PATH = f"/{HELLO}"  # the reference view (devtools/bench/urls.py)
EXPORT = "/organisations/export.csv"
EXPORT_TIMEOUT = 110  # seconds: under GUNICORN_TIMEOUT, which would kill a longer download


def measure(env, *, workers, connections, duration, export_downloads):
    """{"pages": {name: wrk's result, with "static_rps": the static file's measured right
    after it}, "export": downloads' result, "log": gunicorn's}. Each page is measured side by
    side with the static file, one after the other, so that what else the machine does weighs
    on both alike."""
    static = static_url()
    rows = {}
    settings = env | SETTINGS | {"WEB_CONCURRENCY": str(workers)}
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "gunicorn.log"
        with servers.gunicorn(settings, log) as base:
            for url in (base + static, *(base + path for path in PAGES.values())):
                warm(url)
                # Several connections at once first, so that every worker has the page (each
                # keeps its own unless REDIS_URL is set): a warm site's figures.
                wrk(url, 1, connections)
            for name, path in {**PAGES, "hello-world view": HELLO_PATH}.items():
                rows[name] = wrk(base + path, duration, connections)
                rows[name]["static_rps"] = wrk(base + static, duration, connections)["rps"]
                print(
                    f"  cached  {name:20} {summary(rows[name])}  "
                    f"static file {rows[name]['static_rps']:.0f} req/s",
                    flush=True,
                )
            export = downloads(base + EXPORT, export_downloads, duration)
            print(f"  export  {export_summary(export)}", flush=True)
        return {"pages": rows, "export": export, "log": log.read_text()}


def ratios(result):
    """({page: its requests per second ÷ the static file's measured beside it}, {page: ÷ the
    hello-world view's})."""
    pages = result["pages"]
    hello = pages["hello-world view"]["rps"]
    return (
        {name: got["rps"] / got["static_rps"] for name, got in pages.items()},
        {name: pages[name]["rps"] / hello for name in PAGES},
    )


def wrk(url, duration, connections):
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
        "-s", str(HERE / "report.lua"), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def warm(url, times=3):
    """Ask for `url` a few times first. A page that fails (a 503 when its database work
    outlasts DJANGO_DATABASE_TIMEOUT) is measured all the same: wrk counts its errors."""
    for _ in range(times):
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
        except urllib.error.HTTPError as error:
            print(f"  {url}: {error}", flush=True)


def downloads(url, at_least, duration):
    """Download `url` whole, one download at a time, `at_least` times and for at least
    `duration` seconds, after one untimed download to warm up: each download's time to its
    last byte (p50, p95, slowest), the size, MB/s and the median time to the first byte. A
    failed or cut-short download counts as an error, not a time."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        download(url)  # warm-up; a failure is counted below, if it happens again
    times, first_bytes, sizes, errors = [], [], [], 0
    started = time.perf_counter()
    while len(times) + errors < at_least or (
        time.perf_counter() - started < duration and errors < at_least
    ):
        try:
            seconds, first_byte, size = download(url)
        except (OSError, http.client.HTTPException) as error:  # refused, timed out, cut short
            print(f"  export download failed: {error!r}", flush=True)
            errors += 1
            continue
        times.append(seconds)
        first_bytes.append(first_byte)
        sizes.append(size)
    ms = [t * 1000 for t in times]
    return {
        "requests": len(times),
        "errors": errors,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms, default=None),
        "first_byte_ms": percentile([t * 1000 for t in first_bytes], 50),
        "bytes": max(sizes, default=0),
        "mb_per_s": sum(sizes) / 1e6 / sum(times) if times else 0.0,
    }


def download(url):
    """(seconds to the last byte, seconds to the first byte, bytes) of one GET of `url`,
    read to the end as it streams. http.client raises IncompleteRead if it is cut short."""
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=EXPORT_TIMEOUT) as response:
        size = len(response.read(1))
        first_byte = time.perf_counter() - started
        while chunk := response.read(1 << 16):
            size += len(chunk)
    return time.perf_counter() - started, first_byte, size


def static_url():
    manifest = json.loads((servers.BASE_DIR / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def summary(result):
    return (
        f"{result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f}  p95 {result['p95_ms']:7.2f}  "
        f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}"
    )


def export_summary(result):
    if not result["requests"]:
        return f"no complete download ({result['errors']} failed)"
    return (
        f"{result['p50_ms'] / 1000:.2f} s per download (p50 of {result['requests']}; slowest "
        f"{result['max_ms'] / 1000:.2f} s)  first byte {result['first_byte_ms']:.1f} ms  "
        f"{result['bytes'] / 1e6:.1f} MB  {result['mb_per_s']:.1f} MB/s  errors {result['errors']}"
    )
