"""The list's index (organisations/index.py) says what the FilterSet's queries say: for every
filter, search and sort, the same organisations in the same order, and every option's count
what choosing it gives. The reference is the plain path the exports and the API use
(`OrganisationFilter(...).qs`), on the database the suite runs on."""

import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.http import QueryDict

from organisations import facets, index
from organisations.filters import SORTS, STATUS_ALL, OrganisationFilter
from organisations.index import Index
from organisations.models import Area, Organisation

from . import factories

pytestmark = pytest.mark.django_db

YORKSHIRE = "E12000003"
SCOTLAND = "S92000003"


@pytest.fixture(autouse=True)
def directory():
    """The fixture's directory, 150 synthetic organisations (kinds, scopes, statuses, years,
    audiences, themes and affiliations drawn at random), and areas served at every level: a
    county in Yorkshire, a district within it, Scotland."""
    call_command("generate_synthetic", "150", "--seed", "11", stdout=StringIO())
    county = Area.objects.create(code="E10000099", name="Testshire", kind=Area.Kind.COUNTY)
    county.within.set(Area.objects.filter(code=YORKSHIRE))
    district = Area.objects.create(code="E07000999", name="Testham", kind="local-authority")
    district.within.set([county])
    synthetic = list(Organisation.objects.filter(slug__startswith="synthetic-").order_by("slug"))
    for organisation, code in zip(
        synthetic[::9], [district.code, county.code, YORKSHIRE, SCOTLAND] * 5, strict=False
    ):
        factories.area_served(organisation, area=code)
    Organisation.objects.all().changed()


def queries():
    """Searches and filters, alone and together, chosen as a reader might (a fixed seed)."""
    chosen = [
        "",
        "kind=network",
        "kind=network&kind=funder&kind=higher-education",
        "scope=england&scope=international",
        "status=all",
        "status=closed",
        "status=merged&kind=network",
        "audience=schools",
        "theme=advocacy&theme=research&audience=music-services",
        f"affiliated_with={most_affiliated()}",
        "affiliated_with=isme",
        "area=E07000999",
        "area=E10000099&kind=network",
        f"area={YORKSHIRE}",
        "area=E92000001",
        f"area={SCOTLAND}&status=all",
        "q=music",
        "q=eastbrook+choir",
        "q=musik+hubb",
        'q="music+hub"',
        "q=music&kind=network&scope=england",
        "q=educational&area=E07000999",
        "q=nothing-like-it",
    ]
    rng = random.Random(5)
    pool = [q for q in chosen if q and not q.startswith("q=")]
    for _ in range(8):
        chosen.append("&".join(rng.sample(pool, 2)))
    return chosen


def most_affiliated():
    return Organisation.objects.all().most_affiliated(1)[0][0]


def filterset(query):
    return OrganisationFilter(QueryDict(query), queryset=Organisation.objects.for_list())


def test_the_index_lists_what_the_queries_list_in_every_sort():
    compared = 0
    for query in queries():
        for sort in SORTS:
            asked = filterset(f"{query}&sort={sort}")
            assert asked.is_valid(), (query, asked.form.errors)
            expected = list(asked.qs.values_list("pk", flat=True))
            pks, local = facets.selected(asked)[0].ordered(asked.chosen_sort, asked.local_first)
            assert pks.tolist() == expected, (query, sort)
            if asked.chosen_area:
                serving = dict(asked.qs.values_list("pk", "serves_locally"))
                assert local.tolist() == [serving[pk] for pk in expected], (query, sort)
            compared += bool(expected)
    assert compared > 100


def test_every_option_counts_what_choosing_it_gives():
    for query in queries():
        asked = filterset(query)
        assert asked.is_valid(), (query, asked.form.errors)
        counts = facets.selected(asked)[1]
        assert counts.results == asked.qs.count(), query
        assert counts.dated == asked.qs.filter(founded_year__isnull=False).count(), query
        offered = facets.Sidebar(asked, counts).options
        for name in facets.FILTERS:
            for option in offered[name]:
                instead = QueryDict(query, mutable=True)
                instead.setlist(name, [option.value] if option.value else [])
                expected = filterset(instead.urlencode()).qs.count()
                assert option.count == expected, (query, name, option.value)


def test_the_organisations_offered_as_affiliated_with_are_the_most_affiliated():
    for query in queries():
        asked = filterset(query)
        assert asked.is_valid()
        offered = facets.selected(asked)[1].options["affiliated_with"]
        chosen = asked.form.cleaned_data["affiliated_with"]
        without = QueryDict(query, mutable=True)
        without.pop("affiliated_with", None)
        left = filterset(without.urlencode()).qs
        expected = [slug for slug, _, _ in left.most_affiliated(facets.AFFILIATED_WITH_SHOWN)]
        if chosen:
            expected = [chosen] + [
                slug
                for slug, _, _ in left.most_affiliated(facets.AFFILIATED_WITH_SHOWN + 1)
                if slug != chosen
            ][: facets.AFFILIATED_WITH_SHOWN]
        assert [slug for slug in offered if slug] == expected, query


def test_closed_organisations_are_counted_only_where_asked_for():
    asked = filterset("")
    assert asked.is_valid()
    counts = facets.selected(asked)[1].options["status"]
    everyone = Organisation.objects.count()
    closed = Organisation.objects.filter(status="closed").count()
    assert closed
    assert counts[""] == everyone - closed
    assert counts[STATUS_ALL] == everyone
    assert counts["closed"] == closed


def test_read_a_few_rows_at_a_time_the_index_is_the_same(monkeypatch):
    # A large directory's index is read in chunks (index.CHUNK rows), each read short.
    whole = Index("default")
    monkeypatch.setattr(index, "CHUNK", 7)
    chunked = Index("default")
    arrays = ["pk", "place", "dated", "by_founded", "by_founded_desc"]
    for name in arrays:
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name
    for name in index.COLUMNS:
        assert list(chunked.values[name]) == list(whole.values[name]), name
        assert np.array_equal(chunked.codes[name], whole.codes[name]), name
    # Pairs, in whatever order they were read.
    for name in index.TAGS:
        assert pairs(chunked.tags[name][:2]) == pairs(whole.tags[name][:2]), name
    for name in ("affiliated", "served", "area_served"):
        assert pairs(getattr(chunked, name)) == pairs(getattr(whole, name)), name


def pairs(arrays):
    return sorted(zip(*(a.tolist() for a in arrays), strict=True))
