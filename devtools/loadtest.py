"""Load test: gunicorn on loopback, driven by concurrent clients for a bounded time.

    python -m devtools.loadtest --duration 30 --clients 8          # or: make loadtest

It prepares a database (a throwaway SQLite file, or --database-url, which it migrates and
seeds with the directory if empty), collects the static files, starts the site as production
serves it (devtools/servers.py: gunicorn from musicdir/gunicorn.py, debug off) and waits until
/readyz answers. Then
each client sends requests back to back, a mix of list pages (filters, sorts, pages), searches,
organisation pages, exports (CSV and JSON) and comparisons, until the time or the request
budget is spent. Every request must answer 200 with a body, through the proxy's
`X-Forwarded-Proto: https`, and name no server version.

It reports the number of requests, the errors and latency percentiles, overall and by kind,
and the workers' memory at each tenth of the run (a soak shows whether it grows), and exits 1
if there was any error. Standard library only.
"""

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

from devtools import servers

KINDS = ["international-society", "national-association", "membership-body", "alliance"]
SCOPES = ["international", "uk", "england"]
SORTS = ["name", "-name", "founded", "-founded"]
WORDS = [
    "music",
    "education",
    "ISME",
    "inclusion",
    "teachers",
    "hubs",
    "research",
    "network",
    "young people",
    "musik",  # a typo (corrected on PostgreSQL)
    "conservatoire",
    "advocacy",
]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds (default 30)")
    parser.add_argument(
        "--requests", type=int, default=100_000, help="stop after this many (default 100000)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: as in production)"
    )
    parser.add_argument(
        "--database-url",
        help="a database to use (migrated, and seeded if it has no organisations); "
        "default: a throwaway SQLite file",
    )
    parser.add_argument(
        "--url", help="drive this running server instead of starting one (e.g. a staging site)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed, for a rerun")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser.parse_args()


# --- The server -------------------------------------------------------------------------------


@contextlib.contextmanager
def server(options):
    """Prepare a database and static files, start gunicorn, yield its base URL and its log."""
    with tempfile.TemporaryDirectory(prefix="musicdir-loadtest-") as directory:
        directory = Path(directory)
        env = servers.production_env(
            DATABASE_URL=options.database_url or f"sqlite:///{directory / 'db.sqlite3'}",
            DJANGO_STATIC_ROOT=str(directory / "static"),
            GUNICORN_ACCESS_LOG="",
            GUNICORN_THREADS=str(options.threads) if options.threads else None,
            WEB_CONCURRENCY=str(options.workers) if options.workers else None,
        )
        say("Preparing the database and static files...")
        servers.prepare(env)
        log = directory / "gunicorn.log"
        with servers.gunicorn(env, log) as base:
            workers = len(worker_pids(log))
            threads = f", {options.threads} thread(s) each" if options.threads else ""
            say(f"gunicorn on {base}: {workers} workers{threads}.")
            yield base, log


def worker_pids(log):
    """The process ids of gunicorn's workers, as its log announces them."""
    return [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", log.read_text())]


def resident_mib(pid):
    """How much memory process `pid` holds (its resident set, in MiB), or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # ended, or not Linux
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(match[1]) / 1024, 1) if match else None


class Memory:
    """The workers' memory, sampled at each tenth of the run: a soak shows whether it grows."""

    def __init__(self, log):
        self.pids = worker_pids(log) if log is not None else []
        self.samples = []  # (seconds into the run, {pid: MiB})

    def sample(self, at):
        sizes = {pid: resident_mib(pid) for pid in self.pids}
        self.samples.append((round(at), {p: s for p, s in sizes.items() if s is not None}))

    def watch(self, started, stop_at, stopped):
        """Sample at each tenth of the run until its end (sampled by the caller)."""
        step = (stop_at - started) / 10
        for _ in range(9):
            if stopped.wait(step):
                return
            self.sample(time.monotonic() - started)

    def total(self, sizes):
        return round(sum(sizes.values()), 1)

    def report(self):
        """Each sample's time, all workers' memory and the largest worker's; None if none."""
        if not self.samples or not any(sizes for _, sizes in self.samples):
            return None
        return [
            {"at_s": at, "total_mib": self.total(sizes), "largest_worker_mib": max(sizes.values())}
            for at, sizes in self.samples
            if sizes
        ]


# --- The clients ------------------------------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Encoding": "identity"}


def get(base, path, connection=None):
    """(status, headers, body) of GET `path`; reuses `connection` if given."""
    own = connection is None
    if own:
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", path, headers=PROXY_HEADERS)
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        if own:
            connection.close()


class Mix:
    """The requests a visitor makes, with their share of the load."""

    def __init__(self, slugs, rng):
        self.slugs = slugs
        self.rng = rng
        self.kinds = [
            ("list", 25, self.list_page),
            ("search", 30, self.search),
            ("detail", 25, self.detail),
            ("export", 12, self.export),
            ("compare", 8, self.compare),
        ]

    def next(self):
        kinds = self.kinds
        name, _, make = self.rng.choices(kinds, weights=[w for _, w, _ in kinds])[0]
        return name, make()

    def list_page(self):
        rng = self.rng
        params = []
        if rng.random() < 0.5:
            params += [("kind", k) for k in rng.sample(KINDS, rng.randint(1, 2))]
        if rng.random() < 0.3:
            params.append(("scope", rng.choice(SCOPES)))
        if rng.random() < 0.3:
            params.append(("sort", rng.choice(SORTS)))
        if rng.random() < 0.1:
            params.append(("status", "all"))
        return "/organisations/" + (f"?{urlencode(params)}" if params else "")

    def search(self):
        words = " ".join(self.rng.sample(WORDS, self.rng.choice([1, 1, 2])))
        return f"/organisations/?{urlencode({'q': words})}"

    def detail(self):
        return f"/organisations/{self.rng.choice(self.slugs)}/"

    def export(self):
        fmt = self.rng.choice(["csv", "json"])
        query = {"q": self.rng.choice(WORDS)} if self.rng.random() < 0.5 else {}
        return f"/organisations/export.{fmt}" + (f"?{urlencode(query)}" if query else "")

    def compare(self):
        chosen = self.rng.sample(self.slugs, self.rng.randint(2, min(4, len(self.slugs))))
        return f"/organisations/compare/?{urlencode([('o', s) for s in chosen])}"


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # kind -> seconds
        self.errors = []  # (kind, path, what)
        self.count = 0

    def record(self, kind, path, seconds, error):
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append((kind, path, error))

    def take(self, budget):
        with self.lock:
            if self.count >= budget:
                return False
            self.count += 1
            return True


def check(status, headers, body):
    """What is wrong with a response, or None."""
    if status != 200:
        return f"status {status}"
    if not body:
        return "empty body"
    server_header = headers.get("Server", "")
    if re.search(r"\d", server_header) or "/" in server_header:
        return f"Server header names a version: {server_header!r}"
    return None


def client(base, mix, results, stop_at, budget):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    while time.monotonic() < stop_at and results.take(budget):
        kind, path = mix.next()
        started = time.perf_counter()
        try:
            error = check(*get(base, path, connection))
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
        results.record(kind, path, time.perf_counter() - started, error)
    connection.close()


# --- The report -------------------------------------------------------------------------------


def percentile(values, p):
    """The p-th percentile (nearest rank) of sorted `values`."""
    if not values:
        return 0.0
    rank = math.ceil(p * len(values) / 100)  # 1-based
    return values[min(max(rank, 1), len(values)) - 1]


def summary(latencies):
    values = sorted(latencies)
    return {
        "requests": len(values),
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else 0.0,
        **{f"p{p}_ms": round(percentile(values, p) * 1000, 1) for p in (50, 90, 95, 99)},
        "max_ms": round(values[-1] * 1000, 1) if values else 0.0,
    }


def report(results, elapsed, options, log, load, memory):
    every = [s for values in results.latencies.values() for s in values]
    rows = {"all": summary(every)}
    rows.update({kind: summary(v) for kind, v in sorted(results.latencies.items())})
    errors_by_kind = defaultdict(int)
    for kind, _, _ in results.errors:
        errors_by_kind[kind] += 1
    data = {
        "duration_s": round(elapsed, 1),
        "clients": options.clients,
        "requests": len(every),
        "errors": len(results.errors),
        "requests_per_s": round(len(every) / elapsed, 1) if elapsed else 0.0,
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in load],
        "by_kind": {
            kind: {**row, "errors": len(results.errors) if kind == "all" else errors_by_kind[kind]}
            for kind, row in rows.items()
        },
        "first_errors": [f"{k} {p}: {e}" for k, p, e in results.errors[:10]],
        "worker_memory": memory.report(),
    }
    if log is not None:
        text = log.read_text(errors="replace")
        data["server_errors_logged"] = text.count("Traceback") + text.count("[CRITICAL]")
    if options.json:
        print(json.dumps(data, indent=2))
        return data
    print(
        f"\n{data['requests']} requests in {data['duration_s']} s from {options.clients} "
        f"clients: {data['requests_per_s']} requests/s, {data['errors']} errors."
        f"\n({data['cpus']} CPUs; load average {data['load_average'][0]} before the run, "
        f"{data['load_average'][1]} at its end.)"
    )
    print("\n| kind | requests | errors | mean ms | p50 | p90 | p95 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, row in data["by_kind"].items():
        print(
            f"| {kind} | {row['requests']} | {row['errors']} | {row['mean_ms']} | "
            f"{row['p50_ms']} | {row['p90_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
            f"{row['max_ms']} |"
        )
    if data["worker_memory"]:
        print("\nWorkers' memory (resident, MiB), from the start of the run to its end:")
        print("| seconds in | all workers | largest worker |")
        print("| ---: | ---: | ---: |")
        for row in data["worker_memory"]:
            print(f"| {row['at_s']} | {row['total_mib']} | {row['largest_worker_mib']} |")
    for line in data["first_errors"]:
        print(f"error: {line}")
    if data.get("server_errors_logged"):
        print(f"gunicorn's log has {data['server_errors_logged']} tracebacks or critical errors.")
    return data


def say(message):
    print(message, file=sys.stderr, flush=True)


def run(options, base, log):
    rng = random.Random(options.seed)
    status, _, body = get(base, "/organisations/export.json")
    if status != 200:
        sys.exit(f"cannot list the organisations: /organisations/export.json gave {status}")
    slugs = [org["slug"] for org in json.loads(body)["organisations"]]
    if len(slugs) < 2:
        sys.exit("the directory needs at least two organisations to compare")
    results = Results()
    say(
        f"{options.clients} clients for {options.duration:g} s "
        f"(at most {options.requests} requests), {len(slugs)} organisations..."
    )
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    stop_at = started + options.duration
    memory = Memory(log)
    memory.sample(0)
    stopped = threading.Event()
    watcher = threading.Thread(target=memory.watch, args=(started, stop_at, stopped), daemon=True)
    watcher.start()
    threads = []
    for _ in range(options.clients):
        mix = Mix(slugs, random.Random(rng.random()))
        args = (base, mix, results, stop_at, options.requests)
        threads.append(threading.Thread(target=client, args=args))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stopped.set()
    memory.sample(time.monotonic() - started)
    load = (load_before, os.getloadavg()[0])
    data = report(results, time.monotonic() - started, options, log, load, memory)
    return data["errors"] == 0 and not data.get("server_errors_logged")


def main():
    options = arguments()
    if options.url:
        ok = run(options, options.url.rstrip("/"), None)
    else:
        try:
            with server(options) as (base, log):
                ok = run(options, base, log)
        except (RuntimeError, TimeoutError) as error:  # the site would not start
            sys.exit(str(error))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
