"""Import organisations, or records of one kind, from a CSV or XLSX file: the admin's import,
from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from organisations import imports, progress


class Command(BaseCommand):
    help = (
        "Import organisations, or records of one kind (statements, affiliations...), from a "
        "CSV or XLSX file with the columns of the admin's import template. Prints every row's "
        "outcome (new, changed, unchanged, error) and every error by row and column; imports "
        "only if no row has an error, all rows at once. --dry-run previews without saving."
    )

    def add_arguments(self, parser):
        parser.add_argument("model", choices=sorted(imports.RESOURCES), help="What the file holds.")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Preview; save nothing.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, model, file, dry_run, database, verbosity, **options):
        dataset = _read(file)
        resource = imports.RESOURCES[model]()
        if verbosity:
            self.stdout.write(f"Reading {len(dataset)} rows of {file.name}...")
        with progress.shown(self.stdout, verbosity), transaction.atomic(using=database):
            result = resource.import_data(
                dataset, dry_run=True, use_transactions=False, file_name=file.name
            )
            rows = imports.preview(result)
            if verbosity:
                for line, outcome, problems in rows:
                    if not problems:
                        self.stdout.write(f"row {line}: {outcome}")
                    for column, message in problems:
                        self.stdout.write(f"row {line}: error: {column or 'row'}: {message}")
            failed = sum(1 for _, _, problems in rows if problems)
            if failed:
                raise CommandError(
                    f"{file}: {failed} row{' has' if failed == 1 else 's have'} errors: "
                    "nothing was imported."
                )
            if dry_run:
                transaction.set_rollback(True)
                if verbosity:
                    self.stdout.write("Dry run: nothing was saved.")
                return
            resource.import_data(
                dataset, dry_run=False, use_transactions=False, file_name=file.name
            )
        if verbosity:
            counts = {}
            for _, outcome, _ in rows:
                counts[outcome] = counts.get(outcome, 0) + 1
            summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
            self.stdout.write(f"Imported {file.name}: {summary}.")


def _read(path):
    """The file as a tablib Dataset, in the format its name says."""
    formats = {f.__name__.lower(): f for f in imports.FORMATS}
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise CommandError(f"{path}: import a .csv or .xlsx file.")
    file_format = formats[suffix]()
    try:
        with open(path, file_format.get_read_mode()) as f:
            data = f.read()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}.") from error
    try:
        return file_format.create_dataset(data)
    except Exception as error:  # tablib's own errors, for a file that is not what it says
        raise CommandError(f"{path}: not a readable {suffix.upper()} file: {error}") from error
