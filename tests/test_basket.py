"""The list's comparison basket (organisations/basket.py): in the address, so it survives
filters, sorts and pages without JavaScript, is shown, leads to the comparison, and never fails
whatever the address holds."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from organisations.models import Organisation
from tests import factories
from tests.reading import count_queries, normalise, read, visible

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
COMPARE = reverse("organisations:compare")


def get(client, query=""):
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return response


def basket(response):
    """The names in the basket, as shown."""
    section = read(response).find("section", class_="basket")
    if section is None:
        return []
    return [a.text for a in section.find_all("a", class_="tag")]


def toggle(response, slug):
    return read(response).one("a", id=f"compare-{slug}")


def test_adding_to_the_comparison_is_a_link_that_keeps_the_page(client):
    factories.organisations(25, kind="funder")
    response = get(client, "?kind=funder&sort=-name&page=2")
    link = toggle(response, "national-lottery")
    assert link.text == normalise("Add National Lottery to comparison")
    assert link.get("href") == f"{LIST}?kind=funder&sort=-name&compare=national-lottery&page=2"
    # Followed: the basket shows it, and the same page of the same results.
    response = get(client, "?kind=funder&sort=-name&compare=national-lottery&page=2")
    assert basket(response) == [normalise("Remove from comparison: National Lottery ×")]
    assert response.context["page_obj"].number == 2
    link = toggle(response, "national-lottery")
    assert link.text == normalise("✓ In comparison (remove National Lottery)")
    assert link.get("href") == f"{LIST}?kind=funder&sort=-name&page=2"


def test_every_link_and_the_form_keep_the_basket(client):
    factories.organisations(25, kind="funder")
    response = get(client, "?kind=funder&sort=-name&compare=isme&compare=amie")
    page = read(response)
    keeps = "compare=isme&compare=amie"
    # Pages, "remove filter" tags, "Clear all"; the form's hidden fields, after the sort.
    assert keeps in page.one("a", rel="next").get("href")
    for tag in page.one("div", class_="active-filters").find_all("a"):
        assert tag.get("href").endswith(keeps), tag
    form = page.one("form", class_="filter-form")
    names = [field.get("name") for field in form.iter() if field.tag in ("input", "select")]
    assert names[-3:] == ["sort", "compare", "compare"]
    assert [i.get("value") for i in form.find_all("input", type="hidden", name="compare")] == [
        "isme",
        "amie",
    ]
    # The exports give the results, without the basket.
    export = page.one("a", type="text/csv").get("href")
    assert "compare" not in export and "kind=funder" in export


def test_the_basket_leads_to_the_comparison_once_it_has_two(client):
    one = get(client, "?compare=isme")
    assert "add at least one more to compare" in visible(one)
    assert read(one).find("a", href=f"{COMPARE}?o=isme") is None
    two = get(client, "?compare=isme&compare=amie")
    link = read(two).one("section", class_="basket").one("a", class_="button")
    assert (link.text, link.get("href")) == ("compare these 2", f"{COMPARE}?o=isme&o=amie")
    assert client.get(link.get("href")).status_code == 200


def test_a_full_basket_offers_no_more(client):
    four = "?compare=isme&compare=amie&compare=unesco&compare=music-mark"
    response = get(client, four)
    assert len(basket(response)) == 4
    (card,) = [
        card
        for card in read(response).find_all("article", class_="card")
        if card.find("a", href="/organisations/youth-music/")
    ]
    assert "comparison full (four at most)" in card.text
    assert card.find("a", id="compare-youth-music") is None
    assert toggle(response, "isme").get("href") == (
        f"{LIST}?compare=amie&compare=unesco&compare=music-mark"
    )


@pytest.mark.parametrize(
    ("query", "kept", "left_out"),
    [
        ("?compare=no-such-organisation", [], 1),
        ("?compare=%3Cscript%3Ealert(1)%3C/script%3E", [], 1),
        ("?compare=" + "x" * 5000, [], 1),
        ("?compare=isme&compare=isme&compare=%20isme%20", ["isme"], 0),
        ("?compare=../../etc/passwd&compare=amie", ["amie"], 1),
        # At most four: the first four different values are looked at.
        (
            "?"
            + "&".join(
                f"compare={s}" for s in ["isme", "amie", "unesco", "music-mark", "youth-music"]
            ),
            ["isme", "amie", "unesco", "music-mark"],
            1,
        ),
        ("?" + "&".join(f"compare=x{n}" for n in range(100)) + "&compare=isme", [], 101),
        ("?compare=&compare=%20&compare=isme", ["isme"], 0),
    ],
)
def test_bad_basket_values_are_left_out_and_said_to_be(client, query, kept, left_out):
    response = get(client, query)
    assert response.context["basket"].slugs == kept
    shown = visible(response)
    if left_out:
        assert f"{left_out} left out: a comparison holds up to four organisations" in shown
    assert "<script>" not in response.content.decode()
    assert (response.context["canonical_query"].getlist("compare")) == kept


@pytest.mark.parametrize(
    "query",
    [
        "?" + "&".join(f"compare=x{n}" for n in range(3000)),
    ],
)
def test_an_address_with_too_many_values_for_any_page_is_a_bad_request(client, query):
    assert client.get(f"{LIST}{query}").status_code == 400


def test_the_basket_works_with_a_form_error_too(client):
    response = get(client, "?kind=nonsense&compare=isme&compare=amie")
    assert response.context["canonical_query"] is None
    assert len(basket(response)) == 2
    remove = read(response).one("section", class_="basket").find_all("a", class_="tag")[0]
    assert remove.get("href") == f"{LIST}?compare=amie"


def test_a_basket_costs_one_query_however_full(client):
    plain = count_queries(client, LIST)
    one = count_queries(client, f"{LIST}?compare=isme")
    four = count_queries(
        client, f"{LIST}?compare=isme&compare=amie&compare=unesco&compare=music-mark"
    )
    junk = count_queries(client, f"{LIST}?" + "&".join(f"compare=x{n}" for n in range(50)))
    assert one == four == junk == plain + 1
    factories.organisations(15)
    assert count_queries(client, f"{LIST}?compare=isme&compare=amie") == one


def test_each_basket_is_cached_as_its_own_page(client, settings):
    settings.PAGE_CACHE = True
    settings.MEMO = True
    cache.clear()
    try:
        for _ in range(2):  # built, then from the cache
            assert basket(get(client, "?compare=isme")) == [
                normalise(
                    "Remove from comparison: International Society for Music Education (ISME) ×"
                )
            ]
            assert basket(get(client, "?compare=amie")) == [
                normalise(
                    "Remove from comparison: Alliance for a Musically Inclusive England (AMIE) ×"
                )
            ]
            assert basket(get(client)) == []
    finally:
        cache.clear()


def test_the_list_no_longer_has_a_form_of_compare_checkboxes(client):
    page = read(get(client))
    assert page.find("input", type="checkbox", name="o") is None
    assert len(page.find_all("form")) == 1
    for org in Organisation.objects.listed():
        assert toggle(get(client), org.slug).get("data-list-link") is not None
