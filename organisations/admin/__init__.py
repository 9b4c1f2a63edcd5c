"""The directory's admin, where editors keep it current (README.md, "Load, edit, export").

- base.py: what every page shares (changes reach the site and the history; error summaries);
- organisations.py: an organisation's page, its records inline, its history and restoring it;
- records.py: records on their own, sources, people, tags;
- suggestions.py: moderating readers' suggestions, and accepting one by editing.
"""

from django.contrib import admin

from . import organisations, records, suggestions  # noqa: F401 (they register the pages)

admin.site.site_header = "musicdir: keeping the directory"
admin.site.site_title = "musicdir editors"
admin.site.index_title = "The directory"
# The front page counts the open suggestions (templates/admin/musicdir_index.html).
admin.site.index_template = "admin/musicdir_index.html"
