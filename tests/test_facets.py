"""Facet counts, remove tags and sorting on the list, as a reader uses them."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from tests.reading import count_queries, read

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
MULTIPLE = ["kind", "scope", "audience", "theme"]  # checkboxes: options combine with "or"
SINGLE = ["status", "affiliated_with"]  # selects

STATES = [
    "",
    "kind=funder",
    "theme=inclusion",
    "q=music",
    "affiliated_with=isme",
    "status=all",
    "scope=england&q=music",
    "audience=children-and-young-people&kind=alliance&kind=funder",
]


def get(client, query):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response


def clicks(query):
    """(facet, option, URL after choosing it) for every option the page offers a click on:
    a checkbox of a filter with nothing chosen yet, or any other choice of a select."""
    params = QueryDict(query)
    facets = None

    def each(response):
        nonlocal facets
        facets = response.context["sidebar"].options
        for name in MULTIPLE + SINGLE:
            if name in MULTIPLE and params.getlist(name):
                continue
            for option in facets[name]:
                if option.selected:
                    continue
                chosen = params.copy()
                chosen.setlist(name, [option.value])
                yield name, option, chosen.urlencode()

    return each


@pytest.mark.parametrize("state", STATES)
def test_choosing_an_option_gives_exactly_the_count_it_showed(client, state):
    response = get(client, state)
    checked = 0
    for name, option, url in clicks(state)(response):
        after = get(client, url)
        assert after.context["paginator"].count == option.count, (name, option, url)
        checked += 1
    assert checked > 10


def test_a_filters_counts_leave_its_own_selection_out(client):
    facets = get(client, "kind=alliance").context["sidebar"].options
    kinds = {option.value: option for option in facets["kind"]}
    assert kinds["alliance"].selected and kinds["alliance"].count == 1
    assert kinds["funder"].count == 1  # not 0: the kind filter's own choice is left out
    themes = {option.value: option.count for option in facets["theme"]}
    assert themes["inclusion"] == 1  # AMIE: the other filters do apply
    assert themes["workforce"] == 0


def test_options_that_would_give_nothing_are_disabled_unless_chosen(client):
    page = read(get(client, "kind=funder"))
    schools = page.one("input", type="checkbox", name="audience", value="schools")
    assert "disabled" in schools.attrs
    funder = page.one("input", type="checkbox", name="kind", value="funder")
    assert "checked" in funder.attrs and "disabled" not in funder.attrs


def test_every_option_shows_its_count(client):
    page = read(get(client, ""))
    funder = page.one("input", type="checkbox", name="kind", value="funder")
    label = page.one("label", for_=funder.get("id"))
    assert label.text == "funder (1 organisation)"
    assert label.one("span", class_="count").text == "(1 organisation)"
    statuses = [option.raw_text for option in page.one("select", name="status").find_all("option")]
    assert "Any but closed (10)" in statuses
    affiliated = page.one("select", name="affiliated_with").find_all("option")
    assert "International Society for Music Education (4)" in [o.raw_text for o in affiliated]


def test_status_counts_include_closed_organisations_only_when_asked(client):
    from organisations.models import Organisation

    Organisation.objects.filter(slug="unesco").update(status=Organisation.Status.CLOSED)
    facets = get(client, "").context["sidebar"].options
    status = {option.value: option.count for option in facets["status"]}
    # No source states a status: only "any" counts them (and "closed", once an editor says so).
    assert status == {"": 9, "active": 0, "merged": 0, "closed": 1, "all": 10}


def test_active_filters_appear_as_remove_tags(client):
    response = get(client, "kind=funder&q=music&kind=alliance&page=1")
    tags = response.context["sidebar"].active
    labels = [label for label, _ in tags]
    # In the form's order (the search, then the filters, each in the order of its options).
    assert labels == [
        "Search: “music”",
        "Type of organisation: Funder",
        "Type of organisation: Alliance",
    ]
    page = response.content.decode()
    for _label, url in tags:
        assert f'href="{url.replace("&", "&amp;")}"' in page
    # Each tag removes only its own choice, and goes back to the first page.
    remove_funder = QueryDict(tags[1][1].lstrip("?"))
    assert remove_funder.getlist("kind") == ["alliance"]
    assert remove_funder["q"] == "music"
    assert "page" not in remove_funder
    assert "Clear all" in page


def test_no_tags_and_no_clear_all_on_the_plain_list(client):
    response = get(client, "sort=-name")
    assert response.context["sidebar"].active == []
    assert "Clear all" not in response.content.decode()


def test_the_result_count_is_announced_to_screen_readers(client):
    page = read(get(client, "kind=membership-body&kind=alliance"))
    assert page.one(role="status").text.startswith("2 organisations")


def query_count(client, query):
    return count_queries(client, f"{LIST}?{query}")


def test_facets_cost_a_fixed_number_of_queries(client):
    one = query_count(client, "kind=funder")
    assert query_count(client, "kind=funder&kind=alliance&kind=network") == one
    assert query_count(client, "kind=alliance&theme=advocacy&theme=inclusion&scope=england") == one
    # A chosen organisation costs one more query, the check that it exists, and one more to
    # name it when none of the results is affiliated with it.
    for query in ["kind=funder", "kind=funder&q=music"]:
        base = query_count(client, query)
        for slug in ["isme", "amie"]:
            assert query_count(client, f"{query}&affiliated_with={slug}") <= base + 2


def affiliation_counts():
    """{slug: how many listed organisations are affiliated with it, either way}, counted here."""
    from organisations.models import Affiliation, Organisation

    listed = set(Organisation.objects.listed().values_list("pk", flat=True))
    pairs = set()
    for a, b in Affiliation.objects.filter(other__isnull=False).values_list(
        "organisation_id", "other_id"
    ):
        pairs |= {(a, b), (b, a)}
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    counts = {}
    for member, affiliated in pairs:
        if member in listed:
            counts[slugs[affiliated]] = counts.get(slugs[affiliated], 0) + 1
    return counts


def test_affiliated_with_offers_the_most_connected_organisations_by_name(client):
    from io import StringIO

    from django.core.management import call_command

    from organisations.facets import AFFILIATED_WITH_SHOWN

    call_command("generate_synthetic", "60", stdout=StringIO())
    shown = AFFILIATED_WITH_SHOWN
    options = get(client, "").context["sidebar"].options["affiliated_with"]
    assert options[0].value == "" and options[0].selected
    offered = options[1:]
    assert len(offered) == shown
    assert [o.label for o in offered] == sorted(o.label for o in offered)
    counts = affiliation_counts()
    assert all(o.count == counts[o.value] for o in offered)
    # None left out has more than the least connected one offered.
    assert max(n for slug, n in counts.items() if slug not in {o.value for o in offered}) <= min(
        o.count for o in offered
    )
    # One outside the most connected, once chosen, is offered too, selected, with its count.
    quiet = min(counts, key=lambda slug: (counts[slug], slug))
    options = get(client, f"affiliated_with={quiet}").context["sidebar"].options["affiliated_with"]
    chosen = [o for o in options if o.selected]
    assert [(o.value, o.count) for o in chosen] == [(quiet, counts[quiet])]
    assert len(options) == shown + 2


def test_option_labels_and_values_are_escaped(client):
    from organisations.models import Theme

    Theme.objects.create(name='<b>Loud</b> & "proud"', slug="loud")
    page = get(client, "").content.decode()
    assert "<b>Loud</b>" not in page
    assert "&lt;b&gt;Loud&lt;/b&gt; &amp; &quot;proud&quot;" in page


def test_the_order_filters_are_declared_in_does_not_matter(client):
    """Sorting is applied after every filter, whichever is declared first (it once worked only
    because `q` came before `sort`)."""
    from organisations.filters import OrganisationFilter
    from organisations.models import Organisation

    class Reversed(OrganisationFilter):
        pass

    Reversed.base_filters = dict(reversed(OrganisationFilter.base_filters.items()))
    assert list(Reversed.base_filters)[0] == "sort"
    for query in ["q=music", "q=music&sort=-name", "sort=-name&kind=funder", "q=mec"]:
        results = [
            list(
                filterset_class(
                    QueryDict(query), queryset=Organisation.objects.all()
                ).qs.values_list("slug", flat=True)
            )
            for filterset_class in (OrganisationFilter, Reversed)
        ]
        assert results[0] == results[1], query
        assert results[0], query


def test_a_form_with_an_error_shows_every_filter_with_the_same_markup_and_keeps_choices(client):
    """Valid or not, the filters are written by one include: the script finds the same parts."""
    valid = read(get(client, "kind=funder"))
    invalid = read(get(client, "kind=funder&affiliated_with=nobody"))
    assert "no organisation called “nobody”." in invalid.text
    options = len(valid.find_all(data_option=True))
    assert options > 20
    for page in (valid, invalid):
        funder = page.one("input", type="checkbox", name="kind", value="funder")
        assert "checked" in funder.attrs
        assert len(page.find_all(data_option=True)) == options
        assert page.one("select", name="status") and page.one("select", name="sort")
    assert invalid.find(data_invalid=True) and not valid.find(data_invalid=True)
    # While the form is wrong nothing is counted: no counts are shown, none are made up.
    assert valid.find("span", class_="count") and not invalid.find("span", class_="count")
