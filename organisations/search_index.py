"""The search index: what each database keeps so that `search.Search` can find organisations.

Both keep the directory's own words (`WORDS_TABLE`), as written, to correct typos against,
and to find the words a prefix begins past their stem.

- PostgreSQL: the weighted `search_vector` column (GIN-indexed), stemmed ('english'): name and
  acronym A; the labels, summary, description and statements B; the rest C. A stemmed vector
  knows "education" only as "educ", so a prefix typed past the stem ("educat") is matched
  through the words it begins (search.find_corrections looks them up: "education",
  "educational"), stemmed. Typos are corrected with pg_trgm.
- SQLite: the FTS5 table `FTS_TABLE` (rowid: the organisation's id), with the porter stemmer.
  Its columns are the name, the acronym, the labels, the main text (B above) and the rest (C).
  As on PostgreSQL, a prefix typed past the stem is matched through the words it begins
  (search.find_corrections). Typos are corrected against the words in `TRIGRAMS_TABLE`
  (FTS5's trigram tokenizer finds the candidates; search.py scores them as pg_trgm does).
- Both: the names as type-ahead finds them (`NAMES_TABLE`, models.SearchName).

`index(using, model, ids)` brings all of it up to date for the organisations `ids`, from their
`name`, `acronym` and `search_text` columns (written by search.refresh, or by the synthetic
data generator). Every write path calls it, through `OrganisationQuerySet.changed()`.
"""

import re
import unicodedata

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models import Lookup

CONFIG = "english"
WORDS_TABLE = "organisations_searchword"
FTS_TABLE = "organisations_search"
TRIGRAMS_TABLE = "organisations_searchword_trigrams"
NAMES_TABLE = "organisations_searchname"  # models.SearchName, for type-ahead
FTS_COLUMNS = ["name", "acronym", "labels", "main", "rest"]
# bm25's weight for each column, in FTS_COLUMNS's order: name and acronym far above the main
# text, which is above the rest. (PostgreSQL's ts_rank weighs A, B and C as 1, 0.4 and 0.2.)
FTS_WEIGHTS = [10.0, 10.0, 5.0, 2.0, 1.0]
BATCH = 500

# The format of `search_text`, which search.document() writes: three parts, PART_SEPARATOR
# between them (the labels; the summary, description and statements; the rest), each a line
# per field: its name, FIELD_SEPARATOR, its text. Both separators are white space to Python's
# str.split(), and no tokenizer reads them as words. The names are for snippets, not indexed.
PART_SEPARATOR = "\n\x1e\n"  # ASCII record separator
FIELD_SEPARATOR = "\x1f"  # ASCII unit separator
PART_WEIGHTS = [(1, "B"), (2, "B"), (3, "C")]  # on PostgreSQL


def parts(search_text):
    """[[(field name, text)] for each part] of a search_text."""
    return [
        [_field(line) for line in part.split("\n")] for part in search_text.split(PART_SEPARATOR)
    ]


def _field(line):
    # A line written before fields were named (until `refresh_search` rewrites it) has none.
    name, _, text = line.rpartition(FIELD_SEPARATOR)
    return name, text


def indexed_parts(search_text):
    """The text of each of the three parts, as indexed: without the field names."""
    found = ["\n".join(text for _, text in fields) for fields in parts(search_text)]
    return (found + ["", "", ""])[:3]


# The words typos are corrected against: three letters or digits or more.
WORD_PATTERN = "^[[:alnum:]]{3,}$"
WORD = re.compile(r"[^\W_]+")


def words_of(text):
    """The words of `text`, case folded (each database folds accents, or not, itself)."""
    return WORD.findall(text.casefold())


def name_key(text):
    """How type-ahead compares names: case and accents folded, words (letters and digits)
    separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def name_terms(name, acronym):
    """{(term, position)}: what type-ahead finds an organisation by: its name from each of
    its words on (position 0 for the whole name, 1 for the rest), and its acronym (0)."""
    words = name_key(name).split()
    terms = {(" ".join(words[n:])[:200], min(n, 1)) for n in range(len(words))}
    return terms | ({(name_key(acronym), 0)} if name_key(acronym) else set())


def index(using, model, ids, *, vectors_written=False):
    """Bring the index of the organisations `ids` up to date with their columns.
    `vectors_written`: on PostgreSQL, their rows were written with their search vectors
    already (`vector_sql`), as the synthetic data generator writes them; the rest is indexed."""
    if not ids:
        return
    if connections[using].vendor == "postgresql":
        _index_postgresql(using, model, ids, vectors_written)
    else:
        _index_sqlite(using, model, ids)
    _index_names(using, model, ids)


def _index_names(using, model, ids):
    table = model._meta.db_table
    ids = list(ids)
    with connections[using].cursor() as cursor:
        for start in range(0, len(ids), BATCH * 10):
            batch = ids[start : start + BATCH * 10]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {NAMES_TABLE} WHERE organisation_id IN ({marks})", batch)
            cursor.execute(f"SELECT id, name, acronym FROM {table} WHERE id IN ({marks})", batch)
            rows = [
                (term, position, pk, name)
                for pk, name, acronym in cursor.fetchall()
                for term, position in sorted(name_terms(name, acronym))
            ]
            columns = f"{NAMES_TABLE} (term, position, organisation_id, name)"
            if connections[using].vendor == "postgresql":
                # COPY: for 100,000 organisations, 11 s where executemany took 37.
                with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {columns} VALUES (%s, %s, %s, %s)", rows)


def forget(using):
    """Empty the index and the words (before indexing what remains afresh)."""
    tables = [WORDS_TABLE]
    if connections[using].vendor != "postgresql":
        tables += [FTS_TABLE, TRIGRAMS_TABLE]
    with connections[using].cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


# PostgreSQL ---------------------------------------------------------------------------------


def _index_postgresql(using, model, ids, vectors_written=False):
    table = model._meta.db_table
    with connections[using].cursor() as cursor:
        if not vectors_written:
            cursor.execute(
                f"UPDATE {table} SET search_vector = "
                f"{vector_sql('name', 'acronym', 'search_text')} WHERE id = ANY(%s)",
                [list(ids)],
            )
        words = f"to_tsvector('simple', concat_ws(' ', name, acronym, {_text_sql('search_text')}))"
        listed = ",".join(str(int(pk)) for pk in ids)
        documents = f"SELECT {words} FROM {table} WHERE id = ANY('{{{listed}}}')"
        cursor.execute(
            f"INSERT INTO {WORDS_TABLE} (word) SELECT word FROM ts_stat(%s) "
            f"WHERE word ~ '{WORD_PATTERN}' ON CONFLICT DO NOTHING",
            [documents],
        )


def _text_sql(search_text, part=None):
    """SQL for the indexed text of a search_text (or of its `part`th part, from 1): without
    the field names the snippets read (FIELD_SEPARATOR)."""
    if part is not None:
        search_text = f"split_part({search_text}, E'\\x1e', {part})"
    return f"regexp_replace({search_text}, E'[^\\n\\x1f]*\\x1f', '', 'g')"


def vector_sql(name, acronym, search_text):
    """SQL for an organisation's weighted search vector, from SQL expressions for its name,
    acronym and search_text (stemmed: the 'english' configuration)."""
    weighted = [
        (f"concat_ws(' ', {name}, {acronym})", "A"),
        *((_text_sql(search_text, n), weight) for n, weight in PART_WEIGHTS),
    ]
    return " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, {text}), '{weight}')"
        for text, weight in weighted
    )


# SQLite -------------------------------------------------------------------------------------


def _index_sqlite(using, model, ids):
    table = model._meta.db_table
    ids = list(ids)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {WORDS_TABLE}")
        (known,) = cursor.fetchone()
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", batch)
            cursor.execute(
                f"SELECT id, name, acronym, search_text FROM {table} WHERE id IN ({marks})", batch
            )
            rows, words = [], set()
            for pk, name, acronym, search_text in cursor.fetchall():
                columns = [name, acronym, *indexed_parts(search_text)]
                rows.append((pk, *columns))
                words.update(words_of(" ".join(columns)))
            words = {word for word in words if len(word) >= 3}
            names = ", ".join(FTS_COLUMNS)
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {names}) VALUES (%s, %s, %s, %s, %s, %s)", rows
            )
            cursor.executemany(
                f"INSERT OR IGNORE INTO {WORDS_TABLE} (word) VALUES (%s)", [(w,) for w in words]
            )
        cursor.execute(
            f"INSERT INTO {TRIGRAMS_TABLE} (rowid, word) "
            f"SELECT rowid, word FROM {WORDS_TABLE} WHERE rowid > %s",
            [known],
        )


def require_fts5():
    """Refuse to start on a SQLite without FTS5 (in every CPython build in use, but a Python
    built against another SQLite may lack it), saying so."""
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
        connection.execute("CREATE VIRTUAL TABLE u USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError as error:
        raise ImproperlyConfigured(
            f"musicdir's search needs SQLite's FTS5 extension with the trigram tokenizer "
            f"(SQLite 3.34 or later), which this Python's SQLite {sqlite3.sqlite_version} lacks "
            f"({error}). Use a Python built with it, or PostgreSQL (DATABASE_URL)."
        ) from error
    finally:
        connection.close()


# How the ORM reaches the FTS5 table (models.SearchEntry) --------------------------------------


class DocumentField(models.TextField):
    """An FTS5 table's hidden column, named after the table: what MATCH and bm25() take."""


@DocumentField.register_lookup
class Match(Lookup):
    lookup_name = "match"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]
