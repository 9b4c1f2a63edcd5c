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

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

CONFIG = "english"
MAX_WORDS = 10
CORRECTIONS_PER_WORD = 3
WORDS_TABLE = "organisations_searchword"


def document(organisation):
    """(A, B, C): the organisation's text by weight, from its `for_detail()` relations."""
    a = [organisation.name, organisation.acronym]
    b = [organisation.summary, organisation.description]
    b += [f"{s.get_kind_display()}: {s.title} {s.text}" for s in organisation.statements.all()]
    c = [f"{x.title} {x.text}" for x in organisation.benefits.all()]
    c += [
        f"{p.name} ({p.get_kind_display()}) {p.description} {p.location}"
        for p in organisation.programmes.all()
    ]
    c += [f"{r.person.name}, {r.title}: {r.quote}" for r in organisation.roles.all()]
    c += [f"{f} {f.note}" for f in organisation.key_figures.all()]
    c += [
        f"{link.label}{':' if link.incoming else ''} {link.organisation.display_name} "
        f"{link.qualifier} {_programme(link)}"
        for link in organisation.affiliation_links()
    ]
    return tuple("\n".join(part.strip() for part in parts if part.strip()) for parts in (a, b, c))


def _programme(link):
    return link.affiliation.programme.name if link.affiliation.programme_id else ""


def refresh(organisations):
    """Rebuild the search document of every organisation in the queryset `organisations`."""
    model = organisations.model
    using = organisations.db
    postgres = connections[using].vendor == "postgresql"
    rows = model.objects.using(using).filter(pk__in=organisations.values("pk")).for_detail()
    ids = []
    for organisation in rows.iterator(chunk_size=200):
        weighted = document(organisation)
        fields = {"search_text": "\n".join(part for part in weighted[1:] if part)}
        if postgres:
            fields["search_vector"] = _vector(weighted)
        model.objects.using(using).filter(pk=organisation.pk).update(**fields)
        ids.append(organisation.pk)
    if postgres and ids:
        _add_words(using, model._meta.db_table, ids)


def _vector(weighted):
    vectors = [
        SearchVector(Value(text), weight=weight, config=CONFIG)
        for weight, text in zip("ABC", weighted, strict=True)
    ]
    return vectors[0] + vectors[1] + vectors[2]


def _add_words(using, table, ids):
    """Remember the words of these documents, for correcting typos against them."""
    documents = (
        f"SELECT to_tsvector('simple', concat_ws(' ', name, acronym, search_text)) FROM {table} "
        "WHERE id IN ({})"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WORDS_TABLE} (word) SELECT word FROM ts_stat(%s) "
            "WHERE word ~ '^[[:alnum:]]{3,}$' ON CONFLICT DO NOTHING",
            [documents.format(",".join(str(int(pk)) for pk in ids))],
        )


class Search:
    """A parsed query: its words, what they may match, and how to highlight the matches."""

    def __init__(self, query, using="default"):
        self.query = " ".join(query.split())
        self.words = re.findall(r"[^\W_]+", self.query.casefold())[:MAX_WORDS]
        self.postgres = connections[using].vendor == "postgresql"
        self.alternatives = {word: [] for word in self.words}
        if self.postgres and self.words:
            self.alternatives = _corrections(using, self.words)

    def __bool__(self):
        return bool(self.words)

    @property
    def terms(self):
        """Every word a match may contain: the query's words and their corrections."""
        return [term for word in self.words for term in [word, *self.alternatives[word]]]

    def apply(self, queryset):
        """`queryset` narrowed to the matches, annotated with a `rank` (higher is better)."""
        if not self.words:
            return queryset
        exact = Q(acronym__iexact=self.query) | Q(name__iexact=self.query)
        if self.postgres:
            tsquery = SearchQuery(self._tsquery(), search_type="raw", config=CONFIG)
            matches = queryset.filter(Q(search_vector=tsquery) | exact)
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
        return matches.annotate(rank=boost + relevance)

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

    def snippet(self, text, width=180):
        """A short, escaped extract of `text` around the first match, matches in <mark>."""
        if not self.words or not text:
            return ""
        pattern = re.compile(
            r"\b(" + "|".join(re.escape(term) for term in self.terms) + r")\w*", re.IGNORECASE
        )
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


def _corrections(using, words):
    """{word: [similar words]} for each word that is not the start of any known word."""
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
