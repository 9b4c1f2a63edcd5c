"""Synthetic organisations, to measure the site at sizes the real directory has not reached.

Everything generated is marked: slugs start with `synthetic-`, names end with "(synthetic N)",
and every record cites the "Synthetic data" source. It never reaches the real fixture
(`export_fixture` leaves it out) and `remove()` takes it all away. The same seed always gives
the same data. Writes are bulk (COPY on PostgreSQL); search documents are built in memory with
the same `search.document()` the site uses, and the vectors in one SQL statement. Both
generating and removing bump the data version, like every write.
"""

import random

from django.db import connections, transaction

from . import search
from .models import (
    Affiliation,
    AffiliationLink,
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


def is_synthetic(slug):
    return slug.startswith(PREFIX)


@transaction.atomic
def generate(count, *, seed=1, using="default"):
    """Add `count` synthetic organisations (numbered after any already there); their ids."""
    rng = random.Random(seed)
    source = _source(using)
    audiences = list(Audience.objects.using(using).order_by("slug"))
    themes = list(Theme.objects.using(using).order_by("slug"))
    start = Organisation.objects.using(using).filter(slug__startswith=PREFIX).count()
    organisations = [_organisation(rng, start + n) for n in range(count)]
    records = {model: [] for model in (Statement, MemberBenefit, KeyFigure, Affiliation)}
    owned = [_records(rng, org, organisations, source) for org in organisations]
    for own in owned:
        for model, items in own.items():
            records[model] += items
    incoming = {id(org): [] for org in organisations}
    for affiliation in records[Affiliation]:
        incoming[id(affiliation.other)].append(AffiliationLink.incoming(affiliation))
    for org, own in zip(organisations, owned, strict=True):
        org.search_text = search.document(
            org,
            statements=own[Statement],
            benefits=own[MemberBenefit],
            programmes=[],
            roles=[],
            key_figures=own[KeyFigure],
            links=[AffiliationLink.outgoing(a) for a in own[Affiliation]] + incoming[id(org)],
        )

    _insert(organisations, using, with_ids=True)
    for items in records.values():  # the organisations have their ids now
        _insert(items, using)
    _insert(_tags(rng, organisations, audiences, Organisation.audiences.through, "audience"), using)
    _insert(_tags(rng, organisations, themes, Organisation.themes.through, "theme"), using)
    ids = [org.pk for org in organisations]
    search.index(using, Organisation, ids)
    DataVersion.bump(using)
    return ids


@transaction.atomic
def remove(using="default"):
    """Delete every synthetic organisation and record; the number of organisations deleted."""
    synthetic = Organisation.objects.using(using).filter(slug__startswith=PREFIX)
    for model in (Affiliation, Statement, MemberBenefit, KeyFigure):
        model.objects.using(using).filter(organisation__in=synthetic).delete()
    for through in (Organisation.audiences.through, Organisation.themes.through):
        through.objects.using(using).filter(organisation__in=synthetic).delete()
    deleted, _ = synthetic.delete()
    Source.objects.using(using).filter(slug=SOURCE_SLUG).delete()
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(f"DELETE FROM {search.WORDS_TABLE}")
        search.index(using, Organisation, list(Organisation.objects.values_list("pk", flat=True)))
    DataVersion.bump(using)
    return deleted


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


def _organisation(rng, n):
    place = rng.choice(PLACES)
    noun, kind = rng.choice(NOUNS)
    topic = rng.choice(TOPICS)
    words = f"{place} {noun}".split()
    acronym = "".join(w[0] for w in words if w[0].isupper()) if rng.random() < 0.6 else ""
    return Organisation(
        name=f"{place} {noun} (synthetic {n})",
        slug=f"{PREFIX}{n:06d}",
        acronym=acronym,
        kind=kind,
        scope=rng.choice(SCOPES),
        status=rng.choice(STATUSES),
        founded_year=rng.randint(1890, 2024) if rng.random() < 0.7 else None,
        summary=f"A synthetic {noun.lower()} in {place} working on {topic}.",
        description=(
            f"This organisation is generated test data. It brings together people in {place} "
            f"who care about {topic} and {rng.choice(TOPICS)}."
        ),
    )


def _records(rng, org, organisations, source):
    place = org.name.split()[0]

    def cited(model, **fields):
        return model(organisation=org, source=source, excerpt=SOURCE_TEXT, **fields)

    statements = [
        cited(
            Statement,
            key=f"s{i}",
            order=i,
            kind=rng.choice(["mission", "aim", "belief", "principle"]),
            text=rng.choice(AIMS).format(topic=rng.choice(TOPICS), place=place),
        )
        for i in range(1, rng.randint(2, 4) + 1)
    ]
    benefits = [
        cited(
            MemberBenefit,
            key=f"b{i}",
            order=i,
            category=category,
            text=text.format(topic=rng.choice(TOPICS), place=place),
        )
        for i, (category, text) in enumerate(rng.sample(BENEFITS, rng.randint(0, 4)), 1)
    ]
    figures = [
        cited(
            KeyFigure,
            key=f"f{i}",
            order=i,
            value=rng.randint(low, high),
            qualifier=rng.choice(["", "nearly", "more than"]),
            label=label,
        )
        for i, (label, low, high) in enumerate(rng.sample(FIGURES, rng.randint(0, 2)), 1)
    ]
    others = rng.sample(organisations, min(len(organisations), rng.randint(0, 2)))
    affiliations = [
        cited(Affiliation, key=f"a{i}", order=i, kind=rng.choice(AFFILIATION_KINDS), other=other)
        for i, other in enumerate((o for o in others if o is not org), 1)
    ]
    return {
        Statement: statements,
        MemberBenefit: benefits,
        KeyFigure: figures,
        Affiliation: affiliations,
    }


def _tags(rng, organisations, tags, through, field):
    """Rows of a many-to-many table: each organisation gets one or two of `tags`."""
    return [
        through(organisation_id=org.pk, **{f"{field}_id": tag.pk})
        for org in organisations
        for tag in (rng.sample(tags, rng.randint(1, min(2, len(tags)))) if tags else [])
    ]


def _insert(objects, using, *, with_ids=False):
    """Insert model instances of one model in bulk: with COPY on PostgreSQL (much faster than
    INSERT for a hundred thousand rows), bulk_create elsewhere. `with_ids`: give the instances
    their ids first, from the table's sequence, so that other rows can refer to them."""
    if not objects:
        return
    model = type(objects[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_create(objects, batch_size=BATCH_SIZE)
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(objects)],
            )
            for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = pk
        fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        relations = [f for f in fields if f.is_relation]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                for field in relations:  # set when the related row had no id yet
                    if getattr(obj, field.attname) is None:
                        related = getattr(obj, field.name)
                        setattr(obj, field.attname, related.pk if related else None)
                copy.write_row(
                    [
                        field.get_db_prep_save(getattr(obj, field.attname), connection)
                        for field in fields
                    ]
                )
