"""Exports of the organisation list: the same search and filters, as CSV or JSON.

`rows()` reads what both exports say about each organisation as plain values, a chunk of
organisations at a time (from a server-side cursor on PostgreSQL), with a fixed number of
queries per chunk for the chunk's relations, so memory stays flat however many organisations
match. No model is instantiated: at 100,000 organisations that, prefetching into each instance
and reversing each URL cost far more than the queries. The wording (labels, figures,
affiliations as each side's page words them) is made once, in `rows()`;
`organisation_record()` shapes it as the JSON export's item and `csv_row()` as the CSV's
cells, so the two exports never disagree (tests/test_exports.py checks both against what the
models say). Both writers stream a batch of rows at a time.
"""

import csv
import io
import json
from functools import lru_cache
from itertools import islice

from django.db.models import F, Lookup

from .models import (
    Affiliation,
    AreaServed,
    Citation,
    Dated,
    Identifier,
    KeyFigure,
    MemberBenefit,
    Organisation,
    OtherName,
    Programme,
    Role,
    Source,
    Statement,
    detail_urls,
)

# Organisations read (and their relations queried) per database round trip.
CHUNK_SIZE = 2000

# Rows per piece of streamed output (~200 KB of CSV).
OUTPUT_ROWS = 500

CSV_COLUMNS = [
    "name",
    "acronym",
    "slug",
    "url",
    "kind",
    "scope",
    "status",
    "founded_year",
    "summary",
    "website",
    "audiences",
    "themes",
    "key_figures",
    "affiliations",
]

# The header says which columns the sources state (each backed by a passage, in the JSON export),
# which are quoted, and which are our classification: "kind (our classification)".
COLUMN_MARKS = {
    **dict.fromkeys(Organisation.STATED, "stated"),
    **dict.fromkeys(Organisation.CLASSIFIED, "our classification"),
    "summary": "quoted",
    "affiliations": "our wording",
}
CSV_HEADER = [
    f"{column} ({COLUMN_MARKS[column]})" if column in COLUMN_MARKS else column
    for column in CSV_COLUMNS
]

# Characters that make a spreadsheet read a cell as a formula (OWASP's list: the four the
# issue names, plus tab and carriage return).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

LIST_SEPARATOR = "; "

YEAR_COLUMN = CSV_COLUMNS.index("founded_year")

# The organisation's own columns, as `rows()` reads them (after its id).
FIELDS = (
    "name",
    "acronym",
    "slug",
    "kind",
    "scope",
    "status",
    "founded_year",
    "summary",
    "website",
)

# The records of every other kind, as the JSON export gives them: {name: (model, {key: field})},
# each with its source and passage. Citations are the passages behind the organisation's own
# fields (`supports` names the stated field a passage states, if any).
RECORDS = {
    "statements": (Statement, {"kind": "kind", "title": "title", "text": "text"}),
    "benefits": (
        MemberBenefit,
        {"category": "category", "title": "title", "text": "text", "for": "members"},
    ),
    "programmes": (
        Programme,
        {
            "name": "name",
            "kind": "kind",
            "part_of": "parent__name",
            "frequency": "frequency",
            "year": "year",
            "location": "location",
            "description": "description",
        },
    ),
    "roles": (
        Role,
        {
            "person": "person__name",
            "title": "title",
            "quote": "quote",
            "start_year": "start_year",
            "end_year": "end_year",
        },
    ),
    "areas_served": (AreaServed, {"area": "area__code", "area_name": "area__name"}),
    "other_names": (OtherName, {"kind": "kind", "name": "name"}),
    "identifiers": (Identifier, {"scheme": "scheme", "value": "value"}),
    "citations": (Citation, {"supports": "supports"}),
}

# Each record's source and passage, as `rows()` reads them.
CITED = ("source__slug", "excerpt")

KIND_LABELS = dict(Organisation.Kind.choices)
SCOPE_LABELS = dict(Organisation.Scope.choices)


class Row:
    """One organisation, as `rows()` reads it: its columns (`FIELDS`), its audiences and themes
    as (its id, slug, name), its key figures as (its id, value, qualifier, label, note, text)
    and its affiliations as `Link`s, each in the order its page shows them."""

    __slots__ = ("fields", "audiences", "themes", "key_figures", "affiliations", "records")

    def __init__(self, fields, audiences, themes, key_figures, affiliations, records):
        self.fields = fields
        self.audiences = audiences
        self.themes = themes
        self.key_figures = key_figures
        self.affiliations = affiliations
        # {name in RECORDS: [(its id, its fields' values..., source slug, passage)]}, if read.
        self.records = records


class Link:
    """One affiliation worded for the exported organisation's side, as its page words it
    (`Affiliation.wording`): `other` is the organisation at the other end, as (name, slug),
    or, where the passage names none, (its words for the other side, None), and
    `described_as` says what they describe."""

    __slots__ = (
        "incoming",
        "kind",
        "label",
        "other",
        "described_as",
        "qualifier",
        "programme",
        "text",
        "key",
        "start_year",
        "end_year",
        "source",
        "passage",
    )

    def __init__(
        self,
        incoming,
        other,
        described_as,
        kind,
        qualifier,
        programme,
        start_year,
        end_year,
        source=None,
        passage=None,
    ):
        name, acronym, slug = other
        self.incoming = incoming
        self.kind = kind
        self.label, before, after = _wording(kind, qualifier, programme, incoming)
        self.other = (name, slug)
        self.described_as = described_as
        # The affiliation's own qualifier (on the incoming side it is also part of `label`).
        self.qualifier = qualifier
        self.programme = programme
        period = Dated.period_of(start_year, end_year)
        self.text = f"{before}{Organisation.name_with_acronym(name, acronym)}{after}" + (
            f" ({period})" if period else ""
        )
        self.key = Affiliation.sort_key(kind, name)
        self.start_year = start_year
        self.end_year = end_year
        self.source = source
        self.passage = passage


@lru_cache(maxsize=1024)
def _wording(kind, qualifier, programme, incoming):
    """(label, before, after): `Affiliation.label` and `.wording`, worked out once for each
    of the few ways affiliations are worded, not once per affiliation."""
    return (
        Affiliation.label(kind, qualifier, incoming),
        *Affiliation.wording(kind, qualifier, programme, incoming),
    )


class Among(Lookup):
    """`lhs` is one of a chunk's ids (integers: `Organisation`'s). Used directly in `filter()`,
    never registered. On PostgreSQL `lhs = ANY(%s::bigint[])`, the ids as one parameter;
    elsewhere `lhs IN (1, 2, ...)`, the ids written out (they are integers), so thousands of
    ids cost neither Django nor the driver a placeholder each, nor hit SQLite's limit on them."""

    lookup_name = "among"
    prepare_rhs = False

    def ids(self):
        return ",".join(map(str, map(int, self.rhs)))

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({self.ids()})", params

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + self.ids() + "}"]


def rows(queryset, with_records=False, records=(), passages=True):
    """The `Row` of every organisation in `queryset` (already filtered and ordered), in its
    order, read `CHUNK_SIZE` at a time: memory does not grow with the number of rows.

    Each chunk costs at most seven queries, however large it is: the chunk (one fetch from
    the cursor); its audiences; themes; key figures; affiliations from it; affiliations to it;
    and the name, acronym and slug of the organisations at their other ends (none if it has
    no affiliations). `with_records`: one more for each kind of record in `RECORDS`; or
    `records`, the names of those to read (one query each). `passages=False`: the key figures
    and affiliations without their source and passage (None), for the list's CSV, which shows
    neither.
    """
    names = list(RECORDS) if with_records else list(records)
    chunk_size = CHUNK_SIZE
    db = queryset.db
    organisations = queryset.values_list("pk", *FIELDS).iterator(chunk_size=chunk_size)
    while chunk := list(islice(organisations, chunk_size)):
        ids = [row[0] for row in chunk]
        audiences = _tagged(db, Organisation.audiences, ids)
        themes = _tagged(db, Organisation.themes, ids)
        cited = CITED if passages else ()
        figures = _grouped(
            (organisation, value, qualifier, label, note, KeyFigure.text(qualifier, value, label))
            + tuple(quoted)
            for organisation, value, qualifier, label, note, *quoted in KeyFigure.objects.using(db)
            .filter(Among(F("organisation"), ids))
            .values_list("organisation", "value", "qualifier", "label", "note", *cited)
        )
        # (this side, other side, kind, qualifier, programme, source, passage), each direction
        # in its order.
        affiliations = Affiliation.objects.using(db)
        fields = ("kind", "qualifier", "programme__name", "start_year", "end_year", *cited)
        outgoing = list(
            affiliations.filter(Among(F("organisation"), ids)).values_list(
                "organisation", "other", "described", "described_as", *fields
            )
        )
        incoming = list(
            affiliations.filter(Among(F("other"), ids)).values_list(
                "other", "organisation", "described", "described_as", *fields
            )
        )
        others = _organisations(db, {pk for _, pk, *_ in outgoing + incoming if pk})
        # Outgoing first, then incoming; then sorted (stably) by kind and the other
        # organisation's name, as the organisation's page does.
        links = {}
        for incoming_side, records in ((False, outgoing), (True, incoming)):
            for pk, other, described, *values in records:
                link = Link(
                    incoming_side, others[other] if other else (described, "", None), *values
                )
                links.setdefault(pk, []).append(link)
        quoted = {}
        for name in names:
            model, columns = RECORDS[name]
            quoted[name] = _grouped(
                model.objects.using(db)
                .filter(Among(F("organisation"), ids))
                .order_by("organisation", "order", "pk")
                .values_list("organisation", *columns.values(), *CITED)
            )
        for row in chunk:
            pk = row[0]
            linked = links.get(pk)
            if linked:
                linked.sort(key=_link_key)
            yield Row(
                row[1:],
                audiences.get(pk, ()),
                themes.get(pk, ()),
                figures.get(pk, ()),
                linked or (),
                {name: records.get(pk, ()) for name, records in quoted.items()},
            )


def _tagged(db, tags, ids):
    """{organisation id: [(organisation id, slug, name)]} of the tags (`Organisation.audiences` or
    `.themes`) of the organisations `ids`, each organisation's by name. Read from the table
    between them by organisation: from the tags' side, SQLite read the whole table per chunk."""
    tag = tags.field.m2m_reverse_field_name()
    return _grouped(
        tags.through.objects.using(db)
        .filter(Among(F("organisation"), ids))
        .order_by(f"{tag}__name")
        .values_list("organisation", f"{tag}__slug", f"{tag}__name")
    )


def _organisations(db, ids):
    """{id: (name, acronym, slug)} of the organisations `ids`."""
    if not ids:
        return {}
    organisations = Organisation.objects.using(db).filter(Among(F("pk"), ids)).order_by()
    return {pk: other for pk, *other in organisations.values_list("pk", "name", "acronym", "slug")}


def _grouped(records):
    """{first value: [records]}, each list in the records' order."""
    groups = {}
    for record in records:
        group = groups.get(record[0])
        if group is None:
            groups[record[0]] = [record]
        else:
            group.append(record)
    return groups


def _link_key(link):
    return link.key


def page_urls(absolute_url):
    """slug -> the absolute URL of that organisation's page, as
    `absolute_url(organisation.get_absolute_url())` gives it."""
    return detail_urls(absolute_url("/").removesuffix("/"))


# JSON ----------------------------------------------------------------------------------------


def _choice(value, labels):
    return {"value": value, "label": labels.get(value, value)} if value else None


def _tags(tags):
    return [{"slug": slug, "name": name} for _, slug, name in tags]


def _figure(figure):
    _, value, qualifier, label, note, text, source, passage = figure
    return {
        "value": value,
        "qualifier": qualifier,
        "label": label,
        "note": note,
        "text": text,
        "source": source,
        "passage": passage,
    }


def _record(name, values):
    """One record of `RECORDS[name]` (its values as `rows()` reads them), as JSON data."""
    _, *values, source, passage = values
    keys = RECORDS[name][1]
    return {**dict(zip(keys, values, strict=True)), "source": source, "passage": passage}


def _evidence(citations):
    """{stated field: {"source": ..., "passage": ...}} from an organisation's citations."""
    return {
        supports: {"source": source, "passage": passage}
        for _, supports, source, passage in citations
        if supports
    }


def source_records(db, sources=None):
    """Every source (or those of `sources`, a queryset), with its provenance (only what is
    recorded), as JSON data."""
    sources = Source.objects.using(db) if sources is None else sources
    return [
        {
            "slug": source.slug,
            "title": source.title,
            "publisher": source.publisher.slug if source.publisher else None,
            "url": source.url,
            "retrieved": source.retrieved.isoformat() if source.retrieved else None,
            "licence": source.licence,
        }
        for source in sources.select_related("publisher")
    ]


def _affiliation(link, url):
    name, slug = link.other
    return {
        "direction": "incoming" if link.incoming else "outgoing",
        "kind": link.kind,
        "label": link.label,
        # The organisation at the other end; or, where the passage names none, its words.
        "organisation": {"name": name, "slug": slug, "url": url(slug)} if slug else None,
        "described": {"text": name, "type": link.described_as} if not slug else None,
        "qualifier": link.qualifier,
        "programme": link.programme,
        "text": link.text,
        "start_year": link.start_year,
        "end_year": link.end_year,
        "source": link.source,
        "passage": link.passage,
    }


def organisation_record(row, url):
    """Everything the exports say about one organisation (a `Row`), as JSON-ready data;
    `url` is `page_urls(request.build_absolute_uri)`."""
    name, acronym, slug, kind, scope, status, founded_year, summary, website = row.fields
    return {
        "name": name,
        "acronym": acronym,
        "slug": slug,
        "url": url(slug),
        "kind": _choice(kind, KIND_LABELS),
        "scope": _choice(scope, SCOPE_LABELS),
        "status": status,
        "founded_year": founded_year,
        "summary": summary,
        "website": website,
        "audiences": _tags(row.audiences),
        "themes": _tags(row.themes),
        "key_figures": [_figure(figure) for figure in row.key_figures],
        "affiliations": [_affiliation(link, url) for link in row.affiliations],
        **{
            name: [_record(name, values) for values in records]
            for name, records in row.records.items()
        },
        "evidence": _evidence(row.records.get("citations", ())),
    }


# What the JSON export says first: which of an organisation's fields the sources state (each
# with its passage under "evidence") and which are our classification.
FIELDS_LEGEND = {
    "stated": list(Organisation.STATED),
    "classified": list(Organisation.CLASSIFIED),
    "quoted": ["summary", *RECORDS, "key_figures"],
    "our_wording": ["affiliations.label", "affiliations.text", "key_figures.text"],
}


def stream_json(organisations, absolute_url, sources, about=None):
    """`{"fields": ..., "sources": [...], "organisations": [...]}`, one organisation per line,
    a batch of lines at a time. `sources`: `source_records()`. `about`: what the downloads say
    first (their version, date and licences), if given."""
    url = page_urls(absolute_url)
    encode = json.JSONEncoder(ensure_ascii=False).encode  # as json.dumps(ensure_ascii=False)
    organisations = iter(organisations)
    if about is not None:
        yield f'{{"about": {encode(about)},\n'
    yield f'{"" if about is not None else "{"}"fields": {encode(FIELDS_LEGEND)},\n'
    yield f'"sources": {encode(sources)},\n'
    yield '"organisations": ['
    separator = "\n"
    while batch := list(islice(organisations, OUTPUT_ROWS)):
        text = ",\n".join(encode(organisation_record(row, url)) for row in batch)
        yield separator + text
        separator = ",\n"
    yield "\n]}\n"


# CSV -----------------------------------------------------------------------------------------


def _figure_cell(figure):
    note, text = figure[4], figure[5]
    return f"{text} ({note})" if note else text


def quoted(text):
    """A text cell as a spreadsheet may safely open it: one it would run as a formula is
    quoted (a leading `'`)."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_row(row, url):
    """The CSV's cells for one organisation (a `Row`), in `CSV_COLUMNS` order: the same
    values as its `organisation_record()`, lists joined into one cell. A text cell that a
    spreadsheet would run as a formula is quoted (`quoted()`)."""
    name, acronym, slug, kind, scope, status, founded_year, summary, website = row.fields
    join = LIST_SEPARATOR.join
    texts = [
        name,
        acronym,
        slug,
        url(slug),
        KIND_LABELS.get(kind, kind) if kind else "",
        SCOPE_LABELS.get(scope, scope) if scope else "",
        status,
        summary,
        website,
        join([tag[2] for tag in row.audiences]),
        join([tag[2] for tag in row.themes]),
        join([_figure_cell(figure) for figure in row.key_figures]),
        join([link.text for link in row.affiliations]),
    ]
    cells = [quoted(text) for text in texts]
    cells.insert(YEAR_COLUMN, founded_year)  # a number, or None: never a formula
    return cells


# Every CSV starts with a byte-order mark: without one, Excel reads UTF-8 as the Windows code
# page ("Zoë" as "ZoÃ«", an em dash as "â€”"); with it, every spreadsheet and csv reader that
# reads UTF-8 ("utf-8-sig" in Python) reads it as it is.
BOM = "\ufeff"


def stream_table(header, lines):
    """A CSV's text, a byte-order mark first: `header`, then the rows `lines` gives (lists of
    cells), a batch of OUTPUT_ROWS at a time."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer).writerow(header)
    yield buffer.getvalue()
    lines = iter(lines)
    while batch := list(islice(lines, OUTPUT_ROWS)):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(batch)
        yield buffer.getvalue()


def stream_csv(organisations, absolute_url):
    """The list's CSV: the header, then a row for each organisation (`Row`)."""
    url = page_urls(absolute_url)
    return stream_table(CSV_HEADER, (csv_row(row, url) for row in organisations))
