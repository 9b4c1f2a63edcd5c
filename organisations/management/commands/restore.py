"""Restore a backup made by `backup` into an empty database."""

from pathlib import Path

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from organisations import progress
from organisations.models import Organisation, Person, Source

# What an empty database has none of. (`migrate` creates the Editors group, content types and
# permissions: those are not data.)
DATA = [
    (Organisation, "organisation", "organisations"),
    (Source, "source", "sources"),
    (Person, "person", "people"),
    (get_user_model(), "user account", "user accounts"),
    (LogEntry, "admin history entry", "admin history entries"),
]


def counted(database, held_only=False):
    """["10 organisations", "1 person", ...] in the database."""
    counts = [
        (model._default_manager.using(database).count(), one, many) for model, one, many in DATA
    ]
    return [f"{n} {one if n == 1 else many}" for n, one, many in counts if n or not held_only]


class Command(BaseCommand):
    help = (
        "Restore a backup made by `python manage.py backup` into an empty database: create the "
        "database, run `python manage.py migrate`, then this. Refuses a database that holds any "
        "data. All or nothing: if any record cannot be loaded, the database is left as it was "
        "and the message names the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The file `backup` wrote.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, backup, database, verbosity, **options):
        if not backup.is_file():
            raise CommandError(f"{backup}: no such file.")
        with progress.shown(self.stdout, verbosity), transaction.atomic(using=database):
            held = counted(database, held_only=True)
            if held:
                raise CommandError(
                    f"The database is not empty: it holds {', '.join(held)}. Restore into an "
                    "empty database: create one, run `python manage.py migrate`, then restore. "
                    "Nothing was changed."
                )
            # Clear what migrate created (the Editors group): the backup brings it back, with
            # the ids the accounts refer to. Rolled back with the rest if loading fails.
            flush(database)
            call_command("loaddata", str(backup), database=database, verbosity=0)
        if verbosity:
            self.stdout.write(f"Restored {backup}: {', '.join(counted(database))}.")


def flush(database):
    """Empty every table, within the current transaction."""
    connection = connections[database]
    if connection.vendor == "postgresql":
        # PostgreSQL will not empty a table with foreign key checks pending in the transaction:
        # run them now, and defer them again for loading (which relies on it).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        call_command("flush", interactive=False, database=database, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        call_command("flush", interactive=False, database=database, verbosity=0)
