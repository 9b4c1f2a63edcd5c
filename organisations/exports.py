"""Exports of the organisation list: the same search and filters, as CSV or JSON.

`organisation_record()` shapes one organisation as a plain dict (the JSON export's item);
`csv_row()` flattens that dict into the CSV's columns, so the two exports never disagree.
Both writers stream: rows are read with `.iterator(chunk_size=...)`, prefetching per chunk, so
memory stays flat however many organisations match.
"""

import csv
import json

from django.db.models import Prefetch

from .models import Affiliation

# Rows read (and relations prefetched) per database round trip.
CHUNK_SIZE = 200

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

# Characters that make a spreadsheet read a cell as a formula (OWASP's list: the four the
# issue names, plus tab and carriage return).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

LIST_SEPARATOR = "; "


def for_export(queryset):
    """`queryset` (already filtered and ordered) with everything a record reads prefetched."""
    return queryset.prefetch_related(
        "audiences",
        "themes",
        "key_figures",
        Prefetch("affiliations", Affiliation.objects.select_related("other", "programme")),
        Prefetch(
            "affiliations_received",
            Affiliation.objects.select_related("organisation", "programme"),
        ),
    )


def rows(queryset):
    """Iterate `queryset` in chunks: memory does not grow with the number of rows."""
    return for_export(queryset).iterator(chunk_size=CHUNK_SIZE)


def _choice(value, label):
    return {"value": value, "label": label} if value else None


def _tags(tags):
    return [{"slug": tag.slug, "name": tag.name} for tag in tags]


def _figure(figure):
    return {
        "value": figure.value,
        "qualifier": figure.qualifier,
        "label": figure.label,
        "note": figure.note,
        "text": str(figure),
    }


def _affiliation(link, absolute_url):
    """One `AffiliationLink`, worded for the exported organisation's side, as on its page."""
    other = link.organisation
    programme = link.affiliation.programme
    if link.incoming:
        text = f"{link.label}: {other.display_name}"
    else:
        text = f"{link.label} {other.display_name}"
        if link.qualifier:
            text += f" ({link.qualifier})"
    if programme:
        text += f" — {programme.name}"
    return {
        "direction": "incoming" if link.incoming else "outgoing",
        "kind": link.kind,
        "label": link.label,
        "organisation": {
            "name": other.name,
            "slug": other.slug,
            "url": absolute_url(other.get_absolute_url()),
        },
        # The affiliation's own qualifier (on the incoming side it is also part of `label`).
        "qualifier": link.affiliation.qualifier,
        "programme": programme.name if programme else None,
        "text": text,
    }


def organisation_record(organisation, absolute_url):
    """Everything the exports say about `organisation`, as JSON-ready data.

    `organisation` comes from `for_export()`; `absolute_url` turns a path into a full URL
    (`request.build_absolute_uri`).
    """
    return {
        "name": organisation.name,
        "acronym": organisation.acronym,
        "slug": organisation.slug,
        "url": absolute_url(organisation.get_absolute_url()),
        "kind": _choice(organisation.kind, organisation.get_kind_display()),
        "scope": _choice(organisation.scope, organisation.get_scope_display()),
        "status": organisation.status,
        "founded_year": organisation.founded_year,
        "summary": organisation.summary,
        "website": organisation.website,
        "audiences": _tags(organisation.audiences.all()),
        "themes": _tags(organisation.themes.all()),
        "key_figures": [_figure(figure) for figure in organisation.key_figures.all()],
        "affiliations": [
            _affiliation(link, absolute_url) for link in organisation.affiliation_links()
        ],
    }


# CSV -----------------------------------------------------------------------------------------


def safe_cell(value):
    """A cell a spreadsheet will not run as a formula. Numbers and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _figure_text(figure):
    return f"{figure['text']} ({figure['note']})" if figure["note"] else figure["text"]


def csv_row(record):
    """The CSV's cells for one `organisation_record()`, in `CSV_COLUMNS` order."""
    flat = {
        **record,
        "kind": record["kind"]["label"] if record["kind"] else "",
        "scope": record["scope"]["label"] if record["scope"] else "",
        "audiences": LIST_SEPARATOR.join(tag["name"] for tag in record["audiences"]),
        "themes": LIST_SEPARATOR.join(tag["name"] for tag in record["themes"]),
        "key_figures": LIST_SEPARATOR.join(_figure_text(f) for f in record["key_figures"]),
        "affiliations": LIST_SEPARATOR.join(a["text"] for a in record["affiliations"]),
    }
    return [safe_cell(flat[column]) for column in CSV_COLUMNS]


class Echo:
    """A file-like object whose `write` returns what it is given, for streaming csv rows."""

    def write(self, value):
        return value


def stream_csv(organisations, absolute_url):
    """The CSV's lines, one string per row, header first."""
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for organisation in organisations:
        yield writer.writerow(csv_row(organisation_record(organisation, absolute_url)))


# JSON ----------------------------------------------------------------------------------------


def stream_json(organisations, absolute_url):
    """`{"organisations": [...]}`, one organisation per chunk of text."""
    yield '{"organisations": ['
    separator = "\n"
    for organisation in organisations:
        record = organisation_record(organisation, absolute_url)
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"
