"""Build the list's index (organisations/index.py) in this process, as a worker does after a
write; print, as JSON, how long that took and what its arrays hold, in MB. Run by
devtools/bench/run.py with the benchmark's environment."""

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "musicdir.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from organisations.index import Index  # noqa: E402


def nbytes(value):
    """The bytes of the numpy arrays in `value`, however nested in tuples, lists and dicts."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple | list):
        return sum(nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    return 0


Index("default")  # connect and load the code first
started = time.perf_counter()
index = Index("default")
seconds = time.perf_counter() - started
print(json.dumps({"build_s": seconds, "arrays_mb": nbytes(vars(index)) / 1e6}))
