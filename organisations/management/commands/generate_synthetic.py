"""Add N synthetic organisations, for measuring the site at scale."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from organisations import synthetic


class Command(BaseCommand):
    help = (
        "Add COUNT synthetic organisations with statements, benefits, figures, affiliations, "
        "audiences and themes, the same for the same --seed. They are marked synthetic (slugs "
        "start with 'synthetic-'), never exported to the fixture, and removed by "
        "remove_synthetic. On PostgreSQL the tables written are locked until it is done, so "
        "the site waits for it (100,000 take seconds, not minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, count, seed, database, verbosity, **options):
        if not 0 < count <= 1_000_000:
            raise CommandError("COUNT must be between 1 and 1,000,000.")
        started = time.perf_counter()
        synthetic.generate(count, seed=seed, using=database)
        if verbosity:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"Added {count} synthetic organisations in {elapsed:.1f} s.")
