"""The site's frame as a reader meets it without a browser: error pages, navigation, the
filters' disclosure, and markup a strict Content-Security-Policy can hold. (What needs a
browser, such as axe and the script, is in tests/browser/.)"""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.reading import Queries, read

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")


def test_the_500_page_is_static_and_in_the_sites_design():
    with Queries() as queries:
        page = render_to_string("500.html")  # no request, no context processors
    assert queries.count == 0
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert '<a class="skip-link" href="#main">' in page
    assert "<h1>Sorry, something went wrong</h1>" in page
    assert "{%" not in page and "{{" not in page


def test_the_404_page_is_in_the_sites_design(client):
    response = client.get("/organisations/no-such-organisation/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<header class="site-header">' in page
    assert "<h1>Page not found</h1>" in page
    assert f'href="{LIST}"' in page


@pytest.mark.parametrize(
    ("url", "current"),
    [
        (LIST, "Organisations"),
        (reverse("organisations:network"), "Network"),
        (reverse("organisations:compare"), "Compare"),
        (reverse("organisations:detail", args=["isme"]), None),
    ],
)
def test_the_header_marks_the_current_page(client, url, current):
    nav = read(client.get(url)).one("nav", class_="site-nav")
    marked = [link.raw_text for link in nav.find_all(aria_current="page")]
    assert marked == ([current] if current else [])


def filters_disclosure(client, query=""):
    """The filters' <details>, and the text of its <summary> (the first thing inside)."""
    details = read(client.get(f"{LIST}{query}")).one("details", class_="filters")
    summary, *_ = details.elements
    assert summary.tag == "summary"
    return details, summary.text


def test_on_phones_the_filters_are_closed_whatever_is_chosen(client):
    assert "open" not in filters_disclosure(client)[0].attrs
    assert "open" not in filters_disclosure(client, "?q=music&sort=-name")[0].attrs
    details, summary = filters_disclosure(client, "?kind=funder&theme=inclusion")
    assert "open" not in details.attrs  # the results come first (tests/browser/test_reading.py)
    assert "(2 chosen)" in summary
    assert "open" in filters_disclosure(client, "?kind=nonsense")[0].attrs  # to show the error


def test_affiliated_with_offers_any_organisation_first_and_chooses_it(client):
    select = read(client.get(LIST)).one("select", name="affiliated_with")
    first, *others = select.find_all("option")
    assert (first.attrs, first.raw_text) == ({"value": "", "selected": ""}, "Any organisation")
    assert not [option for option in others if "selected" in option.attrs]


def test_the_list_loads_its_script_deferred(client):
    page = client.get(LIST).content.decode()
    assert '<script src="/static/js/filters.js" defer></script>' in page
