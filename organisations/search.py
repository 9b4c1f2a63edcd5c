"""Search: which organisations a query matches, how well, and why; on PostgreSQL and SQLite.

Besides its name and acronym, every organisation keeps the rest of its searchable text in
`search_text` (`document()`): what its page calls it (type, scope, audiences, themes, the
headings of its statements); its summary, description and statements; then its benefits,
programmes, people, key figures and affiliations; each field named, for the snippets.
`refresh()` rebuilds it and the index (organisations/search_index.py); every write path calls
it, through `OrganisationQuerySet.changed()`.

A query is words and "quoted phrases". Every word must match, in any field: as itself or an
inflection ("inclusion" finds "Inclusive"), or as the start of a word ("educat" finds
"education", past its stem "educ": search_index.py says how each database does it); a phrase
matches its words in a row. A word that starts no word in the directory
is corrected against the directory's own words (`find_corrections`: pg_trgm on PostgreSQL, the
same trigram similarity on SQLite), so "Musik Mark" finds Music Mark, and the page says so
(`corrected`). Results are ranked by the engine (PostgreSQL's ts_rank, SQLite's bm25, both
with name and acronym far above the rest), after an exact acronym or name, then a name holding
the whole query, then a name holding every word.

This module knows nothing of caches or requests: whoever wants the corrections kept passes
`corrections` (organisations/cache.py does).
"""

import re
from functools import cached_property
from html import escape  # django.utils.html.escape, without its lazy-text wrapper
from typing import NamedTuple

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Case, F, FloatField, Func, Q, Value, When
from django.utils.safestring import mark_safe

from . import progress
from .search_index import (
    CONFIG,
    FIELD_SEPARATOR,
    FTS_WEIGHTS,
    PART_SEPARATOR,
    TRIGRAMS_TABLE,
    WORDS_TABLE,
    index,
    parts,
    words_of,
)

MAX_WORDS = 10
CORRECTIONS_PER_WORD = 3
COMPLETIONS_PER_WORD = 8  # the words a prefix begins, shortest first
SIMILARITY = 0.3  # pg_trgm's default similarity threshold, on both databases
CHUNK_SIZE = 500

# What the snippets call each field (the labels' names are the organisation's: models.py).
SUMMARY = "Summary"
ABOUT = "About"
PURPOSE = "Purpose"
MEMBER_BENEFIT = "Member benefit"
PROGRAMME = "Programme"
PERSON = "Person"
KEY_FIGURE = "Key figure"
AFFILIATION = "Affiliation"


def document_of(organisation):
    """The `search_text` of an organisation loaded with `for_detail()`."""
    return document(
        organisation,
        labels=organisation.labels(),
        statements=organisation.statements.all(),
        benefits=organisation.benefits.all(),
        programmes=organisation.programmes.all(),
        roles=organisation.roles.all(),
        key_figures=organisation.key_figures.all(),
        links=organisation.affiliation_links(),
    )


def document(organisation, *, labels, statements, benefits, programmes, roles, key_figures, links):
    """An organisation's `search_text` from its labels ([(field name, label)]) and records, in
    three parts (search_index.parts): the labels; the summary, description and statements; the
    rest. (Its name and acronym are read from their own columns.)"""
    # The page's headings over its statements ("Principles") are labels too.
    kinds = dict.fromkeys(s.get_kind_display() for s in statements)
    labels = [*labels, *((PURPOSE, kind) for kind in kinds)]
    main = [(SUMMARY, organisation.summary), (ABOUT, organisation.description)]
    main += [(s.get_kind_display(), f"{s.title} {s.text}") for s in statements]
    rest = [(MEMBER_BENEFIT, f"{x.title} {x.text}") for x in benefits]
    rest += [
        (PROGRAMME, f"{p.name} ({p.get_kind_display()}) {p.description} {p.location}")
        for p in programmes
    ]
    rest += [
        (PERSON, f"{r.person.name}, {r.title}" + (f": {r.quote}" if r.quote else "")) for r in roles
    ]
    rest += [(KEY_FIGURE, f"{f} {f.note}") for f in key_figures]
    rest += [(AFFILIATION, link.text) for link in links]
    return PART_SEPARATOR.join(_lines(fields) for fields in (labels, main, rest))


def _lines(fields):
    return "\n".join(
        f"{name}{FIELD_SEPARATOR}{' '.join(text.split())}" for name, text in fields if text.strip()
    )


def refresh(organisations):
    """Rebuild the search documents, and the index, of the organisations in the queryset."""
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


class Snippet(NamedTuple):
    """Why a result matched: the field, and an extract of it."""

    field: str  # "Member benefit"
    text: str  # safe HTML: "… a <mark>vote</mark> at the annual general meeting"


class Search:
    """A parsed query: its words and phrases, what they may match, how to rank and highlight."""

    def __init__(self, query, using="default", corrections=None):
        """`corrections(using, words)` finds the typo corrections (`find_corrections`, unless
        the caller keeps them, as organisations/cache.py does, or wants none:
        `no_corrections`)."""
        self.query = " ".join(query.split())
        self.postgres = connections[using].vendor == "postgresql"
        self.groups = _groups(self.query)
        self.words = [word for group in self.groups for word in group]
        loose = [group[0] for group in self.groups if len(group) == 1]
        self.alternatives = {word: [] for word in self.words}
        if loose:
            self.alternatives.update((corrections or find_corrections)(using, loose))

    def __bool__(self):
        return bool(self.words)

    @property
    def terms(self):
        """Every word a match may contain: the query's words and their corrections."""
        return [term for word in self.words for term in [word, *self.alternatives[word]]]

    @property
    def corrected(self):
        """The query as searched for, each corrected word replaced by its closest correction
        ("music mark" for "musik mark"), or "" when no word was corrected."""
        corrections = {word: self._corrections(word) for word in self.words}
        if not any(corrections.values()):
            return ""
        return " ".join(
            f'"{" ".join(group)}"' if len(group) > 1 else (corrections[group[0]] or group)[0]
            for group in self.groups
        )

    def _corrections(self, word):
        # On PostgreSQL the alternatives of a word also hold the word itself, or the words it
        # begins (`find_corrections`): a correction never begins with the word it corrects.
        return [term for term in self.alternatives[word] if not term.startswith(word)]

    def apply(self, queryset):
        """`queryset` narrowed to the matches, annotated with a `rank` and ordered by it."""
        if not self.groups:
            return queryset
        matches, relevance = self._matched(queryset, self.groups, every=True)
        exact = Q(acronym__iexact=self.query) | Q(name__iexact=self.query)
        boost = Case(
            When(exact, then=Value(10.0)),
            When(name__icontains=self.query, then=Value(5.0)),
            When(self._name_holds_every_word(), then=Value(2.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return matches.annotate(rank=boost + relevance).order_by("-rank", "name")

    def closest(self, queryset, limit):
        """The `limit` organisations whose names or acronyms match the most of the query's
        words (or their corrections): what to suggest when nothing matches them all."""
        if not self.groups:
            return queryset.none()
        groups = [[word] for word in self.words]
        matches, relevance = self._matched(queryset, groups, every=False, names_only=True)
        return matches.annotate(rank=relevance).order_by("-rank", "name")[:limit]

    def _matched(self, queryset, groups, every, names_only=False):
        """(the queryset narrowed to what the `groups` match, every one of them or any, and an
        expression for the engine's relevance, from 0 to 1)."""
        if self.postgres:
            tsquery = self._tsquery(groups, every, names_only)
            # The vector holds the name and acronym too: this one condition finds the exact
            # matches as well, and lets PostgreSQL use the GIN index. Normalisation 32 turns
            # the rank r into r / (r + 1).
            return queryset.filter(search_vector=tsquery), SearchRank(
                F("search_vector"), tsquery, normalization=32
            )
        query = self._fts_query(groups, every)
        if names_only:
            query = f"{{name acronym}} : ({query})"
        matches = queryset.filter(search_entry__document__match=query)
        bm25 = Func(
            F("search_entry__document"),
            *(Value(weight) for weight in FTS_WEIGHTS),
            function="bm25",
            output_field=FloatField(),
        )
        # bm25 is negative, better matches lower: -b / (1 - b) runs from 0 to 1, as above.
        return matches, -bm25 / (Value(1.0) - bm25)

    def _tsquery(self, groups, every, names_only):
        """PostgreSQL: each word as the start of a stem ("musi" finds "music"), or as its
        alternatives, stemmed: itself where its stem is shorter, the words it begins past their
        stems, or its corrections (`find_corrections`); each phrase its stemmed words in a row;
        and'ed (or or'ed)."""
        weights = "A" if names_only else ""
        combined = None
        for group in groups:
            if len(group) > 1:
                query = SearchQuery(" ".join(group), search_type="phrase", config="english")
            else:
                word = group[0]
                # In the stemmed configuration, as the vector was made: a stopword ("of") is
                # no condition at all, as it is in no vector.
                query = SearchQuery(f"{word}:*{weights}", search_type="raw", config="english")
                for term in self.alternatives[word]:
                    if names_only:
                        query |= SearchQuery(
                            f"{term}:{weights}", search_type="raw", config="english"
                        )
                    else:
                        query |= SearchQuery(term, search_type="plain", config="english")
            if combined is None:
                combined = query
            else:
                combined = (combined & query) if every else (combined | query)
        return combined

    def _fts_query(self, groups, every):
        """SQLite FTS5: the same, in its query syntax. Every word is quoted, so nothing typed
        is read as syntax (AND, NEAR, *, -, parentheses)."""
        parts = []
        for group in groups:
            if len(group) > 1:
                parts.append(_quoted(" ".join(group)))
                continue
            word = group[0]
            options = [_quoted(word), f"{_quoted(word)}*"]
            options += [_quoted(alternative) for alternative in self.alternatives[word]]
            parts.append("(" + " OR ".join(options) + ")")
        return (" AND " if every else " OR ").join(parts)

    def _name_holds_every_word(self):
        condition = Q()
        for word in self.words:
            condition &= Q(name__icontains=word) | Q(acronym__iexact=word)
        return condition

    # Snippets -----------------------------------------------------------------------------

    def snippet(self, search_text, width=180):
        """Why a result matched (a `Snippet`): the field whose text matches the most of the
        query's terms (the first such), and an escaped extract of `width` characters or so
        around its first match, matches in <mark>. None if only the name or acronym matched."""
        if not self.words or not search_text:
            return None
        best, best_score = None, 0
        for fields in parts(search_text):
            for name, text in fields:
                score = len({self._term_of(m.group()) for m in self._marked_words(text)})
                if score > best_score:
                    best, best_score = (name, text), score
        if best is None:
            return None
        name, text = best
        return Snippet(name, mark_safe(self._extract(text, width)))

    def _extract(self, text, width):
        matches = list(self._marked_words(text))
        start = max(0, matches[0].start() - width // 3)
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + width)
        if end < len(text):
            end = text.rfind(" ", start, end) if " " in text[start:end] else end
        marked, position = [], start
        for match in matches:
            if match.start() < start or match.end() > end:
                continue
            marked += [escape(text[position : match.start()]), "<mark>"]
            marked += [escape(match.group()), "</mark>"]
            position = match.end()
        marked.append(escape(text[position:end]))
        return ("… " if start else "") + "".join(marked) + (" …" if end < len(text) else "")

    def _marked_words(self, text):
        """The words of `text` that a term matches."""
        return (m for m in re.finditer(r"[^\W_]+", text) if self._term_of(m.group()))

    @cached_property
    def _stems(self):
        return [(term, _stem(term)) for term in self.terms]

    def _term_of(self, word):
        """The term `word` matches, if any: one it starts with, or one it shares a stem with
        (roughly: the engines' own stemmers are not at hand here)."""
        word = word.casefold()
        for term, stem in self._stems:
            if word.startswith(term) or (stem and _stem(word) == stem):
                return term
        return None


def _groups(query):
    """The query's words, each in a group of its own, and its "quoted phrases", each a group
    of words: at most MAX_WORDS words in all. An unpaired quotation mark is ignored."""
    pieces = query.split('"')
    if len(pieces) % 2 == 0:  # an odd number of quotation marks: the last one is stray
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    groups, count = [], 0
    for n, piece in enumerate(pieces):
        words = words_of(piece)[: MAX_WORDS - count]
        count += len(words)
        groups += [words] if n % 2 and len(words) > 1 else [[word] for word in words]
    return groups


def _quoted(text):
    return '"' + text.replace('"', '""') + '"'


# Common English endings, longest first, for highlighting only.
SUFFIXES = ("ations", "ation", "ally", "ings", "ions", "ives", "ing", "ion", "ive", "ies", "ed")
SUFFIXES += ("es", "al", "ly", "s", "e", "y")


def _stem(word):
    """A rough English stem, for highlighting only: the word less a common ending, if that
    leaves four letters or more ("" for a shorter word)."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word if len(word) >= 4 else ""


# Typo correction ------------------------------------------------------------------------------


def find_corrections(using, words):
    """{word: [alternatives]}: for each of `words` that is not the start of any word in the
    directory, the directory's own words most similar to it by pg_trgm's measure (shared
    trigrams), best first: its corrections. pg_trgm on PostgreSQL; on SQLite, FTS5's trigram
    index finds the candidates and `similarity` scores them the same way.

    The index holds stems only: a word that does begin words in the directory gets instead
    the shortest of those whose stems it goes past ("educat": "education", stemmed "educ"),
    and on PostgreSQL any word whose own stem it does not begin gets itself ("inclusion",
    stemmed "inclus"): the search matches them stemmed, and the word as a prefix. (SQLite
    has no stemmer to ask: there a word gets the shortest of the words it begins, and the
    search always matches the word itself stemmed too.)"""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"""
                SELECT t.word, CASE WHEN EXISTS (
                    SELECT 1 FROM {WORDS_TABLE} w WHERE w.word LIKE t.pattern
                ) THEN ARRAY(
                    SELECT w.word FROM {WORDS_TABLE} w WHERE w.word LIKE t.pattern
                    AND {_stem_sql("w.word")} NOT LIKE t.stem_pattern
                    ORDER BY length(w.word), w.word LIMIT %s
                ) ELSE ARRAY(
                    SELECT w.word FROM {WORDS_TABLE} w
                    WHERE w.word %% t.word
                    ORDER BY similarity(w.word, t.word) DESC, w.word
                    LIMIT %s
                ) END || CASE WHEN {_stem_sql("t.word")} NOT LIKE t.stem_pattern
                    THEN ARRAY[t.word] ELSE '{{}}'::text[] END
                FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(word, pattern, stem_pattern)
                """,
                [
                    COMPLETIONS_PER_WORD,
                    CORRECTIONS_PER_WORD,
                    words,
                    [f"{w}%" for w in words],
                    [f"'{w}%" for w in words],  # a stem that the word begins
                ],
            )
            found = dict(cursor.fetchall())
        return {word: list(dict.fromkeys(found.get(word, []))) for word in words}
    return {word: _sqlite_corrections(using, word) for word in words}


def _stem_sql(word):
    """SQL for the stem of a word, as the text of its vector ("'educ':1"; "" for a stopword)."""
    return f"to_tsvector('{CONFIG}', {word})::text"


def _sqlite_corrections(using, word):
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM {WORDS_TABLE} WHERE word >= %s AND word < %s "
            "ORDER BY length(word), word LIMIT %s",
            [word, word + "\U0010ffff", COMPLETIONS_PER_WORD + 1],
        )
        completions = [row[0] for row in cursor.fetchall()]
        if completions:
            return [w for w in completions if w != word][:COMPLETIONS_PER_WORD]
        if len(word) < 3:
            return []
        # Candidates: the words sharing the most of its trigrams (FTS5 ranks them).
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        cursor.execute(
            f"SELECT word FROM {TRIGRAMS_TABLE} WHERE {TRIGRAMS_TABLE} MATCH %s "
            "ORDER BY rank LIMIT 200",
            [" OR ".join(_quoted(gram) for gram in grams)],
        )
        candidates = [row[0] for row in cursor.fetchall()]
    scored = sorted((-similarity(word, c), c) for c in candidates)
    return [c for score, c in scored if -score >= SIMILARITY][:CORRECTIONS_PER_WORD]


def similarity(a, b):
    """pg_trgm's similarity: the share of their trigrams (each word padded with two spaces
    before and one after) that two words have in common."""
    x, y = _trigrams(a), _trigrams(b)
    return len(x & y) / len(x | y) if x or y else 0.0


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def no_corrections(using, words):
    """For a search as typed: no word corrected."""
    return {word: [] for word in words}
