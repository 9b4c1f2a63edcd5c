"""Build fixtures/organisations.json from fixtures/directory.toml and the source texts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organisations import fixture


class Command(BaseCommand):
    help = (
        "Build the directory fixture from fixtures/directory.toml, checking every quotation "
        "against the source texts. With --check, only report whether the committed fixture "
        "is up to date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--spec", default=fixture.SPEC, type=Path)
        parser.add_argument("--output", default=fixture.FIXTURE, type=Path)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the output file differs from what the build produces.",
        )

    def handle(self, *, spec, output, check, verbosity, **options):
        try:
            text = fixture.dumps(fixture.build(spec))
        except fixture.BuildError as error:
            raise CommandError(
                f"{spec}: {len(error.problems)} problem(s):\n" + "\n".join(error.problems)
            ) from error
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else None
            if current != text:
                raise CommandError(
                    f"{output} is not what {spec} builds. Run `python manage.py build_fixture`."
                )
            if verbosity:
                self.stdout.write(f"{output} is up to date.")
            return
        output.write_text(text, encoding="utf-8")
        if verbosity:
            self.stdout.write(f"Wrote {output}.")
