"""The project's own tools, outside the site: the site depends on none of this.

- servers.py: start the site as production serves it (gunicorn with musicdir/gunicorn.py) on
  a free loopback port; the tests, the load test, the benchmark and Lighthouse all use it.
- synthetic.py, and the commands generate_synthetic and remove_synthetic
  (management/commands/): synthetic organisations for measuring the site at scale. Listed in
  INSTALLED_APPS for those commands only: no models, no URLs.
- loadtest.py: `make loadtest` (`python -m devtools.loadtest`).
- bench/: `make bench` (`python -m devtools.bench.run`), with its results.
- lighthouse/: `make lighthouse` (`python -m devtools.lighthouse.run`).
"""
