"""The cold measurement: each URL of the pool asked for once, one at a time, from the site
served as production does by one gunicorn worker that keeps no page, count or result
(MUSICDIR_CACHE=0 MUSICDIR_MEMO=0) but keeps the list's index (built once per data version:
organisations/index.py). Then, separately, the first list request after a write (the index is
built again, in the background), and the worker's memory."""

import http.client
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from devtools import servers
from devtools.bench import percentile, pool

SETTINGS = {
    "WEB_CONCURRENCY": "1",
    "MUSICDIR_CACHE": "0",
    "MUSICDIR_MEMO": "0",
    "MUSICDIR_KEEP_INDEX": "1",
}


# What a list page answered from the last index holds (organisation_list.html).
BEHIND = b"data-behind"
# Seconds to wait for the list's index to be built, at most.
BUILD_TIMEOUT = 600


class Client:
    """GET over one keep-alive connection (opened again if the server closes it), as the
    proxy in front of production does (X-Forwarded-Proto: https); http.client sends the Host
    the site allows (127.0.0.1:<port>)."""

    def __init__(self, base, timeout=120):
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.connection = None

    def get(self, path):
        """(status, seconds to the last byte of the body) of one GET of `path`."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:
            self.close()
        # A list page answered from the index before the last write, while it is rebuilt.
        self.behind = BEHIND in body
        return response.status, seconds

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def measure(env, database, urls, *, seed=1, writes=3):
    """Serve `database` (env: the benchmark's environment for it) and ask for every URL of
    `urls` ({variant: [URL]}) once, in an order shuffled with `seed`; then `writes` times, a
    write and the list twice (the first request waits a moment for the index to be built
    again, then answers from the last one), then until it answers from the new one. What it
    found: {"variants": {variant: {"times": [(url, ms)], "errors": [(url, status or error)]}},
     "warm_ms", "after_write_ms", "next_ms", "behind": [whether the first answered from the
     last index], "current_ms": [ms from the write to the new index], "rss_mb": {...}}."""
    asked = [(variant, url) for variant, some in urls.items() for url in some]
    random.Random(seed).shuffle(asked)  # drift, if any, shared by every variant
    found = {variant: {"times": [], "errors": []} for variant in urls}
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "gunicorn.log"
        with servers.gunicorn(env | SETTINGS, log) as base:
            worker = worker_pid(base)
            client = Client(base)
            rss = {"started": rss_mb(worker)}
            # The worker builds the list's index as it starts; until then the list answers
            # 503 (after waiting for it a moment). The time to the first list page.
            started = time.perf_counter()
            while client.get(pool.WARM[0])[0] != 200:
                assert time.perf_counter() - started < BUILD_TIMEOUT, "no index built"
            warm_ms = (time.perf_counter() - started) * 1000
            rss["index built"] = rss_mb(worker)
            for url in pool.WARM[1:]:
                client.get(url)
            for variant, url in asked:
                try:
                    status, seconds = client.get(url)
                except (OSError, http.client.HTTPException) as error:
                    found[variant]["errors"].append((url, repr(error)))
                    continue
                if status == 200:
                    found[variant]["times"].append((url, seconds * 1000))
                else:
                    found[variant]["errors"].append((url, status))
            rss["after the pool"] = rss_mb(worker)
            after_write, following, behind, current = [], [], [], []
            for _ in range(writes):
                database.write()
                written = time.perf_counter()
                after_write.append(client.get(pool.LIST)[1] * 1000)
                behind.append(client.behind)
                following.append(client.get(pool.LIST)[1] * 1000)
                # How long until the list answers from the new index (built in the background).
                while client.behind and time.perf_counter() - written < BUILD_TIMEOUT:
                    time.sleep(0.1)
                    client.get(pool.LIST)
                current.append((time.perf_counter() - written) * 1000)
            rss[f"after {writes} writes"] = rss_mb(worker)
            client.close()
        errors = log.read_text()  # gunicorn's warnings and errors, if any
    return {
        "variants": found,
        "warm_ms": warm_ms,
        "after_write_ms": after_write,
        "next_ms": following,
        "behind": behind,
        "current_ms": current,
        "rss_mb": rss,
        "log": errors,
    }


def summary(result):
    """{variant: (URLs answered, p50 ms, p95 ms, errors)}."""
    summaries = {}
    for variant, found in result["variants"].items():
        ms = [ms for _, ms in found["times"]]
        summaries[variant] = (len(ms), percentile(ms, 50), percentile(ms, 95), len(found["errors"]))
    return summaries


def slowest(result, count=3):
    """{variant: [(url, ms)]}: each variant's `count` slowest URLs, slowest first."""
    return {
        variant: sorted(found["times"], key=lambda timed: -timed[1])[:count]
        for variant, found in result["variants"].items()
    }


def worker_pid(base):
    """The pid of the one worker of the gunicorn listening at `base`: the child of the master
    this process started with GUNICORN_BIND at its port (devtools/servers.py)."""
    bind = f"GUNICORN_BIND=127.0.0.1:{urlsplit(base).port}".encode()
    masters = [pid for pid in _children(os.getpid()) if bind in _environ(pid)]
    if len(masters) != 1:
        raise RuntimeError(f"no single gunicorn master for {base}: {masters}")
    workers = servers.wait_for(lambda: _children(masters[0]), what="gunicorn's worker")
    if len(workers) != 1:
        raise RuntimeError(f"gunicorn at {base} has {len(workers)} workers, not one")
    return workers[0]


def rss_mb(pid):
    """The resident memory of the process `pid`, in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _children(parent):
    """The pids of `parent`'s child processes."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # it ended meanwhile
        if ppid == parent:
            children.append(int(stat.parent.name))
    return sorted(children)


def _environ(pid):
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return []
