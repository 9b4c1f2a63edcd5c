"""Load the UK's current local authorities, with their GSS codes and the county, combined
authority, region and nation each lies within, from mySociety's published list.

The file: "UK Local Authority Names and Codes", `uk_local_authorities_current.csv`, from
https://github.com/mysociety/uk_local_authority_names_and_codes (CC BY 4.0, attribution
mySociety; compiled from ONS and other official registers under the Open Government Licence).
Loading it again updates what changed and adds nothing twice; a file that is not that list
fails naming the file and the row, and changes nothing.
"""

import csv
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from organisations import progress
from organisations.models import Area, DataVersion

COLUMNS = [
    "local-authority-code",
    "official-name",
    "nice-name",
    "gss-code",
    "nation",
    "region",
    "local-authority-type-name",
    "county-la",
    "combined-authority",
    "alt-names",
    "current-authority",
]

# Authorities that others lie within (two-tier counties; combined authorities; the Greater
# London Authority), as opposed to the local authorities people live in.
ABOVE_LOCAL = {"County", "Combined authority", "Strategic Regional Authority"}

GSS_CODE = re.compile(r"^[EKNSW]\d{8}$")


class Command(BaseCommand):
    help = (
        "Load the UK's current local authorities (GSS codes, names, and the county, combined "
        "authority, region or nation each lies within) from mySociety's "
        "uk_local_authorities_current.csv. Run again to update."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="uk_local_authorities_current.csv")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, file, database, verbosity, **options):
        rows = _read(file)
        places = {
            area.name: area
            for area in Area.objects.using(database).exclude(
                kind__in=[Area.Kind.COUNTY, Area.Kind.LOCAL_AUTHORITY]
            )
        }
        with progress.shown(self.stdout, verbosity), transaction.atomic(using=database):
            by_code = {}  # mySociety's three-letter code -> Area
            for line, row in progress.bar(rows, desc="Local authorities", unit=" areas"):
                kind = (
                    Area.Kind.COUNTY
                    if row["local-authority-type-name"] in ABOVE_LOCAL
                    else Area.Kind.LOCAL_AUTHORITY
                )
                area, _ = Area.objects.using(database).update_or_create(
                    code=row["gss-code"],
                    defaults={
                        "name": row["nice-name"],
                        "kind": kind,
                        "other_names": _other_names(row),
                    },
                )
                by_code[row["local-authority-code"]] = (line, row, area)
            for line, row, area in by_code.values():
                area.within.set(_within(file, line, row, by_code, places))
            # The list's choice of areas is kept once per data version: a new one is offered.
            DataVersion.bump(using=database)
        if verbosity:
            self.stdout.write(f"Loaded {len(rows)} current local authorities from {file.name}.")


def _read(path):
    """[(line number, row)] of the file's current authorities; CommandError naming the file
    and the row if it is not the list."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(
                    f"{path}: not mySociety's list of local authorities: no column "
                    f"{', '.join(missing)}."
                )
            rows = [(n, row) for n, row in enumerate(reader, start=2)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"{path}: {error}") from error
    current = [(n, row) for n, row in rows if row["current-authority"] == "True"]
    for n, row in current:
        if not GSS_CODE.match(row["gss-code"]):
            raise CommandError(
                f"{path}, row {n} ({row['nice-name']}): {row['gss-code']!r} is not a GSS code."
            )
        if not row["nice-name"].strip():
            raise CommandError(f"{path}, row {n}: no name.")
    return current


def _other_names(row):
    """The official name and the list's other spellings, once each, not the name itself."""
    names = [row["official-name"], *row["alt-names"].split(",")]
    seen = {row["nice-name"].casefold()}
    kept = []
    for name in (name.strip() for name in names):
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return "\n".join(kept)


def _within(path, line, row, by_code, places):
    """The areas a row's authority lies directly within: its county and combined authority
    if it has them, else its English region, else its nation."""
    parents = [by_code[code][2] for code in (row["county-la"], row["combined-authority"]) if code]
    if row["county-la"] and row["county-la"] not in by_code:
        raise CommandError(f"{path}, row {line}: unknown county {row['county-la']!r}.")
    if not row["county-la"]:
        place = places.get(row["region"]) or places.get(row["nation"])
        if place is None:
            raise CommandError(
                f"{path}, row {line} ({row['nice-name']}): unknown region or nation "
                f"{row['region'] or row['nation']!r}."
            )
        parents.append(place)
    return parents
