"""Back up the whole database as one fixture file; `restore` puts it back."""

import os
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from organisations import progress
from organisations.fixture import snapshot

# Not backed up: what `migrate` creates again (content types, permissions: the backup refers
# to them by name), and what is only worth keeping while it lasts (sessions: editors log in
# again; the login lockout's records), and what search_index.index() derives (restoring runs
# loaddata, which rebuilds it).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]
EXCLUDED += ["organisations.searchentry", "organisations.searchname"]


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
        if output == "-":
            self.dump(database, None, verbosity)
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"{path}: the directory {path.parent} does not exist.")
        if path.is_dir():
            raise CommandError(f"{path} is a directory: name a file.")
        # Written to a new file readable by its owner only (it holds password hashes), then put
        # in place: a file already there is replaced, permissions and all, a symbolic link is
        # replaced rather than followed, and a backup that fails leaves nothing half written.
        fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        try:
            self.dump(database, partial, verbosity)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        if verbosity:
            self.stdout.write(f"Backed up the database to {output}.")

    def dump(self, database, output, verbosity):
        with snapshot(database):
            call_command(
                "dumpdata",
                exclude=EXCLUDED,
                natural_foreign=True,
                indent=1,
                output=output,
                database=database,
                # Unwrapped: the backup itself, or Django's own progress bar on a terminal.
                stdout=progress.stream(self.stdout),
                verbosity=verbosity,
            )
