"""The benchmark (`make bench`), driven by run.py:

- pool.py draws the URLs measured cold, distinct, with a fixed seed;
- databases.py makes, fills and writes to each database measured (PostgreSQL, SQLite);
- cold.py asks for each URL of the pool once, from one gunicorn worker, and times the first
  request after a write and the worker's memory;
- cached.py measures repeated URLs with wrk (report.lua) beside a static file and a
  hello-world view, and downloads the CSV export;
- report.py writes results.md (and the README's table, when asked);
- settings.py and urls.py serve the site with the hello-world view; pool.py, explain.py,
  export_memory.py and index_size.py run in the benchmark's environment.
"""

HELLO = "bench/hello/"  # the reference view's path


def percentile(values, p):
    """The nearest-rank `p`th percentile of `values` (None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]
