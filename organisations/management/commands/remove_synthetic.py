"""Remove every synthetic organisation."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from organisations import synthetic


class Command(BaseCommand):
    help = (
        "Delete every synthetic organisation (and its records and source). Real data stays. "
        "On PostgreSQL the tables are locked until it is done, so the site waits for it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, database, verbosity, **options):
        deleted = synthetic.remove(using=database)
        if verbosity:
            self.stdout.write(f"Removed {deleted} synthetic organisations.")
