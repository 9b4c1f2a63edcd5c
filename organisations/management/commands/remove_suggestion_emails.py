"""Remove the e-mail addresses of readers' suggestions closed more than 30 days ago."""

from django.core.management.base import BaseCommand
from django.db import transaction

from organisations.models import KEEP_EMAIL_DAYS
from organisations.suggestions import remove_old_emails


class Command(BaseCommand):
    help = (
        f"Remove the senders' e-mail addresses from suggestions closed more than "
        f"{KEEP_EMAIL_DAYS} days ago (accepted, rejected or spam). Schedule it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many, and remove nothing."
        )

    def handle(self, *, dry_run, verbosity, **options):
        with transaction.atomic():
            removed = remove_old_emails()
            if dry_run:
                transaction.set_rollback(True)
        if verbosity:
            verb = "Would remove" if dry_run else "Removed"
            self.stdout.write(
                f"{verb} the e-mail addresses of {removed} suggestion(s) closed more than "
                f"{KEEP_EMAIL_DAYS} days ago."
            )
