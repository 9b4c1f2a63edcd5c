"""Stream the whole CSV export through Django in this process; print how much its peak memory
(max RSS) grew, in MB (and, on stderr, its size and how long it took). Run by devtools/bench/run.py
with the benchmark's environment."""

import json
import os
import resource
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "musicdir.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
client.get("/organisations/?q=warm")  # import and connect before measuring
before = peak_mb()
started = time.perf_counter()
response = client.get("/organisations/export.csv")
size = sum(len(chunk) for chunk in response.streaming_content)
print(json.dumps(peak_mb() - before))
print(f"streamed {size / 1e6:.1f} MB in {time.perf_counter() - started:.2f} s", file=sys.stderr)
