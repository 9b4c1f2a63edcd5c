"""The benchmark (`make bench`): run.py drives it; settings.py and urls.py serve the site with a
hello-world reference view; explain.py and export_memory.py run in its environment;
report.lua is wrk's report; results.md holds the latest run's tables."""

HELLO = "bench/hello/"  # the reference view's path
