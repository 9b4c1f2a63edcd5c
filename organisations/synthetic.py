"""Synthetic organisations, to measure the site at sizes the real directory has not reached.

Everything generated is marked: slugs start with `synthetic-`, names end with "(synthetic N)",
and every record cites the "Synthetic data" source. It never reaches the real fixture
(`export_fixture` leaves it out) and `remove()` takes it all away. The same seed always gives
the same data. Both generating and removing bump the data version, like every write.

Search documents are built with the site's own `search.document()`, from the records as
`search.document_of()` reads them, and on PostgreSQL the vectors and the words for typo
correction come from the same SQL as `search.index()`: the index is the one `refresh()` would
build (tests/test_synthetic.py checks it).

Writes are bulk: COPY on PostgreSQL, bulk_create elsewhere. On PostgreSQL, while the records
are copied, one thread builds the search documents and another has PostgreSQL compute their
vectors on a second connection; and the foreign keys of the tables written are dropped and
created again at the end, which checks every row in one go (a check per row took longer than
all the rest). Dropping them locks those tables, and the ones they refer to (organisations,
sources...), until the transaction ends: the site waits while synthetic data is generated or
removed. 100,000 organisations (1.1 million rows) take about 17 s on a 2-core machine.
"""

import queue
import random
import threading
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from django.db import connections, models, transaction

from . import search
from .models import (
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

PREFIX = "synthetic-"
SOURCE_SLUG = "synthetic-data"
SOURCE_TEXT = "Synthetic record, generated for benchmarks: not a real organisation."
BATCH_SIZE = 5000

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
AFFILIATION_KINDS = ["member-of", "partner-of", "funded-by", "affiliated-to", "led-by"]


ORGANISATION_FIELDS = ["name", "slug", "acronym", "kind", "scope", "status", "founded_year"]
ORGANISATION_FIELDS += ["summary", "description", "search_text"]
STATEMENT_KINDS = ["mission", "aim", "belief", "principle"]
QUALIFIERS = ["", "nearly", "more than"]
VECTOR_CHUNK = 2000


def is_synthetic(slug):
    return slug.startswith(PREFIX)


def generate(count, *, seed=1, using="default"):
    """Add `count` synthetic organisations (numbered after any already there); their ids."""
    with transaction.atomic(using=using):
        rng = random.Random(seed)
        source = _source(using)
        audiences = list(
            Audience.objects.using(using).order_by("slug").values_list("pk", flat=True)
        )
        themes = list(Theme.objects.using(using).order_by("slug").values_list("pk", flat=True))
        start = Organisation.objects.using(using).filter(slug__startswith=PREFIX).count()
        data = _Data(rng, start, count, audiences, themes)
        if connections[using].vendor == "postgresql":
            ids = _write_postgresql(data, source, using)
        else:
            ids = _write(data, source, using)
        DataVersion.bump(using)
    return ids


class _Data:
    """Synthetic organisations and their records, as rows of plain values. A record's
    organisation (and an affiliation's other one) is the organisation's index in
    `organisations`."""

    def __init__(self, rng, start, count, audiences, themes):
        self.organisations = [_organisation(rng, start + n) for n in range(count)]
        self.statements, self.benefits, self.figures, self.affiliations = [], [], [], []
        for i, organisation in enumerate(self.organisations):
            self._records(rng, i, organisation.name.split(" ", 1)[0], count)
        self.audiences = _tags(rng, count, audiences)
        self.themes = _tags(rng, count, themes)

    def _records(self, rng, i, place, count):
        """The records of organisation `i`; the same random draws in the same order as ever,
        so that a seed gives the same data."""
        for n in range(1, rng.randint(2, 4) + 1):
            kind = rng.choice(STATEMENT_KINDS)
            text = rng.choice(AIMS).format(topic=rng.choice(TOPICS), place=place)
            self.statements.append((i, f"s{n}", n, kind, text))
        for n, (category, text) in enumerate(rng.sample(BENEFITS, rng.randint(0, 4)), 1):
            text = text.format(topic=rng.choice(TOPICS), place=place)
            self.benefits.append((i, f"b{n}", n, category, text))
        for n, (label, low, high) in enumerate(rng.sample(FIGURES, rng.randint(0, 2)), 1):
            value = rng.randint(low, high)
            self.figures.append((i, f"f{n}", n, value, rng.choice(QUALIFIERS), label))
        others = rng.sample(range(count), min(count, rng.randint(0, 2)))
        for n, other in enumerate((o for o in others if o != i), 1):
            self.affiliations.append((i, f"a{n}", n, rng.choice(AFFILIATION_KINDS), other))

    def documents(self, size):
        """Each organisation's `search_text`, in lists of `size`: the site's own
        `search.document()` of its records as `search.document_of()` gives them (in their
        order; affiliations in the order of `Organisation.affiliation_links()`)."""
        organisations = self.organisations
        statements = [[] for _ in organisations]
        benefits = [[] for _ in organisations]
        figures = [[] for _ in organisations]
        outgoing = [[] for _ in organisations]
        incoming = [[] for _ in organisations]
        for i, _, _, kind, text in self.statements:
            statements[i].append(_Statement(kind, text))
        for i, _, _, _, text in self.benefits:
            benefits[i].append(_Benefit(text))
        for i, _, _, value, qualifier, label in self.figures:
            figures[i].append(_Figure(value, qualifier, label))
        links = {kind: _links(kind) for kind in AFFILIATION_KINDS}
        for i, _, _, kind, other in self.affiliations:
            out, into = links[kind]
            outgoing[i].append(out(organisations[other]))
            incoming[other].append(into(organisations[i]))

        def link_order(link):
            return Affiliation.sort_key(link.kind, link.organisation.name)

        for start in range(0, len(organisations), size):
            yield [
                search.document(
                    organisations[i],
                    statements=statements[i],
                    benefits=benefits[i],
                    programmes=[],
                    roles=[],
                    key_figures=figures[i],
                    links=sorted(outgoing[i] + incoming[i], key=link_order),
                )
                for i in range(start, min(start + size, len(organisations)))
            ]


# What search.document() reads of an organisation and its records: the same attributes and
# methods as the models', without the cost of a hundred thousand model instances.
class _Organisation(namedtuple("_Organisation", ORGANISATION_FIELDS[:-1])):
    __slots__ = ()
    display_name = Organisation.display_name


class _Statement:
    __slots__ = ("kind", "text")
    title = ""
    labels = dict(Statement.Kind.choices)

    def __init__(self, kind, text):
        self.kind, self.text = kind, text

    def get_kind_display(self):
        return self.labels[self.kind]


class _Benefit:
    __slots__ = ("text",)
    title = ""

    def __init__(self, text):
        self.text = text


class _Figure:
    __slots__ = ("value", "qualifier", "label")
    note = ""
    __str__ = KeyFigure.__str__

    def __init__(self, value, qualifier, label):
        self.value, self.qualifier, self.label = value, qualifier, label


def _links(kind):
    """An affiliation of `kind` as seen from each side: a function of the organisation at
    the other end to what `search.document()` and the ordering read of its AffiliationLink."""
    return [partial(_Link, kind, incoming) for incoming in (False, True)]


class _Link:
    __slots__ = ("kind", "organisation", "text")

    def __init__(self, kind, incoming, organisation):
        before, after = Affiliation.wording(kind, "", "", incoming)
        self.kind, self.organisation = kind, organisation
        self.text = f"{before}{organisation.display_name}{after}"


def _organisation(rng, n):
    place = rng.choice(PLACES)
    noun, kind = rng.choice(NOUNS)
    topic = rng.choice(TOPICS)
    words = f"{place} {noun}".split()
    acronym = "".join(w[0] for w in words if w[0].isupper()) if rng.random() < 0.6 else ""
    scope = rng.choice(SCOPES)
    status = rng.choice(STATUSES)
    founded_year = rng.randint(1890, 2024) if rng.random() < 0.7 else None
    summary = f"A synthetic {noun.lower()} in {place} working on {topic}."
    description = (
        f"This organisation is generated test data. It brings together people in {place} "
        f"who care about {topic} and {rng.choice(TOPICS)}."
    )
    name = f"{place} {noun} (synthetic {n})"
    slug = f"{PREFIX}{n:06d}"
    return _Organisation(
        name, slug, acronym, kind, scope, status, founded_year, summary, description
    )


def _tags(rng, count, tags):
    """Rows of a many-to-many table: each organisation gets one or two of `tags`."""
    return [
        (i, tag)
        for i in range(count)
        for tag in (rng.sample(tags, rng.randint(1, min(2, len(tags)))) if tags else [])
    ]


def _tables(data, source):
    """(model, fields, rows, constants) for every table but the organisations': each row has
    a value for each of `fields` (attnames), and `constants` ({attname: value}) the same in
    every row."""
    cited = {"source_id": source.pk, "excerpt": SOURCE_TEXT}
    records = ["organisation_id", "key", "order"]
    return [
        (Statement, [*records, "kind", "text"], data.statements, cited),
        (MemberBenefit, [*records, "category", "text"], data.benefits, cited),
        (KeyFigure, [*records, "value", "qualifier", "label"], data.figures, cited),
        (Affiliation, [*records, "kind", "other_id"], data.affiliations, cited),
        (Organisation.audiences.through, ["organisation_id", "audience_id"], data.audiences, {}),
        (Organisation.themes.through, ["organisation_id", "theme_id"], data.themes, {}),
    ]


def _full_rows(model, fields, rows, constants, ids, connection):
    """The columns of `model`'s table (all but the id), and `rows` as values for them:
    organisation indexes replaced by `ids`, then the constants, then every other field's
    default."""
    given = [model._meta.get_field(name) for name in [*fields, *constants]]
    others = [f for f in model._meta.concrete_fields if f not in given and not f.primary_key]
    suffix = tuple(constants.values())
    suffix += tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
    refs = [n for n, name in enumerate(fields) if name in ("organisation_id", "other_id")]

    def full(row):
        row = list(row)
        for n in refs:
            row[n] = ids[row[n]]
        return (*row, *suffix)

    return [*given, *others], map(full, rows)


def _write(data, source, using):
    """Write `data` with the ORM's bulk_create (SQLite and other databases); the ids."""
    connection = connections[using]
    documents = [document for chunk in data.documents(BATCH_SIZE) for document in chunk]
    organisations = Organisation.objects.using(using).bulk_create(
        [
            Organisation(**dict(zip(ORGANISATION_FIELDS, (*row, document), strict=True)))
            for row, document in zip(data.organisations, documents, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    ids = [organisation.pk for organisation in organisations]
    for model, *table in _tables(data, source):
        columns, rows = _full_rows(model, *table, ids, connection)
        names = [column.attname for column in columns]
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.using(using).bulk_create(objects, batch_size=BATCH_SIZE)
    return ids


def _write_postgresql(data, source, using):
    """Write `data` with COPY; the ids. Meanwhile one thread builds the search documents and
    another has PostgreSQL compute their vectors on a connection of its own (`_Vectors`)."""
    connection = connections[using]
    searchable = queue.SimpleQueue()
    stop = threading.Event()
    vectors = _Vectors(using)
    documents = threading.Thread(target=_documents, args=(data, vectors, searchable, stop))
    documents.start()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Organisation._meta.db_table, len(data.organisations)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            tables = _tables(data, source)
            with _foreign_keys_rebuilt(cursor, of=[model for model, *_ in tables]):
                # The records first, while the vectors are computed.
                for model, *spec in tables:
                    columns, rows = _full_rows(model, *spec, ids, connection)
                    _copy(cursor, model, columns, rows)
                pieces = set()
                rows = _organisation_rows(data, ids, searchable, pieces)
                fields = ["id", *ORGANISATION_FIELDS, "search_vector"]
                columns, rows = _full_rows(Organisation, fields, rows, {}, ids, connection)
                _copy(cursor, Organisation, columns, rows)
                _remember_words(cursor, pieces)
    finally:
        stop.set()
        documents.join()
        vectors.close()
    return ids


def _copy(cursor, model, columns, rows):
    names = ", ".join(cursor.db.ops.quote_name(column.column) for column in columns)
    with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _documents(data, vectors, searchable, stop):
    """In a thread of its own: put on the queue `searchable`, chunk by chunk, the
    organisations' search documents, their vectors to come (futures, from `vectors`) and the
    distinct pieces of their text between spaces (see `_remember_words`); or the exception
    that stopped it."""
    try:
        start = 0
        for documents in data.documents(VECTOR_CHUNK):
            if stop.is_set():
                return
            rows = data.organisations[start : start + len(documents)]
            names, acronyms = [row.name for row in rows], [row.acronym for row in rows]
            computed = vectors.submit(names, acronyms, documents)
            lines = {*names, *acronyms}
            for document in documents:
                lines.update(document.split("\n"))
            pieces = {piece for line in lines for piece in line.split()}
            searchable.put((documents, computed, pieces))
            start += len(documents)
    except BaseException as error:
        searchable.put(error)


def _organisation_rows(data, ids, searchable, pieces):
    """The organisations' rows, with their search documents and vectors as they come from
    `_documents`; `pieces` gets the pieces of their text."""
    done = 0
    while done < len(ids):
        chunk = searchable.get()
        if isinstance(chunk, BaseException):
            raise chunk
        documents, computed, more = chunk
        pieces |= more
        end = done + len(documents)
        rows = ids[done:end], data.organisations[done:end], documents, computed.result()
        for pk, row, document, vector in zip(*rows, strict=True):
            yield (pk, *row, document, vector)
        done = end


class _Vectors:
    """Search vectors, computed by PostgreSQL from the same SQL as `search.index()`, on a
    connection of their own, in a thread of their own."""

    def __init__(self, using):
        self.using = using
        self.executor = ThreadPoolExecutor(max_workers=1)
        self.futures = []
        vector = search.vector_sql("d.name", "d.acronym", "d.search_text")
        self.query = (
            f"SELECT ({vector})::text FROM unnest(%s::text[], %s::text[], %s::text[]) "
            "WITH ORDINALITY AS d(name, acronym, search_text, n) ORDER BY d.n"
        )

    def submit(self, names, acronyms, documents):
        """The vectors (as text) of these organisations, to come: a future."""
        future = self.executor.submit(self._compute, names, acronyms, documents)
        self.futures.append(future)
        return future

    def _compute(self, names, acronyms, documents):
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.query, [names, acronyms, documents])
            return [vector for (vector,) in cursor.fetchall()]

    def _close(self):
        connections[self.using].close()

    def close(self):
        for future in self.futures:
            future.cancel()
        self.executor.submit(self._close)
        self.executor.shutdown()


@contextmanager
def _foreign_keys_rebuilt(cursor, *, of=(), to=()):
    """On PostgreSQL, run the block without the foreign keys of the tables of the models `of`
    and those to the tables of `to`, then create them again, which checks every row at once:
    for a million rows, much faster than the one check per row they would make otherwise
    (at commit). Dropping a foreign key locks both its tables until the transaction ends.
    Only the tables' owner may; for anyone else they stay, and check row by row."""
    if cursor.db.vendor != "postgresql":
        yield
        return
    cursor.execute(
        """
        SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid),
            pg_has_role(t.relowner, 'USAGE') AND pg_has_role(r.relowner, 'USAGE')
        FROM pg_constraint k
        JOIN pg_class t ON t.oid = k.conrelid
        JOIN pg_class r ON r.oid = k.confrelid
        WHERE k.contype = 'f'
            AND (k.conrelid = ANY(%s::regclass[]) OR k.confrelid = ANY(%s::regclass[]))
        ORDER BY k.conrelid::regclass::text, k.conname
        """,
        [[model._meta.db_table for model in models] for models in (of, to)],
    )
    keys = cursor.fetchall()
    if not all(owned for *_, owned in keys):
        yield
        return
    quote = cursor.db.ops.quote_name
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending checks
    for table, name, _, _ in keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    for table, name, definition, _ in keys:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them


def _remember_words(cursor, pieces):
    """Remember the words of the organisations' names, acronyms and documents for typo
    correction, as `search.index()` does, but from the distinct pieces of their text between
    white space (short, and far fewer than the words of all the documents). The words are
    the same, since PostgreSQL's parser ends a word at white space (only markup, which this
    text has none of, could run across it)."""
    words = search.words_sql("piece")
    cursor.execute(
        f"INSERT INTO {search.WORDS_TABLE} (word) SELECT DISTINCT word "
        f"FROM unnest(%s::text[]) AS piece, unnest(tsvector_to_array({words})) AS word "
        f"WHERE word ~ '{search.WORD_PATTERN}' ORDER BY word ON CONFLICT DO NOTHING",
        [sorted(pieces)],
    )


def remove(using="default"):
    """Delete every synthetic organisation and record; the number of organisations deleted.
    Each table is cleared in one statement (what refers to the organisations first: deleted,
    or set to null, as their foreign keys say), not row by row as `QuerySet.delete()` would."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            _analyze(connection)
        with _foreign_keys_rebuilt(cursor, to=[Organisation]):
            synthetic = Organisation.objects.using(using).filter(slug__startswith=PREFIX)
            ids = synthetic.values("pk")
            for relation in Organisation._meta.related_objects:
                rows = relation.related_model._base_manager.using(using)
                rows = rows.filter(**{f"{relation.field.name}__in": ids})
                if relation.on_delete is models.CASCADE:
                    rows.delete()
                elif relation.on_delete is models.SET_NULL:
                    rows.update(**{relation.field.name: None})
            for field in Organisation._meta.many_to_many:
                rows = field.remote_field.through.objects.using(using)
                rows.filter(**{f"{field.m2m_field_name()}__in": ids}).delete()
            table = connection.ops.quote_name(Organisation._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE slug LIKE %s", [f"{PREFIX}%"])
            deleted = cursor.rowcount
        Source.objects.using(using).filter(slug=SOURCE_SLUG).delete()
        if postgresql:
            cursor.execute(f"DELETE FROM {search.WORDS_TABLE}")
            real = Organisation.objects.using(using).order_by().values_list("pk", flat=True)
            search.index(using, Organisation, list(real))
        DataVersion.bump(using)
    return deleted


def _analyze(connection):
    """Bring PostgreSQL's statistics up to date for the columns `remove()` selects on, which
    a bulk load leaves stale: planned from stale ones, a delete can take hours."""
    quote = connection.ops.quote_name
    columns = {Organisation: ["id", "slug"]}
    for relation in Organisation._meta.related_objects:
        columns.setdefault(relation.related_model, []).append(relation.field.column)
    for field in Organisation._meta.many_to_many:
        columns[field.remote_field.through] = [field.m2m_column_name()]
    with connection.cursor() as cursor:
        for model, names in columns.items():
            listed = ", ".join(quote(name) for name in names)
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)} ({listed})")


def _source(using):
    source, _ = Source.objects.using(using).get_or_create(
        slug=SOURCE_SLUG,
        defaults={
            "title": "Synthetic data (not real)",
            "description": "Generated by `generate_synthetic` for benchmarks. Remove it with "
            "`remove_synthetic`.",
            "text": SOURCE_TEXT,
        },
    )
    return source
