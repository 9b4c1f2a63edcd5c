"""Rebuild the search index of every organisation."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Rebuild every organisation's search document (and, on PostgreSQL, its search vector "
        "and the words typos are corrected against). The admin and loaddata keep it current; "
        "run this after changing data any other way."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, database, verbosity, **options):
        organisations = Organisation.objects.using(database)
        with transaction.atomic(using=database):
            organisations.refresh_search()
        if verbosity:
            self.stdout.write(f"Rebuilt the search index of {organisations.count()} organisations.")
