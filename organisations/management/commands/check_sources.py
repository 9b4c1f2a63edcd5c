"""Check fixtures against their source texts: every excerpt must be quoted verbatim."""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from organisations import fixture
from organisations.sources import quotation_errors


class Command(BaseCommand):
    help = (
        "Check that every excerpt in the given fixture files (default: the directory fixture) "
        "appears verbatim in its source text, and that each source's text is the file it "
        "names under fixtures/sources/. Reports every problem, naming the file and record."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixtures", nargs="*", type=Path, default=[fixture.FIXTURE])

    def handle(self, *, fixtures, verbosity, **options):
        problems = []
        checked = 0
        for path in fixtures:
            try:
                objects = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"{path}: cannot read fixture: {error}") from error
            file_problems, count = check(objects)
            problems += [f"{path}: {problem}" for problem in file_problems]
            checked += count
        if problems:
            raise CommandError(
                f"{len(problems)} excerpt(s) not found in their sources:\n" + "\n".join(problems)
            )
        if verbosity:
            self.stdout.write(f"All {checked} excerpts appear verbatim in their sources.")


def check(objects):
    """(problems, number of excerpts checked) for one fixture's objects."""
    problems = []
    texts = {}
    for obj in objects:
        if obj.get("model") == "organisations.source":
            fields = obj["fields"]
            texts[fields["slug"]] = fields["text"]
            filename = fields.get("filename")
            if filename and _read(settings.SOURCES_DIR / filename) != fields["text"]:
                problems.append(f"source {fields['slug']}: text differs from {filename}")
    checked = 0
    for obj in objects:
        fields = obj.get("fields", {})
        if "excerpt" not in fields:
            continue
        checked += 1
        model = apps.get_model(obj["model"])
        name = f"{obj['model']} {'/'.join(map(str, [*fields['organisation'], fields['key']]))}"
        (source,) = fields["source"]
        if source not in texts:
            problems.append(f"{name}: source {source!r} is not in this fixture")
            continue
        quoted = {field: fields.get(field, "") for field in model.quoted_fields}
        for field, message in quotation_errors(fields["excerpt"], texts[source], quoted).items():
            problems.append(f"{name}: {field}: {message} (source {source})")
    return problems, checked


def _read(path):
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None
