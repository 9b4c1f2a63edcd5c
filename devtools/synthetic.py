"""Synthetic organisations, to measure the site at sizes the real directory has not reached.

Everything generated is marked: slugs start with `synthetic-`, names end with "(synthetic N)",
and every record cites the "Synthetic data (not real)" source (the markers are the app's own,
in organisations/fixture.py, which keeps such data out of every export). `remove()` takes it
all away. The same seed always gives the same data.

`generate()` draws the organisations and their records as plain values, builds each one's
search document with the site's own `search.document()`, writes the rows with `_insert()`
(on PostgreSQL each organisation with its search vector, `search_index.vector_sql()`), then
does what `changed()` does after every write: `search_index.index()` (the full-text
index, the words for typo correction, the names for type-ahead) and a new data version. All in
one transaction.
"""

import json
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connections, models, transaction

from organisations import fixture, progress, search, search_index
from organisations.fixture import SYNTHETIC_PREFIX, SYNTHETIC_SOURCE
from organisations.models import (
    Affiliation,
    Audience,
    DataVersion,
    KeyFigure,
    MemberBenefit,
    Organisation,
    Source,
    Statement,
    Theme,
)

SOURCE_TEXT = "Synthetic record, generated for benchmarks: not a real organisation."
INDEX_BATCH = 50_000

PLACES = [
    "Northfield",
    "Eastbrook",
    "Westmere",
    "Southgate",
    "Ashford",
    "Bramley",
    "Carrow",
    "Dunmore",
    "Elmstead",
    "Fairholme",
    "Glenvale",
    "Harlow",
    "Ivybridge",
    "Kestrel",
    "Langley",
    "Marston",
    "Norbury",
    "Oakhurst",
    "Penrith",
    "Queensbury",
    "Redhill",
    "Stanmore",
    "Thornbury",
    "Upton",
    "Valemount",
    "Whitby",
    "Yardley",
    "Ambleside",
    "Brecon",
    "Caldicot",
    "Dunoon",
    "Enniskillen",
    "Falkirk",
    "Girvan",
    "Hexham",
    "Inverurie",
    "Jarrow",
    "Keswick",
    "Larne",
    "Moffat",
]
NOUNS = [
    ("Music Hub", "national-association"),
    ("Music Service", "membership-body"),
    ("Youth Orchestra", "network"),
    ("Community Music", "network"),
    ("Choir School", "higher-education"),
    ("Music Trust", "funder"),
    ("Music Education Alliance", "alliance"),
    ("Conservatoire", "higher-education"),
    ("Music Educators' Association", "national-association"),
    ("Song Society", "international-society"),
]
SCOPES = ["", "international", "uk", "england", "england", "england", "scotland", "wales"]
SCOPES += ["northern-ireland"]
STATUSES = ["active"] * 18 + ["merged", "closed"]
TOPICS = [
    "singing in schools",
    "instrumental tuition",
    "inclusive music making",
    "teacher development",
    "youth ensembles",
    "music technology",
    "early years music",
    "community choirs",
    "composition and songwriting",
    "music in hospitals",
    "special educational needs",
    "progression routes",
    "workforce diversity",
    "rural access to music",
    "digital learning",
]
STATEMENT_KINDS = ["mission", "aim", "belief", "principle"]
AIMS = [
    "to widen access to {topic} across {place}",
    "to support teachers through {topic}",
    "to give every child a chance to enjoy {topic}",
    "to raise standards in {topic}",
    "to build partnerships for {topic}",
]
BENEFITS = [
    ("publications", "a termly newsletter on {topic}"),
    ("networking", "regional meetings for members in {place}"),
    ("professional-development", "training days on {topic}"),
    ("events", "an annual conference on {topic}"),
    ("governance", "a vote at the annual general meeting"),
    ("resources", "lesson plans and guides on {topic}"),
]
FIGURES = [("schools", 5, 900), ("members", 20, 5000), ("young people reached", 100, 90000)]
QUALIFIERS = ["", "nearly", "more than"]
AFFILIATION_KINDS = ["member-of", "partner-of", "funded-by", "affiliated-to", "led-by"]


def generate(count, *, seed=1, using="default"):
    """Add `count` synthetic organisations (numbered after any already there); their ids."""
    rng = random.Random(seed)
    with transaction.atomic(using=using):
        first = _synthetic(using).count()
        organisations = _draw(rng, first, count, _tags(Audience, using), _tags(Theme, using))
        ids = _write(organisations, _source(using), using)
        _index(ids, using)
        DataVersion.bump(using)
    return ids


def _index(ids, using):
    """What changed() does after every write, the documents (and on PostgreSQL the search
    vectors) being written already: the site's own search_index.index(), in batches (in one
    statement, a million took far longer)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Check the new rows' foreign keys now rather than at the commit (Django defers
            # them), while nothing else is queued in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            # Its statistics still describe the table before the rows were written: planned
            # from them, indexing 100,000 took twice as long.
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Organisation._meta.db_table)}")
    with progress.bar(total=len(ids), desc="Indexing", unit=" organisations") as indexed:
        for start in range(0, len(ids), INDEX_BATCH):
            batch = ids[start : start + INDEX_BATCH]
            search_index.index(using, Organisation, batch, vectors_written=True)
            indexed.update(len(batch))


def remove(using="default"):
    """Delete every synthetic organisation, its records and its source; the number of
    organisations deleted. Each table is cleared in one statement: what refers to the
    organisations first (deleted, or set to null, as their foreign keys say)."""
    connection = connections[using]
    referring = [
        *((r.related_model, r.field.name, r.on_delete) for r in Organisation._meta.related_objects),
        *((f.remote_field.through, f.m2m_field_name(), models.CASCADE)
          for f in Organisation._meta.many_to_many),
    ]  # fmt: skip
    with transaction.atomic(using=using), connection.cursor() as cursor:
        ids = _synthetic(using).values("pk")
        for model, field, on_delete in progress.bar(referring, desc="Removing", unit=" tables"):
            rows = model._base_manager.using(using).filter(**{f"{field}__in": ids})
            if on_delete is models.CASCADE:
                # One DELETE, as for the organisations below: QuerySet.delete() would load each
                # row to send its signals, and the history would record a million deletions.
                rows._raw_delete(using)
            elif on_delete is models.SET_NULL:
                rows.update(**{field: None})
        # QuerySet.delete() would load every organisation to look for what refers to it.
        table = connection.ops.quote_name(Organisation._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE slug LIKE %s", [f"{SYNTHETIC_PREFIX}%"])
        deleted = cursor.rowcount
        Source.objects.using(using).filter(slug=SYNTHETIC_SOURCE).delete()
        # Forget the synthetic words typos were corrected to (and on SQLite their index).
        search_index.forget(using)
        real = Organisation.objects.using(using).values_list("pk", flat=True)
        search_index.index(using, Organisation, list(real))
        DataVersion.bump(using)
    return deleted


def unexpected_data(using="default"):
    """What the database holds besides the fixture's directory (fixtures/organisations.json,
    compared by natural key) and synthetic data, in words: ["organisation 'acme'",
    "1 user account"]. Nothing, on a database made for a benchmark."""
    in_fixture = {_natural_key(obj) for obj in json.loads(fixture.FIXTURE.read_text("utf-8"))}
    found = [
        f"{model.split('.')[1]} {'/'.join(key)!r}"
        for model, *key in map(_natural_key, fixture.export(using))
        if (model, *key) not in in_fixture
    ]
    users = get_user_model()._default_manager.using(using).count()
    if users:
        found.append(f"{users} user account{'s' if users > 1 else ''}")
    return found


def _natural_key(obj):
    """(model label, *natural key) of an object in the fixture's format: a slug, or a record's
    organisation and key."""
    fields = obj["fields"]
    if "slug" in fields:
        return (obj["model"], fields["slug"])
    return (obj["model"], *fields["organisation"], fields["key"])


def _synthetic(using):
    return Organisation.objects.using(using).filter(slug__startswith=SYNTHETIC_PREFIX)


def _tags(model, using):
    return list(model.objects.using(using).order_by("slug").values_list("pk", "name"))


def _source(using):
    source, _ = Source.objects.using(using).get_or_create(
        slug=SYNTHETIC_SOURCE,
        defaults={
            "title": "Synthetic data (not real)",
            "description": "Generated by `generate_synthetic` for benchmarks. Remove it with "
            "`remove_synthetic`.",
            "text": SOURCE_TEXT,
        },
    )
    return source


# --- Drawing ---------------------------------------------------------------------------------
# An organisation and its records as plain values, which search.document() reads as it reads
# the models (with their own labels and wording), without the cost of a million model instances.


@dataclass(slots=True)
class _Organisation:
    name: str
    slug: str
    acronym: str
    kind: str
    scope: str
    status: str
    founded_year: int | None
    summary: str
    description: str
    statements: list = field(default_factory=list)
    benefits: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    affiliations: list = field(default_factory=list)  # its own, to other organisations
    links: list = field(default_factory=list)  # _Links, both ways
    audiences: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    id: int | None = None  # once written

    display_name = Organisation.display_name


class _Statement(NamedTuple):
    key: str
    order: int
    kind: str
    text: str
    title = ""

    def get_kind_display(self):
        return Statement.Kind(self.kind).label


class _Benefit(NamedTuple):
    key: str
    order: int
    category: str
    text: str
    title = ""


class _Figure(NamedTuple):
    key: str
    order: int
    value: int
    qualifier: str
    label: str
    note = ""
    __str__ = KeyFigure.__str__


class _Affiliation(NamedTuple):
    key: str
    order: int
    kind: str
    other: _Organisation


def _draw(rng, first, count, audiences, themes):
    """`count` organisations numbered from `first`, with their records and tags. The draws
    come in the same order as ever (every organisation, then each one's records, then the
    audiences, then the themes), so that a seed gives the same data."""
    numbers = range(first, first + count)
    organisations = [_organisation(rng, n) for n in _each(numbers, "Drawing organisations")]
    for i, organisation in enumerate(_each(organisations, "Drawing their records")):
        _records(rng, organisation, organisations, i)
    for organisation in organisations:
        organisation.audiences = _some(rng, audiences)
    for organisation in organisations:
        organisation.themes = _some(rng, themes)
    return organisations


def _organisation(rng, n):
    place = rng.choice(PLACES)
    noun, kind = rng.choice(NOUNS)
    topic = rng.choice(TOPICS)
    words = f"{place} {noun}".split()
    acronym = "".join(w[0] for w in words if w[0].isupper()) if rng.random() < 0.6 else ""
    scope = rng.choice(SCOPES)
    status = rng.choice(STATUSES)
    founded_year = rng.randint(1890, 2024) if rng.random() < 0.7 else None
    return _Organisation(
        name=f"{place} {noun} (synthetic {n})",
        slug=f"{SYNTHETIC_PREFIX}{n:06d}",
        acronym=acronym,
        kind=kind,
        scope=scope,
        status=status,
        founded_year=founded_year,
        summary=f"A synthetic {noun.lower()} in {place} working on {topic}.",
        description=(
            f"This organisation is generated test data. It brings together people in "
            f"{place} who care about {topic} and {rng.choice(TOPICS)}."
        ),
    )


def _records(rng, organisation, organisations, i):
    """The records of `organisation`, the `i`th of `organisations`."""
    place = organisation.name.split(" ", 1)[0]
    for n in range(1, rng.randint(2, 4) + 1):
        kind = rng.choice(STATEMENT_KINDS)
        text = rng.choice(AIMS).format(topic=rng.choice(TOPICS), place=place)
        organisation.statements.append(_Statement(f"s{n}", n, kind, text))
    for n, (category, text) in enumerate(rng.sample(BENEFITS, rng.randint(0, 4)), 1):
        text = text.format(topic=rng.choice(TOPICS), place=place)
        organisation.benefits.append(_Benefit(f"b{n}", n, category, text))
    for n, (label, low, high) in enumerate(rng.sample(FIGURES, rng.randint(0, 2)), 1):
        value = rng.randint(low, high)
        organisation.figures.append(_Figure(f"f{n}", n, value, rng.choice(QUALIFIERS), label))
    count = len(organisations)
    others = rng.sample(range(count), min(count, rng.randint(0, 2)))
    for n, other in enumerate((organisations[o] for o in others if o != i), 1):
        affiliation = _Affiliation(f"a{n}", n, rng.choice(AFFILIATION_KINDS), other)
        organisation.affiliations.append(affiliation)
        organisation.links.append(_Link(affiliation.kind, False, other))
        other.links.append(_Link(affiliation.kind, True, organisation))


def _some(rng, tags):
    """One or two of `tags`, for an organisation's audiences or themes."""
    return rng.sample(tags, rng.randint(1, min(2, len(tags)))) if tags else []


class _Link:
    """What search.document() and the ordering read of an AffiliationLink: the affiliation
    worded for one side, as the site words it (`Affiliation.wording`)."""

    __slots__ = ("kind", "organisation", "text")

    def __init__(self, kind, incoming, organisation):
        before, after = Affiliation.wording(kind, "", "", incoming)
        self.kind, self.organisation = kind, organisation
        self.text = f"{before}{organisation.display_name}{after}"

    def sort_key(self):
        return Affiliation.sort_key(self.kind, self.organisation.name)


def _document(organisation):
    """Its search_text: the site's own `search.document()`, given the records as
    `search.document_of()` reads them (affiliations in `affiliation_links()` order)."""
    links = sorted(organisation.links, key=_Link.sort_key)
    return search.document(
        organisation,
        labels=Organisation.labels_of(
            organisation.kind,
            organisation.scope,
            [name for _, name in organisation.audiences],
            [name for _, name in organisation.themes],
        ),
        statements=organisation.statements,
        benefits=organisation.benefits,
        programmes=[],
        roles=[],
        key_figures=organisation.figures,
        links=links,
    )


# --- Writing ---------------------------------------------------------------------------------


def _write(organisations, source, using):
    """Write the organisations (with their search documents), then their records and tags;
    the organisations' ids."""
    columns = ["name", "slug", "acronym", "kind", "scope", "status", "founded_year", "summary"]
    columns += ["description", "search_text"]
    rows = (
        (o.name, o.slug, o.acronym, o.kind, o.scope, o.status, o.founded_year, o.summary,
         o.description, _document(o))
        for o in _each(organisations, "Writing organisations")
    )  # fmt: skip
    # On PostgreSQL, each written with its search vector, worked out as it goes in: writing the
    # rows and then each again with its vector (search_index's UPDATE) took longer (for
    # 100,000 under the same load, 41 s against 25 to 36).
    postgresql = connections[using].vendor == "postgresql"
    vector = search_index.vector_sql("name", "acronym", "search_text")
    _insert(
        Organisation,
        columns,
        rows,
        using,
        computed={"search_vector": vector} if postgresql else None,
    )
    ids = dict(_synthetic(using).values_list("slug", "pk"))
    for organisation in organisations:
        organisation.id = ids[organisation.slug]

    cited = {"source_id": source.pk, "excerpt": SOURCE_TEXT}
    record = ["organisation_id", "key", "order"]
    rows = ((o.id, *s) for o in _each(organisations, "Writing statements") for s in o.statements)
    _insert(Statement, [*record, "kind", "text"], rows, using, cited)
    rows = ((o.id, *b) for o in _each(organisations, "Writing benefits") for b in o.benefits)
    _insert(MemberBenefit, [*record, "category", "text"], rows, using, cited)
    rows = ((o.id, *f) for o in _each(organisations, "Writing key figures") for f in o.figures)
    _insert(KeyFigure, [*record, "value", "qualifier", "label"], rows, using, cited)
    rows = (
        (o.id, a.key, a.order, a.kind, a.other.id)
        for o in _each(organisations, "Writing affiliations")
        for a in o.affiliations
    )
    _insert(Affiliation, [*record, "kind", "other_id"], rows, using, cited)
    rows = ((o.id, pk) for o in _each(organisations, "Writing audiences") for pk, _ in o.audiences)
    _insert(Organisation.audiences.through, ["organisation_id", "audience_id"], rows, using)
    rows = ((o.id, pk) for o in _each(organisations, "Writing themes") for pk, _ in o.themes)
    _insert(Organisation.themes.through, ["organisation_id", "theme_id"], rows, using)
    return [organisation.id for organisation in organisations]


def _each(organisations, step):
    """`organisations`, showing how far `step` has got through them."""
    return progress.bar(organisations, desc=step, unit=" organisations")


def _insert(model, columns, rows, using, constants=None, computed=None):
    """Insert `rows` into `model`'s table: each a tuple of values for `columns` (attnames),
    followed by `constants` ({attname: value}, the same in every row); every other column
    gets its field's default, but those `computed` ({column: SQL over the others}, PostgreSQL
    only), which the database works out as the rows go in from a temporary table. With COPY
    on PostgreSQL, executemany elsewhere: bulk_create would build a model instance, and an SQL
    expression for each of its values, per row."""
    connection = connections[using]
    constants, computed = constants or {}, computed or {}
    given = [model._meta.get_field(name) for name in [*columns, *constants]]
    others = [
        f
        for f in model._meta.concrete_fields
        if f not in given and not f.primary_key and f.column not in computed
    ]
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in others]
    suffix = (*constants.values(), *defaults)
    rows = (row + suffix for row in rows)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in [*given, *others])
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * (len(given) + len(others)))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
            return
        staged = quote(f"staged_{model._meta.db_table}") if computed else table
        if computed:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
        with cursor.copy(f"COPY {staged} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if computed:
            cursor.execute(
                f"INSERT INTO {table} ({names}, {', '.join(quote(c) for c in computed)}) "
                f"SELECT {names}, {', '.join(computed.values())} FROM {staged}"
            )
            cursor.execute(f"DROP TABLE {staged}")
