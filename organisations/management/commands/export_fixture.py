"""Write the current database back out as the directory fixture, so admin edits can be kept."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from organisations import fixture


class Command(BaseCommand):
    help = (
        "Write the whole directory in the database as a fixture, in the same shape as "
        "fixtures/organisations.json (natural keys, stable order). Load it back with "
        "`python manage.py loaddata <file>`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=fixture.FIXTURE,
            help="Where to write (default: fixtures/organisations.json; '-' for stdout).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, output, database, verbosity, **options):
        # One snapshot: a concurrent edit cannot land half in the export.
        with fixture.snapshot(using=database):
            objects = fixture.export(using=database)
        text = fixture.dumps(objects)
        if str(output) == "-":
            sys.stdout.write(text)
            return
        output.write_text(text, encoding="utf-8")
        if verbosity:
            self.stdout.write(f"Wrote {len(objects)} records to {output}.")
