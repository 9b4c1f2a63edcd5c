"""The benchmark: musicdir under gunicorn on loopback, at several sizes, on PostgreSQL and SQLite.

    python -m devtools.bench.run [--sizes 10000,100000] [--databases postgresql,sqlite]

For each database and size it fills the database with the real directory plus synthetic
organisations (devtools/synthetic.py), serves it as production does (devtools/servers.py:
gunicorn with musicdir/gunicorn.py, debug off, with devtools/bench/settings.py: the site's own
settings plus a hello-world view) and measures:

- cold (cold.py): a pool of distinct URLs (pool.py: deep pages, 1 to 3 filters, any sort,
  searches for common words, rare words and misspellings, a search and a filter, detail
  pages, type-ahead), drawn with a fixed seed, each asked for once from one worker that keeps
  no page, count or result, only the list's index (built once per data version); p50 and p95
  per variant. Then the first list request after a write (it builds the index again) and the
  worker's memory before and after the index is built;
- cached (cached.py): a few pages repeated by wrk over several connections, side by side with
  a static file and a hello-world view served by the same gunicorn; and the whole CSV export,
  downloaded again and again;
- the peak memory a process grows by while streaming the export (export_memory.py), the
  list's index (index_size.py: its arrays' size, the time to build it) and what EXPLAIN says
  the list's queries use (explain.py).

It writes devtools/bench/results.md (report.py) after each measurement, so an interrupted run
keeps what it measured, and with --readme the tables into README.md. Needs wrk (Debian's
`wrk`; `make bench` installs it) and PostgreSQL unless only SQLite is measured (SQLite's
database is a file in a temporary directory unless --sqlite names one).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from devtools import servers
from devtools.bench import cached, cold, report
from devtools.bench.databases import Database

HERE = Path(__file__).resolve().parent
DATABASES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
DEFAULT_POSTGRESQL = "postgres://postgres@127.0.0.1:5432/musicdir_bench"
# Above this size SQLite is measured only when asked for by name (--databases sqlite).
SQLITE_BY_DEFAULT_UP_TO = 100_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="organisations, comma-separated")
    parser.add_argument(
        "--databases",
        help="postgresql, sqlite or both (the default; SQLite only up to "
        f"{SQLITE_BY_DEFAULT_UP_TO:,} organisations unless named)",
    )
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRESQL),
        help="the PostgreSQL database (created if missing; its data replaced)",
    )
    parser.add_argument("--sqlite", type=Path, help="the SQLite file (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=1, help="the pool's random seed")
    parser.add_argument("--per-variant", type=int, default=50, help="URLs per variant")
    parser.add_argument("--writes", type=int, default=3, help="writes, each then a list request")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk measurement")
    parser.add_argument("--connections", type=int, default=8, help="wrk's, cached")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's, cached")
    parser.add_argument(
        "--export-downloads",
        type=int,
        default=3,
        help="complete downloads of the CSV export timed at least (more while --duration lasts)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--readme", action="store_true", help="write the tables into README.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (or run `make bench`).")
    sizes = [int(size) for size in args.sizes.split(",")]
    chosen = (args.databases or ",".join(DATABASES)).lower().split(",")
    if unknown := set(chosen) - set(DATABASES):
        sys.exit(f"--databases: {', '.join(sorted(unknown))}? Choose from postgresql, sqlite.")
    names = [DATABASES[key] for key in DATABASES if key in chosen]

    sections = {size: {} for size in sizes}
    with tempfile.TemporaryDirectory(prefix="musicdir-bench-") as directory:
        urls = {
            "PostgreSQL": args.postgresql,
            "SQLite": f"sqlite:///{(args.sqlite or Path(directory) / 'bench.sqlite3').resolve()}",
        }
        for name in names:
            database = Database(name, urls[name])
            env = environment(database.url)
            print(f"\n# {name}: {database.url}", flush=True)
            database.prepare(env)
            for size in sizes:
                if database.sqlite and size > SQLITE_BY_DEFAULT_UP_TO and not args.databases:
                    print(f"SQLite at {size:,}: not measured (ask: --databases sqlite)")
                    continue
                sections[size][name] = measure(database, env, size, args)
                args.output.write_text(report.render(sections, names, args), encoding="utf-8")

    text = report.render(sections, names, args)
    args.output.write_text(text, encoding="utf-8")
    print(f"\n{report.tables(sections, names)}\nWritten to {args.output}.")
    if args.readme:
        report.write_readme(servers.BASE_DIR / "README.md", report.tables(sections, names))
        print("And into README.md.")


def environment(database_url):
    """The benchmark's environment: production's, with its settings and the database; gunicorn
    as `make serve` runs it, but for measuring: no access log, warnings only, time for the
    whole export at 100,000, and workers never replaced mid-measurement."""
    return servers.production_env(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="devtools.bench.settings",
        GUNICORN_TIMEOUT="120",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_LOG_LEVEL="warning",
    )


def measure(database, env, size, args):
    """What the benchmark finds on `database` filled to `size` organisations."""
    generated = database.fill(env, size)
    print(f"\n## {database.name}, {size:,} organisations (data ready in {generated:.1f} s)")
    drawn = json.loads(
        script(env, "pool", "--seed", str(args.seed), "--per-variant", str(args.per_variant))
    )
    found = cold.measure(env, database, drawn["pool"], seed=args.seed, writes=args.writes)
    for variant, (answered, p50, p95, errors) in cold.summary(found).items():
        print(
            f"  cold    {variant:30} {answered:3} URLs  p50 {report.ms(p50):>9}  "
            f"p95 {report.ms(p95):>9}  errors {errors}",
            flush=True,
        )
    print(
        f"  after a write: {', '.join(report.ms(t) for t in found['after_write_ms'])}; "
        f"the worker's memory: {found['rss_mb']}",
        flush=True,
    )
    repeated = cached.measure(
        env,
        workers=args.workers,
        connections=args.connections,
        duration=args.duration,
        export_downloads=args.export_downloads,
    )
    return {
        "generated_s": generated,
        "pages": drawn["pages"],
        "cold": found,
        "cached": repeated,
        "export_memory_mb": json.loads(script(env, "export_memory")),
        "index": json.loads(script(env, "index_size")),
        "explain": script(env, "explain"),
    }


def script(env, name, *args):
    """What the module devtools.bench.`name`, run with the benchmark's environment, prints."""
    command = [sys.executable, "-m", f"devtools.bench.{name}", *args]
    return subprocess.run(
        command, cwd=servers.BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout


if __name__ == "__main__":
    main()
