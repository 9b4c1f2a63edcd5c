"""One relevance table, run on whichever database the suite runs on (SQLite by default,
PostgreSQL with DATABASE_URL), with the same expectations on both: CI runs it on both.

Each row is a query and what must come first: one organisation, or a set of organisations that
must fill the first places in any order (where the directory gives two equally good answers).
What one engine does beyond the other has its own tests (tests/test_search.py).
"""

import pytest

from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def slugs(query):
    return [org.slug for org in Organisation.objects.search(query)]


RELEVANCE = [
    # Exact names and acronyms, even where other pages mention them.
    ("ISME", "isme"),
    ("AMIE", "amie"),
    ("MEC", "music-education-council"),
    ("UNESCO", "unesco"),
    ("music mark", "music-mark"),
    ("Music Education Council", "music-education-council"),
    ("International Music Council", "international-music-council"),
    ("youth music", "youth-music"),
    ("arts council", "arts-council-england"),
    ("national lottery", "national-lottery"),
    ("conservatoire", "royal-conservatoire-of-scotland"),
    ("Royal Conservatoire of Scotland", "royal-conservatoire-of-scotland"),  # "of" too
    ("a movement for change", "amie"),  # its summary, stopwords and all
    # People and their roles.
    ("Jem Shuttleworth", "music-mark"),
    ("chief executive", "music-mark"),
    # Programme names.
    ("Grassroots Development Groups", "music-mark"),
    ("ISME Commission", "isme"),
    ("legacy project", {"isme", "music-education-council"}),  # ISME's, led by MEC
    # Words from statements and benefits.
    ("voting rights", "isme"),
    ("HEARD principles holistic", "amie"),
    ("facilitating CPD", "music-mark"),
    # Labels the pages show: type, scope, audiences, themes.
    ("funder", "national-lottery"),
    ("alliance", "amie"),
    ("intercultural understanding", "isme"),
    ("music education hubs", "music-mark"),
    # Inflections and partial words (prefixes, also past the stem).
    ("musically inclusive", "amie"),
    ("inclusion", "amie"),  # its theme, and its name says "Inclusive"
    ("inclusive england", "amie"),
    ("musicall", "amie"),
    ("Shuttle", "music-mark"),
    ("grassroot", "music-mark"),
    ("shuttleworth's", "music-mark"),
    # Typos: a word that starts no word in the directory is corrected.
    ("Musik Mark", "music-mark"),
    ("musicaly inclusve", "amie"),
    ("Conservatorie Scotland", "royal-conservatoire-of-scotland"),
    ("Shuttlewroth", "music-mark"),
    ("internationl socety", "isme"),
    # Quoted phrases: the words in a row.
    ('"musically inclusive"', "amie"),
    ('"youth music"', "youth-music"),
]


@pytest.mark.parametrize(("query", "first"), RELEVANCE, ids=[row[0] for row in RELEVANCE])
def test_relevance(query, first):
    expected = first if isinstance(first, set) else {first}
    assert set(slugs(query)[: len(expected)]) == expected


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("educat", {"music-education-council", "isme", "music-mark", "amie"}),
        ("volunt", set()),  # no word starts so, and none is close enough to correct it to
    ],
)
def test_a_prefix_finds_every_word_it_begins(query, found):
    assert found <= set(slugs(query))
    assert bool(found) == bool(slugs(query))


def test_a_label_finds_every_organisation_it_labels():
    assert {"amie", "music-mark"} <= set(slugs("inclusion"))  # the Inclusion theme
    assert {"music-mark"} <= set(slugs("schools"))  # an audience
    assert "music-education-council" in slugs("UK")  # a scope


def test_every_word_must_match():
    assert slugs("HEARD Glasgow") == []


def test_a_phrase_must_match_its_words_in_a_row():
    assert "amie" in slugs("inclusive musically")
    assert "amie" not in slugs('"inclusive musically"')


def test_typo_correction_does_not_invent_matches():
    assert slugs("xqzvbn") == []


def test_more_of_the_page_matching_ranks_higher():
    # ISME's page speaks of its World Conference again and again; MEC's once.
    results = slugs("world conference")
    assert results.index("isme") < results.index("music-education-council")
