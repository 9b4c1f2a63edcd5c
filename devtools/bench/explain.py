"""EXPLAIN the FilterSet's queries (filters and search: what the exports and the API ask; the
list counts and pages from its index) on the benchmark's database, and say which indexes each
uses. Run by devtools/bench/run.py at each size; prints Markdown."""

import os
import re

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "musicdir.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402

from organisations.filters import OrganisationFilter  # noqa: E402
from organisations.models import Organisation  # noqa: E402

STATES = {
    "filtered (kind, scope)": "kind=national-association&scope=england",
    "searched": "q=music+hub",
    # Matching a quarter of the directory, the search above is rightly a sequential scan;
    # a search for something rarer uses the GIN index.
    "searched, rarer words": "q=lottery",
    "filtered + searched": "q=music&kind=national-association",
}


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def indexes(text):
    found = re.findall(r"Index (?:Only )?Scan (?:Backward )?(?:using|on) (\w+)", text)
    found += re.findall(r"USING (?:COVERING )?INDEX (\w+)", text)  # SQLite
    found += ["the full-text index"] * ("VIRTUAL TABLE INDEX" in text)
    found = sorted(set(found))
    return ", ".join(found) or "none (sequential scan)"


def main():
    print("| query | indexes used |")
    print("| --- | --- |")
    for label, query in STATES.items():
        filterset = OrganisationFilter(QueryDict(query), queryset=Organisation.objects.all())
        assert filterset.is_valid(), filterset.errors
        print(f"| list, {label} | {indexes(plan(filterset.qs))} |")


if __name__ == "__main__":
    main()
