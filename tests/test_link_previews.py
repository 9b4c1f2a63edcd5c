"""Every page says its canonical address and, for link previews (Open Graph, Twitter cards),
its title and description as its own <title> and description give them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.reading import read

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")

# (address asked for, its canonical address)
PAGES = [
    (LIST, LIST),
    (f"{LIST}?kind=alliance&kind=funder&sort=relevance", f"{LIST}?kind=funder&kind=alliance"),
    (f"{LIST}?sort=-name&q=music", f"{LIST}?q=music&sort=-name"),
    (f"{LIST}?q=%22%3Cb%3Emusic", f"{LIST}?q=%22%3Cb%3Emusic"),
    ("/organisations/isme/?utm_source=x", "/organisations/isme/"),
    ("/organisations/isme/changes/", "/organisations/isme/changes/"),
    ("/organisations/network/", "/organisations/network/"),
    ("/organisations/compare/?o=isme&o=amie", "/organisations/compare/?o=isme&o=amie"),
    ("/about/", "/about/"),
    ("/downloads/", "/downloads/"),
]


def meta(page, attribute, value):
    return page.one("head").one("meta", **{attribute: value}).get("content")


@pytest.mark.parametrize(("path", "canonical"), PAGES)
def test_every_page_has_its_canonical_address_and_link_previews(client, path, canonical):
    response = client.get(path)
    assert response.status_code == 200
    page = read(response)
    head = page.one("head")
    assert head.one("link", rel="canonical").get("href") == f"http://testserver{canonical}"
    title = " ".join(head.one("title").raw_text.split())
    description = meta(page, "name", "description")
    assert title and description
    assert meta(page, "property", "og:title") == meta(page, "name", "twitter:title") == title
    assert meta(page, "property", "og:description") == description
    assert meta(page, "name", "twitter:description") == description
    assert meta(page, "property", "og:url") == f"http://testserver{canonical}"
    assert meta(page, "property", "og:type") == "website"
    assert meta(page, "property", "og:site_name") == "musicdir"
    assert meta(page, "name", "twitter:card") == "summary"


def test_a_search_with_markup_in_it_is_only_text_in_the_previews(client):
    page = read(client.get(LIST, {"q": '"<b>music'}))
    assert meta(page, "property", "og:title").startswith('“"<b>music”:')
    assert page.one("head").find("b") is None


@pytest.mark.parametrize(
    "path", [f"{LIST}?kind=nonsense", "/organisations/compare/?o=isme", "/organisations/nobody/"]
)
def test_a_page_showing_an_error_names_no_canonical_address(client, path):
    page = read(client.get(path))
    assert page.one("head").find("link", rel="canonical") is None
    assert page.one("head").find("meta", property="og:url") is None
    assert meta(page, "property", "og:title")


def test_each_host_gets_its_own_absolute_addresses_even_when_cached(client, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    settings.PAGE_CACHE = True
    cache.clear()
    for host in ["one.example", "two.example", "one.example"]:
        page = read(client.get("/organisations/isme/", headers={"host": host}))
        canonical = page.one("head").one("link", rel="canonical").get("href")
        assert canonical == f"http://{host}/organisations/isme/"
    cache.clear()
