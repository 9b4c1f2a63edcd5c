"""The benchmark: musicdir under gunicorn on loopback, driven by wrk, at several sizes.

    python -m devtools.bench.run [--sizes 100,10000,100000] [--duration 8] [--database-url URL]

For each size it fills a database (PostgreSQL, or SQLite with --database-url sqlite:///FILE)
with the real directory plus synthetic
organisations, serves it as production does (devtools/servers.py: gunicorn with
musicdir/gunicorn.py, debug off) with the benchmark's settings (devtools/bench/settings.py:
the site's own, plus the hello-world view), and measures with wrk:

- every page cold (nothing kept between requests) and uncached (no page cache, but facet and
  result counts kept per data version), one connection at a time: p50 is the server time plus
  loopback;
- every page with the page cache, several connections: throughput and latency;
- two references in the same run: a hello-world Django view and a static file served by the
  same gunicorn and whitenoise; each page's throughput is shown as a ratio to them;
- the CSV export of everything, downloaded whole again and again (not with wrk: one download
  of 100,000 organisations outlasts wrk's window): seconds per complete download, MB/s, time
  to the first byte; and the peak memory it costs a process to stream it.

It prints a Markdown table and writes it to devtools/bench/results.md. Needs wrk (Debian's
`wrk`) and PostgreSQL (unless measuring SQLite); `make bench` installs wrk if it is missing.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from devtools import bench, servers

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/musicdir_bench"

PAGES = {
    "list": "/organisations/",
    "list, filtered": "/organisations/?kind=national-association&scope=england",
    "list, searched": "/organisations/?q=music+hub",
    "list, filtered + searched": "/organisations/?q=music&kind=national-association",
    "list, searched, rarer words": "/organisations/?q=choir+eastbrook",
    "list, searched with a typo": "/organisations/?q=musik+hubb",
    "list, searched past the stem": "/organisations/?q=educational",
    "type-ahead": "/organisations/suggest.json?q=mus",
    "type-ahead, longer": "/organisations/suggest.json?q=eastbrook+choir",
    "detail": "/organisations/isme/",
    "comparison": "/organisations/compare/?o=isme&o=amie&o=music-mark",
}
EXPORT = "/organisations/export.csv"
EXPORT_TIMEOUT = 110  # seconds: under GUNICORN_TIMEOUT, which would kill a longer download
HELLO = f"/{bench.HELLO}"  # the reference view (devtools/bench/urls.py)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--export-downloads",
        type=int,
        default=3,
        help="complete downloads of the CSV export timed at least (more while --duration lasts)",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (or run `make bench`).")

    env = servers.production_env(
        DATABASE_URL=args.database_url or DEFAULT_DATABASE_URL,
        DJANGO_SETTINGS_MODULE="devtools.bench.settings",
        # gunicorn as `make serve` runs it, but for measuring: no access log, warnings only,
        # time for the whole export at 100,000, and workers never replaced mid-measurement.
        WEB_CONCURRENCY=str(args.workers),
        GUNICORN_TIMEOUT="120",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_LOG_LEVEL="warning",
    )
    create_database(env["DATABASE_URL"])
    servers.prepare(env, load=False)
    manage(env, "remove_synthetic", "--verbosity", "0")
    manage(env, "loaddata", "organisations", "--verbosity", "0")
    static = static_url()

    sections = []
    for size in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        manage(env, "remove_synthetic", "--verbosity", "0")
        if size > 10:
            manage(env, "generate_synthetic", str(size - 10), "--verbosity", "0")
        generated = time.perf_counter() - started
        vacuum(env["DATABASE_URL"])  # fresh statistics, no dead rows left by the last size
        print(f"\n## {size} organisations (data ready in {generated:.1f} s)", flush=True)
        sections.append(measure_size(env, size, static, args) | {"generated_s": generated})

    report = render(sections, args)
    print(report)
    args.output.write_text(report, encoding="utf-8")


# How each page is measured: its environment, and the connections wrk opens.
MODES = {
    # Nothing kept between requests: every request builds the page from the database.
    "cold": ({"MUSICDIR_CACHE": "0", "MUSICDIR_MEMO": "0"}, 1),
    # No page cache, but facet counts, result counts and filter choices kept once per data
    # version (organisations/cache.py `memoised`): another page or sort of the same results.
    "uncached": ({"MUSICDIR_CACHE": "0", "MUSICDIR_MEMO": "1"}, 1),
    # As in production: whole pages cached, several connections at once.
    "cached": ({"MUSICDIR_CACHE": "1", "MUSICDIR_MEMO": "1"}, None),
}


def measure_size(env, size, static, args):
    rows = {}
    for mode, (settings, connections) in MODES.items():
        with tempfile.TemporaryDirectory() as directory:
            log = Path(directory) / "gunicorn.log"
            with servers.gunicorn(env | settings, log) as base:
                paths = {**PAGES, "hello-world view": HELLO, "static file": static}
                for name, path in paths.items():
                    warm(base + path)
                    if mode != "cold":
                        # Several connections at once, so every worker has what it keeps
                        # (each keeps its own unless REDIS_URL is set): a warm site's figures.
                        wrk(base + path, 1, args.connections)
                    result = wrk(base + path, args.duration, connections or args.connections)
                    rows.setdefault(name, {})[mode] = result
                    print(f"{name:28} {mode:8} {summary(result)}")
                if mode == "cold":
                    export = downloads(base + EXPORT, args.export_downloads, args.duration)
                    rows["CSV export (all)"] = {"cold": export}
                    print(f"{'CSV export (all)':28} cold     {export_summary(export)}")
            print(log.read_text(), end="")  # gunicorn's warnings and errors, if any
    memory = export_memory(env)
    explain = script(env, "explain")
    return {"size": size, "rows": rows, "export_memory_mb": memory, "explain": explain}


def wrk(url, duration, connections):
    command = [
        "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
        "-s", str(HERE / "report.lua"), url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def downloads(url, at_least, duration):
    """Download `url` whole, one download at a time, `at_least` times and for at least
    `duration` seconds, after one untimed download to warm up: a result like wrk's (each
    download's latency is the time to its last byte), plus the size, MB/s and the median time
    to the first byte. A failed or cut-short download counts as an error, not a time."""
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
    elapsed = time.perf_counter() - started
    ms = [t * 1000 for t in times]
    return {
        "requests": len(times),
        "seconds": elapsed,
        "rps": len(times) / elapsed,
        "errors": errors,
        "non_2xx": 0,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
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


def percentile(values, p):
    """The nearest-rank `p`th percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


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


def export_memory(env):
    """Peak memory (MB) a process grows by while streaming the whole CSV export."""
    return json.loads(script(env, "export_memory"))


def script(env, name):
    """What the module devtools.bench.`name`, run with the benchmark's environment, prints."""
    command = [PYTHON, "-m", f"devtools.bench.{name}"]
    return subprocess.run(
        command, cwd=servers.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout


def manage(env, *args):
    servers.manage(*args, env=env, timeout=None)


def create_database(url):
    if url.startswith("sqlite:"):
        return  # migrate creates the file
    import psycopg

    match = re.match(r"postgres(?:ql)?://(?P<server>[^/]+)/(?P<name>\w+)$", url)
    if not match:
        sys.exit(f"--database-url must be postgres://user@host:port/name, not {url}")
    with psycopg.connect(f"postgres://{match['server']}/postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [match["name"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{match["name"]}"')


def vacuum(url):
    if url.startswith("sqlite:"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            conn.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def static_url():
    manifest = json.loads((servers.BASE_DIR / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def engine(args):
    url = args.database_url or DEFAULT_DATABASE_URL
    return "SQLite" if url.startswith("sqlite:") else "PostgreSQL"


def export_summary(result):
    return (
        f"{duration_text(result['p50_ms'])} per download (p50 of {result['requests']}; slowest "
        f"{duration_text(result['p99_ms'])})  first byte {duration_text(result['first_byte_ms'])}  "
        f"{size_text(result['bytes'])}  {result['mb_per_s']:.1f} MB/s  errors {result['errors']}"
    )


def duration_text(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def size_text(size):
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def summary(result):
    return (
        f"{result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f}  p95 {result['p95_ms']:7.2f}  "
        f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}"
    )


def render(sections, args):
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {engine(args)}, "
        f"gunicorn with {args.workers} sync workers, wrk on loopback, "
        f"{args.duration} s per measurement. "
        "Cold: one connection, nothing kept between requests (MUSICDIR_CACHE=0 "
        "MUSICDIR_MEMO=0), so p50 is the server time plus loopback. Uncached: one connection, "
        "no page cache, facet and result counts kept once per data version (MUSICDIR_MEMO=1), "
        "as for another page or sort of the same results. Cached: "
        f"{args.connections} connections, as in production.",
        "",
    ]
    for section in sections:
        rows = section["rows"]
        hello = rows["hello-world view"]["cached"]["rps"]
        static = rows["static file"]["cached"]["rps"]
        export = rows.get("CSV export (all)", {}).get("cold")
        exported = (
            f"The whole CSV export ({size_text(export['bytes'])}) took "
            f"{duration_text(export['p50_ms'])} per complete download (median of "
            f"{export['requests']}; {export['mb_per_s']:.1f} MB/s; first byte after "
            f"{duration_text(export['first_byte_ms'])}); streaming it "
            if export and export["requests"]
            else "No complete download of the CSV export; streaming it "
        )
        lines += [
            f"## {section['size']:,} organisations",
            "",
            f"Data generated in {section['generated_s']:.1f} s. {exported}"
            f"grew a process's peak memory by {section['export_memory_mb']:.1f} MB.",
            "",
            "| page | cold p50 | cold p95 | uncached p50 | uncached p95 | cached req/s | "
            "cached p50 | cached p95 | cached p99 | ÷ hello | ÷ static | errors |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, result in rows.items():
            # A measurement in which no request finished in time has no latencies to show.
            co, un, ca = (result.get(mode) for mode in MODES)
            co = co if co and co["requests"] else None
            un = un if un and un["requests"] else None
            ca = ca if ca and ca["requests"] else None
            errors = sum(r["errors"] for r in result.values())
            cells = [
                f"{co['p50_ms']:.1f} ms" if co else "none in time",
                f"{co['p95_ms']:.1f} ms" if co else "",
                f"{un['p50_ms']:.1f} ms" if un else "",
                f"{un['p95_ms']:.1f} ms" if un else "",
                f"{ca['rps']:.0f}" if ca else (f"({co['rps']:.1f})" if co else ""),
                f"{ca['p50_ms']:.1f} ms" if ca else "",
                f"{ca['p95_ms']:.1f} ms" if ca else "",
                f"{ca['p99_ms']:.1f} ms" if ca else "",
                f"{ca['rps'] / hello:.0%}" if ca else "",
                f"{ca['rps'] / static:.0%}" if ca else "",
                str(errors),
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += [
            "",
            f"What {engine(args)}'s EXPLAIN says the list's queries use:",
            "",
            section["explain"],
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
