"""The benchmark's settings: the site's own, with a URLconf that adds a reference page.

`python -m devtools.bench.run` serves the site with DJANGO_SETTINGS_MODULE set to this module,
so the site's own URLs never hold a page that exists only for the benchmark.
"""

from musicdir.settings import *  # noqa: F403

ROOT_URLCONF = "devtools.bench.urls"
