"""Hostile input to search, on either database: full-text query syntax (FTS5's and
PostgreSQL's), quotes in every arrangement, NUL bytes and huge queries, in the list's search,
its exports, the "as typed" search and type-ahead. Never a 5xx (the patterns are those of
tests/test_hostile_input.py)."""

import pytest
from django.urls import reverse
from hypothesis import given

from tests.test_hostile_input import MARKUP, NASTY, check, query_string, sweep

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
JSON = reverse("organisations:export-json")
SUGGEST = reverse("organisations:suggest")

SYNTAX = [
    '"',
    '""',
    '"""',
    '"music',
    'music"',
    '"music" "',
    '"music mark" OR "isme"',
    "music*",
    "*music",
    "mus* AND isme",
    "NEAR(music mark)",
    "NEAR(music mark, 2)",
    "music NOT mark",
    "-music",
    "music -mark",
    "(music",
    "music)",
    "((music) OR (mark))",
    "{name}: music",
    "name: music",
    "^music",
    "music + mark",
    "music:*",
    "music & mark | !isme",
    "music <-> mark",
    "music <2> mark",
    "'music'",
    "\\",
    "music\\",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "a" * 200,
    "music " * 40,
    "é" * 100,
    "ÉCOLE",
    "𝄞 🎵 music",
    "x\u0301",
    "\u200b",
    "ﬁ",  # a ligature: casefolded into two letters
    "İstanbul",  # a capital that casefolds to two characters
]


def test_each_syntax_in_every_search(client):
    requests = []
    for value in SYNTAX + NASTY + MARKUP:
        requests += [
            (LIST, {"q": value}, (200, 400)),
            (LIST, {"q": value, "as_typed": "1"}, (200, 400)),
            (LIST, {"q": value, "kind": "funder"}, (200, 400)),  # no results: the suggestions
            (JSON, {"q": value}, (200, 400)),
            (SUGGEST, {"q": value}, (200, 400)),
        ]
    assert sweep(client, requests) == []


def test_a_nul_byte_in_type_ahead_is_a_bad_request(client):
    assert client.get(SUGGEST, {"q": "mus\x00ic"}).status_code == 400


@given(query=query_string(["q", "as_typed"]))
def test_type_ahead(client, query):
    check(client.get(f"{SUGGEST}?{query}"), allowed=(200, 400))


@given(query=query_string(["q", "as_typed", "kind"]))
def test_the_list_with_as_typed(client, query):
    check(client.get(f"{LIST}?{query}"))
