"""Remove every synthetic organisation (devtools/synthetic.py)."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from devtools import synthetic
from organisations import progress


class Command(BaseCommand):
    help = "Delete every synthetic organisation (and its records and source). Real data stays."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, database, verbosity, **options):
        with progress.shown(self.stdout, verbosity):
            deleted = synthetic.remove(using=database)
        if verbosity:
            self.stdout.write(f"Removed {deleted} synthetic organisations.")
