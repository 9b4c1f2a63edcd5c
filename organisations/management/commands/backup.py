"""Back up the whole database as one fixture file; `restore` puts it back."""

import os
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from organisations.fixture import snapshot

# Not backed up: what `migrate` creates again (content types, permissions: the backup refers
# to them by name), and what is only worth keeping while it lasts (sessions: editors log in
# again; the login lockout's records).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class Command(BaseCommand):
    help = (
        "Write the whole database to one fixture file: the directory (organisations, their "
        "records, sources, people, tags), editors' accounts (with password hashes), groups and "
        "their permissions, and the admin's history. Restore it with "
        "`python manage.py restore <file>`. A name ending in .gz is compressed; '-' writes to "
        "stdout. The file holds password hashes: keep it as safe as the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="Where to write (default: musicdir-backup-<UTC date and time>.json.gz).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, output, database, verbosity, **options):
        if output is None:
            output = f"musicdir-backup-{timezone.now():%Y%m%d-%H%M%S}.json.gz"
        to_stdout = output == "-"
        if not to_stdout:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"{path}: the directory {path.parent} does not exist.")
            # Created readable by its owner only, before anything is written to it.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        with snapshot(database):
            call_command(
                "dumpdata",
                exclude=EXCLUDED,
                natural_foreign=True,
                indent=1,
                output=None if to_stdout else output,
                database=database,
                stdout=self.stdout,
                verbosity=0,
            )
        if verbosity and not to_stdout:
            self.stdout.write(f"Backed up the database to {output}.")
