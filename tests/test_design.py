"""The site's frame as a reader meets it without a browser: error pages, navigation, the
filters' disclosure, and markup a strict Content-Security-Policy can hold. (What needs a
browser, such as axe and the script, is in tests/browser/.)"""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.reading import Queries

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
    nav = re.search(r'<nav class="site-nav".*?</nav>', client.get(url).content.decode(), re.S)
    marked = re.findall(r'aria-current="page">([^<]+)<', nav.group(0))
    assert marked == ([current] if current else [])


def filters_disclosure(client, query=""):
    page = client.get(f"{LIST}{query}").content.decode()
    return re.search(r'<details class="filters"[^>]*>\s*<summary>.*?</summary>', page, re.S)[0]


def test_on_phones_the_filters_are_closed_until_one_is_chosen(client):
    assert " open" not in filters_disclosure(client)
    assert " open" not in filters_disclosure(client, "?q=music&sort=-name")
    chosen = filters_disclosure(client, "?kind=funder&theme=inclusion")
    assert " open>" in chosen
    assert "(2 chosen)" in chosen
    assert " open>" in filters_disclosure(client, "?kind=nonsense")  # to show the error


def test_affiliated_with_offers_any_organisation_first_and_chooses_it(client):
    page = client.get(LIST).content.decode()
    select = re.search(r'<select name="affiliated_with".*?</select>', page, re.S)[0]
    options = re.findall(r"<option[^>]*>[^<]*</option>", select)
    assert re.fullmatch(r'<option value="" selected>Any organisation</option>', options[0])
    assert all(" selected" not in option for option in options[1:])


def test_the_list_loads_its_script_deferred(client):
    page = client.get(LIST).content.decode()
    assert '<script src="/static/js/filters.js" defer></script>' in page
