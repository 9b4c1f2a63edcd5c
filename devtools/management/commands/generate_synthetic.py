"""Add N synthetic organisations, for measuring the site at scale (devtools/synthetic.py)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from devtools import synthetic
from organisations import progress


class Command(BaseCommand):
    help = (
        "Add COUNT synthetic organisations with statements, benefits, figures, affiliations, "
        "audiences and themes, the same for the same --seed. They are marked synthetic (slugs "
        "start with 'synthetic-'), never exported to the fixture, and removed by "
        "remove_synthetic. For a benchmark's database: it refuses one that holds anything "
        "but the directory's fixture and earlier synthetic data, unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Generate even into a database holding other data (never a live site's).",
        )

    def handle(self, *, count, seed, database, force, verbosity, **options):
        if not 0 < count <= 1_000_000:
            raise CommandError("COUNT must be between 1 and 1,000,000.")
        found = [] if force else synthetic.unexpected_data(database)
        if found:
            listed = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if found[5:] else "")
            raise CommandError(
                "This database holds more than the directory's fixture and synthetic data: "
                f"{listed}. Synthetic data is for a benchmark's database; to add it to this "
                "one anyway, use --force. Nothing was changed."
            )
        started = time.perf_counter()
        with progress.shown(self.stdout, verbosity):
            synthetic.generate(count, seed=seed, using=database)
        if verbosity:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"Added {count} synthetic organisations in {elapsed:.1f} s.")
