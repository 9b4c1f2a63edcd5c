"""Rebuild the search index of every organisation (and bump the data version)."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from organisations import progress
from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Rebuild every organisation's search document (and, on PostgreSQL, its search vector "
        "and the words typos are corrected against), and bump the data version so cached pages "
        "are rebuilt. The admin and loaddata do this themselves; run it after changing data "
        "any other way."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, database, verbosity, **options):
        organisations = Organisation.objects.using(database)
        with progress.shown(self.stdout, verbosity), transaction.atomic(using=database):
            organisations.changed()
        if verbosity:
            self.stdout.write(f"Rebuilt the search index of {organisations.count()} organisations.")
