"""Search: which organisations a query matches, how well, and why.

Besides its name and acronym, every organisation keeps the rest of its searchable text in
`search_text`: its summary, description and statements, then its benefits, programmes, people,
key figures and affiliations. `refresh()` rebuilds it; every write path calls it (the admin,
`loaddata`, the `refresh_search` command).

On PostgreSQL the document is also stored as a weighted, GIN-indexed `search_vector` (name and
acronym A, summary and statements B, the rest C) and queried with full-text search: each word
matches as a prefix ("musi" finds music), and a word that matches nothing is corrected with
`pg_trgm` against the directory's own words (kept in the `organisations_searchword` table), so
a typo or two still finds the organisation. Results are ranked with `ts_rank`; an exact acronym
or name ranks first.

On SQLite (no full-text search) the same interface matches every word as a substring of the
name, acronym or `search_text`, and ranks name and acronym matches above the others.
"""

import re
from functools import cached_property
from html import escape  # django.utils.html.escape, without its lazy-text wrapper

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.safestring import mark_safe

from . import progress

CONFIG = "english"
MAX_WORDS = 10
CORRECTIONS_PER_WORD = 3
WORDS_TABLE = "organisations_searchword"


# search_text holds the B text, this separator, then the C text, so that the weighted vector can
# be rebuilt from the table's own columns, in SQL alone (see `index`). It is white space to
# Python's str.split(), so snippets never show it.
PART_SEPARATOR = "\n\x1e\n"  # ASCII record separator
CHUNK_SIZE = 500


def document_of(organisation):
    """The `search_text` of an organisation loaded with `for_detail()`."""
    return document(
        organisation,
        statements=organisation.statements.all(),
        benefits=organisation.benefits.all(),
        programmes=organisation.programmes.all(),
        roles=organisation.roles.all(),
        key_figures=organisation.key_figures.all(),
        links=organisation.affiliation_links(),
    )


def document(organisation, *, statements, benefits, programmes, roles, key_figures, links):
    """An organisation's `search_text` from its records: B, then C. (A, its name and acronym,
    is read from their own columns.)"""
    b = [organisation.summary, organisation.description]
    b += [f"{s.get_kind_display()}: {s.title} {s.text}" for s in statements]
    c = [f"{x.title} {x.text}" for x in benefits]
    c += [f"{p.name} ({p.get_kind_display()}) {p.description} {p.location}" for p in programmes]
    c += [f"{r.person.name}, {r.title}: {r.quote}" for r in roles]
    c += [f"{f} {f.note}" for f in key_figures]
    c += [link.text for link in links]
    return PART_SEPARATOR.join([_joined(b), _joined(c)])


def _joined(parts):
    return "\n".join(part.strip() for part in parts if part.strip())


def refresh(organisations):
    """Rebuild the search documents of the organisations in the queryset `organisations`."""
    model = organisations.model
    using = organisations.db
    rows = model.objects.using(using).filter(pk__in=organisations.values("pk")).for_detail()
    rows = rows.iterator(chunk_size=CHUNK_SIZE)
    total = organisations.count  # counted only if a command shows its progress
    ids, chunk = [], []
    for organisation in progress.bar(rows, total=total, desc="Search index", unit=" organisations"):
        organisation.search_text = document_of(organisation)
        chunk.append(organisation)
        if len(chunk) == CHUNK_SIZE:
            model.objects.using(using).bulk_update(chunk, ["search_text"])
            ids += [o.pk for o in chunk]
            chunk = []
    model.objects.using(using).bulk_update(chunk, ["search_text"])
    index(using, model, ids + [o.pk for o in chunk])


def index(using, model, ids):
    """On PostgreSQL, rebuild the search vectors of organisations `ids` from their columns
    (name and acronym A, the first part of search_text B, the second C), and remember their
    words for typo correction. Nothing to do on other databases."""
    if connections[using].vendor != "postgresql" or not ids:
        return
    table = model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET search_vector = {vector_sql('name', 'acronym', 'search_text')} "
            "WHERE id = ANY(%s)",
            [list(ids)],
        )
        words = words_sql("concat_ws(' ', name, acronym, search_text)")
        listed = ",".join(str(int(pk)) for pk in ids)
        documents = f"SELECT {words} FROM {table} WHERE id = ANY('{{{listed}}}')"
        cursor.execute(
            f"INSERT INTO {WORDS_TABLE} (word) SELECT word FROM ts_stat(%s) "
            f"WHERE word ~ '{WORD_PATTERN}' ON CONFLICT DO NOTHING",
            [documents],
        )


def vector_sql(name, acronym, search_text):
    """SQL for an organisation's weighted search vector, from SQL expressions for its name,
    acronym and search_text: name and acronym A, the first part of search_text B, the second C.
    """
    config = f"'{CONFIG}'::regconfig"
    part = f"to_tsvector({config}, split_part({search_text}, E'\\x1e', {{}}))"
    return (
        f"setweight(to_tsvector({config}, concat_ws(' ', {name}, {acronym})), 'A') "
        f"|| setweight({part.format(1)}, 'B') || setweight({part.format(2)}, 'C')"
    )


# The words typos are corrected against: those of three letters or more (and digits) in a
# document's `words_sql` vector.
WORD_PATTERN = "^[[:alnum:]]{3,}$"


def words_sql(text):
    """SQL for the vector whose lexemes are the words of the SQL expression `text`."""
    return f"to_tsvector('simple', {text})"


class Search:
    """A parsed query: its words, what they may match, and how to highlight the matches."""

    def __init__(self, query, using="default", corrections=None):
        """`corrections(using, words)` finds the typo corrections (`find_corrections`, unless
        the caller keeps them: see organisations/cache.py)."""
        self.query = " ".join(query.split())
        self.words = re.findall(r"[^\W_]+", self.query.casefold())[:MAX_WORDS]
        self.postgres = connections[using].vendor == "postgresql"
        self.alternatives = {word: [] for word in self.words}
        if self.postgres and self.words:
            self.alternatives = (corrections or find_corrections)(using, self.words)

    def __bool__(self):
        return bool(self.words)

    @property
    def terms(self):
        """Every word a match may contain: the query's words and their corrections."""
        return [term for word in self.words for term in [word, *self.alternatives[word]]]

    def apply(self, queryset):
        """`queryset` narrowed to the matches, annotated with a `rank` and ordered by it."""
        if not self.words:
            return queryset
        exact = Q(acronym__iexact=self.query) | Q(name__iexact=self.query)
        if self.postgres:
            tsquery = SearchQuery(self._tsquery(), search_type="raw", config=CONFIG)
            # The vector holds the name and acronym too, so this one condition finds exact
            # matches as well, and it alone lets PostgreSQL use the GIN index.
            matches = queryset.filter(search_vector=tsquery)
            relevance = SearchRank(F("search_vector"), tsquery)
        else:
            matches = queryset
            for word in self.words:
                matches = matches.filter(
                    Q(name__icontains=word)
                    | Q(acronym__icontains=word)
                    | Q(search_text__icontains=word)
                )
            relevance = Value(0.0)
        boost = Case(
            When(exact, then=Value(10.0)),
            When(name__icontains=self.query, then=Value(5.0)),
            When(self._name_holds_every_word(), then=Value(2.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return matches.annotate(rank=boost + relevance).order_by("-rank", "name")

    def _tsquery(self):
        """Raw tsquery text: each word as a prefix, or'ed with its corrections; and'ed."""
        return " & ".join(
            "(" + " | ".join([f"{word}:*", *self.alternatives[word]]) + ")" for word in self.words
        )

    def _name_holds_every_word(self):
        condition = Q()
        for word in self.words:
            condition &= Q(name__icontains=word) | Q(acronym__iexact=word)
        return condition

    @cached_property
    def _match_pattern(self):
        """A word that starts with one of the terms."""
        terms = "|".join(re.escape(term) for term in self.terms)
        return re.compile(rf"\b({terms})\w*", re.IGNORECASE)

    def snippet(self, text, width=180):
        """A short, escaped extract of `text` around the first match, matches in <mark>."""
        if not self.words or not text:
            return ""
        pattern = self._match_pattern
        text = " ".join(text.split())
        first = pattern.search(text)
        if first is None:
            return ""
        start = max(0, first.start() - width // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + width)
        if end < len(text):
            end = text.rfind(" ", start, end) if " " in text[start:end] else end
        extract = text[start:end]
        marked = []
        position = 0
        for match in pattern.finditer(extract):
            marked += [escape(extract[position : match.start()]), "<mark>"]
            marked += [escape(match.group()), "</mark>"]
            position = match.end()
        marked.append(escape(extract[position:]))
        return mark_safe(
            ("… " if start else "") + "".join(marked) + (" …" if end < len(text) else "")
        )


def find_corrections(using, words):
    """{word: [similar words]} for each word that is not the start of any known word (on
    PostgreSQL, with pg_trgm, from the directory's own words)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT t.word, ARRAY(
                SELECT w.word FROM {WORDS_TABLE} w
                WHERE w.word %% t.word
                ORDER BY similarity(w.word, t.word) DESC, w.word
                LIMIT %s
            )
            FROM unnest(%s::text[]) AS t(word)
            WHERE NOT EXISTS (SELECT 1 FROM {WORDS_TABLE} w WHERE w.word ^@ t.word)
            """,
            [CORRECTIONS_PER_WORD, words],
        )
        found = dict(cursor.fetchall())
    return {word: found.get(word, []) for word in words}
