"""The directory fixture: built from the source texts, and written back out from the database.

`fixtures/directory.toml` says, record by record, what each source text tells us, quoting it.
`build()` turns it into Django's fixture format (natural keys, no primary keys), refusing any
quotation that is not verbatim in its source. `export()` serialises a database in exactly the
same shape and order, so that build → load → export gives back the same file, byte for byte.
"""

import json
import tomllib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils.text import slugify

from .models import (
    RECORD_MODELS,
    Affiliation,
    Area,
    AreaServed,
    Audience,
    Citation,
    Identifier,
    KeyFigure,
    MemberBenefit,
    Organisation,
    OtherName,
    Person,
    Programme,
    Role,
    Source,
    Statement,
    Theme,
    free_key,
)

SPEC = settings.BASE_DIR / "fixtures" / "directory.toml"
FIXTURE = settings.BASE_DIR / "fixtures" / "organisations.json"

# Data generated for benchmarks (devtools/synthetic.py) is marked so, and never exported: its
# organisations' slugs start with SYNTHETIC_PREFIX, and its records cite the source
# SYNTHETIC_SOURCE.
SYNTHETIC_PREFIX = "synthetic-"
SYNTHETIC_SOURCE = "synthetic-data"

# The order models appear in the fixture, and how each is sorted within it.
EXPORT_ORDER = [
    (Audience, ["name"]),
    (Theme, ["name"]),
    (Organisation, ["slug"]),
    (Source, ["slug"]),
    (Person, ["slug"]),
    *[(model, ["organisation__slug", "order", "key"]) for model in RECORD_MODELS],
]

# Each [[organisation.<name>]] table of the spec, and the model it becomes.
RECORD_TABLES = {
    "statements": Statement,
    "benefits": MemberBenefit,
    "programmes": Programme,
    "key_figures": KeyFigure,
    "roles": Role,
    "affiliations": Affiliation,
    "areas_served": AreaServed,
    "other_names": OtherName,
    "identifiers": Identifier,
}


class BuildError(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


def dumps(objects):
    """Fixture text: indented, UTF-8 as written (no \\u escapes), one trailing newline."""
    return json.dumps(objects, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"


def serialise(instances, **options):
    return serializers.serialize(
        "python", instances, use_natural_foreign_keys=True, use_natural_primary_keys=True, **options
    )


# Fields derived from the others (the search document) or kept by the database for editing
# (the optimistic-locking version): never in the fixture.
DERIVED_FIELDS = {"search_text", "search_vector", "version"}


def fixture_fields(model):
    """The fields the fixture holds for `model`, in the model's order."""
    fields = [*model._meta.local_fields, *model._meta.local_many_to_many]
    return [f.name for f in fields if f.serialize and f.name not in DERIVED_FIELDS]


@contextmanager
def snapshot(using="default"):
    """A transaction that sees the database as it was when it began, to its end, however long
    reading takes and whatever editors save meanwhile (on PostgreSQL, whose default isolation
    shows each query what was committed before it: REPEATABLE READ instead)."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def export(using="default"):
    """The whole directory in `using`, as fixture objects; synthetic data left out."""
    objects = []
    for model, ordering in EXPORT_ORDER:
        queryset = without_synthetic(model.objects.using(using)).order_by(*ordering)
        objects += serialise(queryset, fields=fixture_fields(model))
    return objects


def without_synthetic(queryset):
    """`queryset` without the synthetic data (its organisations, their records, its source):
    what the fixture and the downloads publish."""
    model = queryset.model
    if model is Organisation:
        return queryset.exclude(slug__startswith=SYNTHETIC_PREFIX)
    if model is Source:
        return queryset.exclude(slug=SYNTHETIC_SOURCE)
    if any(field.name == "organisation" for field in model._meta.fields):
        return queryset.exclude(organisation__slug__startswith=SYNTHETIC_PREFIX)
    return queryset


def build(spec_path=SPEC, sources_dir=None):
    """Fixture objects from the spec; raises BuildError naming every problem found."""
    return _Builder(Path(spec_path), Path(sources_dir or settings.SOURCES_DIR)).run()


class _Builder:
    def __init__(self, spec_path, sources_dir):
        self.spec_path = spec_path
        self.sources_dir = sources_dir
        self.problems = []

    def run(self):
        try:
            spec = tomllib.loads(self.spec_path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise BuildError([f"{self.spec_path}: {error}"]) from error
        self.audiences = {t["slug"]: Audience(**t) for t in spec.get("audience", [])}
        self.themes = {t["slug"]: Theme(**t) for t in spec.get("theme", [])}
        self.organisations = {}
        self.tags = {}
        for table in spec.get("organisation", []):
            self.add_organisation(table)
        self.sources = {}
        for table in spec.get("source", []):
            self.add_source(table)
        self.people = {}
        self.records = {model: [] for model in RECORD_TABLES.values()}
        self.records[Citation] = []
        self.programmes = {}
        for table in spec.get("organisation", []):
            self.add_records(table)
        if self.problems:
            raise BuildError(self.problems)
        return self.serialised()

    def serialised(self):
        objects = serialise(sorted(self.audiences.values(), key=lambda t: t.name))
        objects += serialise(sorted(self.themes.values(), key=lambda t: t.name))
        # Unsaved organisations have no many-to-many managers yet: add their tags by hand.
        tags = {f.name for f in Organisation._meta.local_many_to_many}
        local_fields = [f for f in fixture_fields(Organisation) if f not in tags]
        for organisation in sorted(self.organisations.values(), key=lambda o: o.slug):
            (obj,) = serialise([organisation], fields=local_fields)
            for field in ("audiences", "themes"):
                tags = sorted(self.tags[organisation.slug][field], key=lambda t: t.name)
                obj["fields"][field] = [tag.natural_key() for tag in tags]
            objects.append(obj)
        objects += serialise(sorted(self.sources.values(), key=lambda s: s.slug))
        objects += serialise(sorted(self.people.values(), key=lambda p: p.slug))
        for model, _ in EXPORT_ORDER[5:]:
            records = sorted(self.records[model], key=lambda r: (r.organisation.slug, r.order))
            objects += serialise(records)
        return objects

    def check(self, where, instance, exclude=()):
        """Validate choices and lengths, and (for records) the quotation."""
        try:
            instance.clean_fields(exclude=[*exclude, "key"])
            instance.clean()
        except ValidationError as error:
            for field, messages in error.update_error_dict({}).items():
                self.problems += [f"{where}: {field}: {message}" for message in messages]

    def lookup(self, where, table, name, key):
        if key not in table:
            self.problems.append(f"{where}: unknown {name} {key!r}")
        return table.get(key)

    def add_organisation(self, table):
        table = dict(table)
        for name in [*RECORD_TABLES, "source", "citations", "evidence"]:
            table.pop(name, None)
        audiences = [
            self.lookup(table["slug"], self.audiences, "audience", s)
            for s in table.pop("audiences", [])
        ]
        themes = [
            self.lookup(table["slug"], self.themes, "theme", s) for s in table.pop("themes", [])
        ]
        table["description"] = "\n\n".join(table.get("description", []))
        organisation = Organisation(**table)
        self.check(f"organisation {organisation.slug}", organisation)
        self.organisations[organisation.slug] = organisation
        self.tags[organisation.slug] = {
            "audiences": [t for t in audiences if t],
            "themes": [t for t in themes if t],
        }

    def add_source(self, table):
        table = dict(table)
        where = f"source {table['slug']}"
        path = self.sources_dir / table["filename"]
        try:
            table["text"] = path.read_text(encoding="utf-8")
        except OSError as error:
            self.problems.append(f"{where}: {error}")
            table["text"] = ""
        if "publisher" in table:
            table["publisher"] = self.lookup(
                where, self.organisations, "organisation", table["publisher"]
            )
        self.sources[table["slug"]] = Source(**table)

    def add_records(self, table):
        organisation = self.organisations[table["slug"]]
        default_source = table.get("source")
        citations = [table["summary"]] if table.get("summary") else []
        citations += table.get("description", []) + table.get("citations", [])
        for excerpt in citations:
            self.add_record(Citation, organisation, default_source, {"excerpt": excerpt})
        for field, excerpt in table.get("evidence", {}).items():
            fields = {"excerpt": excerpt, "supports": field}
            self.add_record(Citation, organisation, default_source, fields)
        for name, model in RECORD_TABLES.items():
            for fields in table.get(name, []):
                self.add_record(model, organisation, default_source, dict(fields))
        cited = [c for c in self.records[Citation] if c.organisation is organisation]
        for field, message in organisation.unsupported(cited).items():
            self.problems.append(f"organisation {organisation.slug}: {field}: {message}")

    def add_record(self, model, organisation, default_source, fields):
        where = f"organisation {organisation.slug}: {model._meta.verbose_name}"
        quoted = fields.get("text") or fields.get("quote") or fields.get("description")
        fields.setdefault("excerpt", quoted)
        if not fields["excerpt"]:
            self.problems.append(f"{where} {fields}: no excerpt")
            return
        where += f" “{fields['excerpt'][:40]}”"
        source = self.lookup(where, self.sources, "source", fields.pop("source", default_source))
        resolve = {
            "person": lambda name: self.person(name),
            "other": lambda slug: self.lookup(where, self.organisations, "organisation", slug),
            "parent": lambda key: self.lookup(
                where, self.programmes, "programme", f"{organisation.slug}/{key}"
            ),
            "programme": lambda ref: self.lookup(where, self.programmes, "programme", ref),
            # An area by its GSS code: the UK, a nation or a region (migration 0014), or a
            # local authority (loaded by load_local_authorities before the fixture).
            "area": lambda code: Area(code=code),
        }
        for name, find in resolve.items():
            if name in fields:
                fields[name] = find(fields[name])
                if fields[name] is None:
                    return
        siblings = self.records[model]
        record = model(organisation=organisation, source=source, **fields)
        record.order = 1 + sum(r.organisation is organisation for r in siblings)
        if not record.key:
            taken = {r.key for r in siblings if r.organisation is organisation}
            record.key = free_key(record.key_basis(), taken)
        if source is not None:
            self.check(where, record, exclude=["organisation", "source", *resolve])
        siblings.append(record)
        if model is Programme:
            self.programmes[f"{organisation.slug}/{record.key}"] = record

    def person(self, name):
        slug = slugify(name)
        return self.people.setdefault(slug, Person(name=name, slug=slug))
