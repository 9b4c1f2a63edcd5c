"""The whole directory as downloads: a CSV for each kind of record, in long format (one row
per record, each affiliation on a row of its own, each with its source and passage), the JSON
export of every organisation, and a Frictionless Data Package (`datapackage.json`) describing
the CSVs.

Everything here is written from the export layer the list's exports use (`exports.rows()`:
streamed a chunk at a time, a fixed number of queries per chunk, whatever the size of the
directory), so a download and the list's exports never disagree. The synthetic data is left
out, as the fixture leaves it out (`fixture.without_synthetic`).
"""

from django.urls import reverse
from django.utils import timezone

from . import exports
from .exports import RECORDS, quoted
from .fixture import without_synthetic
from .history import last_change
from .models import Organisation, Source

# Our own data's licence: the /about/ page names it and says what it covers, the downloads say
# it in their metadata (Frictionless's `licenses`, the JSON's `about`).
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International licence (CC BY 4.0)",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
# The passages are the publishers', quoted: no licence of ours covers them. The metadata says
# so in these words and points to the /about/ page's section on quotations.
QUOTATIONS = (
    "The quoted passages (the columns marked “quoted”, and every “passage”) are the sources' "
    "own words, quoted briefly so that every fact can be checked: they are third-party text, "
    "not covered by our licence, and their copyright stays with their publishers (see each "
    "row's source in sources.csv)."
)

INTEGERS = {"founded_year", "value", "start_year", "end_year", "year"}
ORGANISATION = "organisation"  # each record's organisation, by its slug
CITED = ["source", "passage"]
MARKS = {"passage": "quoted"}


class Table:
    """One CSV of the downloads: `name`.csv, its `columns` (each with the mark its header
    gives it, if any) and how each organisation's `Row` becomes its `lines` (lists of cells,
    in `columns` order). `records`: the kinds of record in `RECORDS` it reads."""

    def __init__(self, name, title, columns, lines, marks=None, records=()):
        self.name = name
        self.title = title
        self.columns = columns
        self.lines = lines
        self.marks = {**MARKS, **(marks or {})}
        self.records = records

    @property
    def filename(self):
        return f"{self.name}.csv"

    @property
    def header(self):
        return [
            f"{column} ({self.marks[column]})" if column in self.marks else column
            for column in self.columns
        ]

    def stream(self, absolute_url, using="default"):
        """The CSV's text, streamed: every published organisation's lines, by slug."""
        url = exports.page_urls(absolute_url)
        rows = exports.rows(published(using), records=self.records)
        return exports.stream_table(
            self.header, (_cells(line) for row in rows for line in self.lines(row, url))
        )

    def resource(self):
        """The table as a Frictionless tabular data resource."""
        fields = [
            {"name": header, "type": "integer" if column in INTEGERS else "string"}
            for column, header in zip(self.columns, self.header, strict=True)
        ]
        resource = {
            "name": self.name,
            "title": self.title,
            "path": self.filename,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            # A byte-order mark first, for Excel (exports.BOM): "utf-8-sig" reads past it.
            "encoding": "utf-8-sig",
            "schema": {"fields": fields},
        }
        # Each row's organisation and source, by slug, as in organisations.csv and sources.csv.
        keys = [
            {"fields": column, "reference": {"resource": resource, "fields": "slug"}}
            for column, resource in [(ORGANISATION, "organisations"), ("source", "sources")]
            if column in self.columns
        ]
        if keys:
            resource["schema"]["foreignKeys"] = keys
        if "slug" in self.columns:
            resource["schema"]["primaryKey"] = "slug"
        return resource


class SourcesTable(Table):
    """sources.csv: every source, not one organisation's."""

    def stream(self, absolute_url, using="default"):
        records = exports.source_records(using, without_synthetic(Source.objects.using(using)))
        lines = ([record[column] for column in self.columns] for record in records)
        return exports.stream_table(self.header, (_cells(line) for line in lines))


def _cells(line):
    """Cells as the CSV writes them: blank for None, text a spreadsheet would run quoted."""
    return [
        "" if cell is None else quoted(cell) if isinstance(cell, str) else cell for cell in line
    ]


def _organisation(row, url):
    # The list's CSV's own columns, without the four it lists in a cell (the tables below
    # give them a row each).
    yield exports.csv_row(row, url)[: exports.CSV_COLUMNS.index("audiences")]


def _tags(kind):
    def lines(row, url):
        for _, slug, name in getattr(row, kind):
            yield [row.fields[2], slug, name]

    return lines


def _key_figures(row, url):
    for _, value, qualifier, label, note, text, source, passage in row.key_figures:
        yield [row.fields[2], value, qualifier, label, note, text, source, passage]


def _affiliations(row, url):
    # Each affiliation once, on the row of the organisation it is recorded for, worded as its
    # page words it ("Member of ..."); the other organisation's page words it the other way.
    # Where the passage names no organisation, other_name is its words for the other side and
    # other_is says what they describe.
    for link in row.affiliations:
        if not link.incoming:
            name, slug = link.other
            yield [
                row.fields[2],
                link.kind,
                link.label,
                slug,
                name,
                link.described_as,
                link.qualifier,
                link.programme,
                link.text,
                link.start_year,
                link.end_year,
                link.source,
                link.passage,
            ]


def _records(name):
    def lines(row, url):
        for _, *values in row.records[name]:
            yield [row.fields[2], *values]

    return lines


def _record_marks(model):
    return dict.fromkeys(getattr(model, "quoted_fields", ()), "quoted")


TABLES = [
    Table(
        "organisations",
        "Organisations",
        exports.CSV_COLUMNS[: exports.CSV_COLUMNS.index("audiences")],
        _organisation,
        marks=exports.COLUMN_MARKS,
    ),
    Table(
        "audiences",
        "The audiences each organisation serves",
        [ORGANISATION, "audience", "name"],
        _tags("audiences"),
        marks={"audience": "our classification"},
    ),
    Table(
        "themes",
        "The themes of each organisation's work",
        [ORGANISATION, "theme", "name"],
        _tags("themes"),
        marks={"theme": "our classification"},
    ),
    Table(
        "affiliations",
        "Affiliations between organisations, one a row",
        [
            ORGANISATION,
            "kind",
            "label",
            "other_organisation",
            "other_name",
            "other_is",
            "qualifier",
            "programme",
            "text",
            "start_year",
            "end_year",
            *CITED,
        ],
        _affiliations,
        marks={"kind": "our classification", "label": "our wording", "text": "our wording"},
    ),
    Table(
        "key_figures",
        "Key figures",
        [ORGANISATION, "value", "qualifier", "label", "note", "text", *CITED],
        _key_figures,
        marks={"text": "our wording"},
    ),
    *[
        Table(
            name,
            name.replace("_", " ").capitalize(),
            [ORGANISATION, *columns, *CITED],
            _records(name),
            marks=_record_marks(model),
            records=[name],
        )
        for name, (model, columns) in RECORDS.items()
    ],
    SourcesTable(
        "sources",
        "The sources every passage is quoted from",
        ["slug", "title", "publisher", "url", "retrieved", "licence"],
        None,
    ),
]
TABLES_BY_NAME = {table.name: table for table in TABLES}


def published(using="default"):
    """Every organisation the downloads hold, by slug: all of them (closed ones too), but the
    synthetic data."""
    return without_synthetic(Organisation.objects.using(using)).order_by("slug")


def about(version, absolute_url):
    """What the downloads say about themselves: the data version, when the data last changed,
    and the licences (ours, and what it does not cover)."""
    updated = last_change()
    return {
        "title": "musicdir: UK music education organisations",
        "version": version,
        "updated": (updated or timezone.now()).isoformat(),
        "homepage": absolute_url(reverse("downloads")),
        "licenses": [LICENCE],
        "quotations": QUOTATIONS,
        "about": absolute_url(reverse("about")),
    }


def datapackage(version, absolute_url):
    """The Frictionless Data Package describing the CSVs (paths relative to it)."""
    meta = about(version, absolute_url)
    return {
        "profile": "tabular-data-package",
        "name": "musicdir",
        "title": meta["title"],
        "version": str(version),
        "created": meta["updated"],
        "homepage": meta["homepage"],
        "description": (
            "The directory of UK music education organisations, a CSV for each kind of "
            "record, in long format (one record a row, each with its source and passage). "
            f"Our own data is under {LICENCE['name']}. {QUOTATIONS} More: {meta['about']}"
        ),
        "licenses": meta["licenses"],
        "resources": [table.resource() for table in TABLES],
    }


def stream_json(version, absolute_url, using="default"):
    """The whole directory as the JSON export gives it, with `about()` first."""
    return exports.stream_json(
        exports.rows(published(using), with_records=True),
        absolute_url,
        exports.source_records(using, without_synthetic(Source.objects.using(using))),
        about=about(version, absolute_url),
    )
