"""Load the directory into a database that has none yet: the release step's data load."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Load the directory fixture (fixtures/organisations.json) if the database has no "
        "organisations yet; otherwise do nothing. Every release runs it, so a first deploy "
        "gets the directory and later deploys never overwrite what editors have changed "
        "(to reload on purpose: `python manage.py loaddata organisations`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, database, verbosity, **options):
        count = Organisation.objects.using(database).count()
        if count:
            if verbosity:
                self.stdout.write(f"The directory has {count} organisations: nothing loaded.")
            return
        call_command(
            "loaddata", "organisations", database=database, verbosity=verbosity, stdout=self.stdout
        )
