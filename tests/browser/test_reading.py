"""Reading the list at real size (issue 18), at phone and desktop widths: the results come
first, the comparison basket survives filters, sorts and pages, pages are numbered, and a
printout gives every link its whole address and leaves out what only works on screen."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import reverse

from organisations.views import OrganisationListView

from .conftest import DESKTOP, importorskip

expect = importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
COMPARE = reverse("organisations:compare")
# The smallest common phone screen (an iPhone SE): what shows before any scrolling.
SMALL_PHONE = {"width": 375, "height": 667}
WIDTHS = [SMALL_PHONE, DESKTOP]
WIDTH_IDS = ["phone", "desktop"]
FILTERED = f"{LIST}?scope=england&theme=professional-development"


def bottom(locator):
    box = locator.bounding_box()
    return box["y"] + box["height"]


def count(page):
    return page.locator(".result-count")


def in_first_screen(page, locator):
    return bottom(locator) <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize("path", [LIST, FILTERED], ids=["plain", "filtered"])
def test_the_results_come_first_whatever_is_chosen(open_page, viewport, javascript, path):
    page = open_page(path, viewport=viewport, java_script_enabled=javascript)
    chosen = path.count("=")
    if viewport == SMALL_PHONE:
        # The filters are a closed disclosure saying how many are chosen.
        filters = page.locator("details.filters")
        expect(filters).not_to_have_attribute("open", "")
        expect(filters.locator("summary")).to_have_text(
            f"Filters ({chosen} chosen)" if chosen else "Filters"
        )
    # The choices made show as tags that remove them.
    expect(page.locator(".active-filters .tag--remove")).to_have_count(chosen)
    expect(count(page)).to_have_text(re.compile(r"^\d+ organisations?$"))
    assert in_first_screen(page, count(page))
    assert in_first_screen(page, page.locator(".card__title").first), "the first result's name"


def test_on_a_phone_the_filters_open_and_apply(open_page):
    page = open_page(FILTERED, viewport=SMALL_PHONE)
    page.locator("details.filters summary").click()
    theme = page.get_by_role("checkbox", name=re.compile(r"^Professional development \("))
    expect(theme).to_be_visible()
    theme.uncheck()
    expect(page).to_have_url(re.compile(r"\?scope=england$"))
    expect(page.locator("details.filters summary")).to_have_text("Filters (1 chosen)")
    expect(page.locator("details.filters")).to_have_attribute("open", "")  # left open


def basket(page):
    return page.locator(".basket .tag")


def asks_for(page, query):
    """Wait until the page shows the list for `query` (a form submitted without the script
    sends its blank fields too: they are left out here)."""

    def asked():
        return urlencode([(k, v) for k, v in parse_qsl(urlsplit(page.url).query) if v])

    for _ in range(100):
        if asked() == query:
            return
        page.wait_for_timeout(50)
    assert asked() == query


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_the_comparison_basket_survives_filters_sorts_and_pages(
    open_page, monkeypatch, viewport, javascript
):
    monkeypatch.setattr(OrganisationListView, "paginate_by", 4)  # 10 organisations, 3 pages
    page = open_page(LIST, viewport=viewport, java_script_enabled=javascript)
    page.get_by_role("link", name="Add International Society for Music Education to comparison")
    page.get_by_role(
        "link", name="Add International Society for Music Education to comparison"
    ).click()
    expect(page).to_have_url(re.compile(r"\?compare=isme$"))
    expect(basket(page)).to_have_text([re.compile("^Remove from comparison: International")])
    expect(page.locator(".basket")).to_contain_text("Add at least one more to compare.")
    in_basket = page.get_by_role("link", name=re.compile(r"^In comparison \(remove International"))
    expect(in_basket).to_be_visible()
    if javascript:
        expect(in_basket).to_be_focused()  # where the link that was followed was
    # Another page.
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile(r"\?compare=isme&page=2$"))
    expect(basket(page)).to_have_count(1)
    # Another sort (applied by the button without the script).
    page.get_by_label("Sort by").select_option("-name")
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()
    asks_for(page, "sort=-name&compare=isme")
    expect(basket(page)).to_have_count(1)
    # A filter.
    summary = page.locator("details.filters summary")
    if summary.is_visible():
        summary.click()
    page.get_by_role("checkbox", name=re.compile(r"^International \(")).check()
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()
    asks_for(page, "scope=international&sort=-name&compare=isme")
    expect(basket(page)).to_have_count(1)
    # Removing the filter keeps it too.
    page.get_by_role("link", name=re.compile("^Remove filter Geographic scope")).click()
    asks_for(page, "sort=-name&compare=isme")
    expect(basket(page)).to_have_count(1)
    # A second, and on to the comparison.
    page.get_by_role("link", name="Add Youth Music to comparison").click()
    asks_for(page, "sort=-name&compare=isme&compare=youth-music")
    expect(basket(page)).to_have_count(2)
    page.get_by_role("link", name="Compare these 2").click()
    expect(page).to_have_url(re.compile(rf"{COMPARE}\?o=isme&o=youth-music$"))
    expect(page.get_by_role("table").locator("thead th")).to_have_count(2)


def test_a_shared_basket_is_shown_and_its_members_removable(open_page):
    page = open_page(f"{LIST}?compare=amie&compare=youth-music&compare=no-such-thing")
    expect(basket(page)).to_have_count(2)
    expect(page.locator(".basket")).to_contain_text("1 left out")
    page.get_by_role("link", name=re.compile("^Remove from comparison: Youth Music")).click()
    expect(page).to_have_url(re.compile(r"\?compare=amie$"))
    expect(basket(page)).to_have_count(1)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_pages_are_numbered_with_the_first_last_and_current_marked(
    open_page, monkeypatch, viewport
):
    monkeypatch.setattr(OrganisationListView, "paginate_by", 1)  # 10 pages
    page = open_page(f"{LIST}?page=5", viewport=viewport)
    pagination = page.get_by_role("navigation", name="Pagination")
    expect(pagination.get_by_role("link")).to_have_text(
        ["Previous page", "Page 1", "Page 4", "Page 5", "Page 6", "Page 10", "Next page"],
        use_inner_text=False,
    )
    current = pagination.locator("[aria-current=page]")
    expect(current).to_have_accessible_name("Page 5")
    expect(current).to_be_visible()
    pagination.get_by_role("link", name="Page 10").click()
    expect(page).to_have_url(re.compile(r"\?page=10$"))
    expect(pagination.locator("[aria-current=page]")).to_have_accessible_name("Page 10")
    expect(pagination.get_by_role("link", name="Next page")).to_have_count(0)
    # It fits: no sideways scrolling, each link a comfortable target.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    for link in pagination.get_by_role("link").all():
        assert link.bounding_box()["height"] >= 44


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
@pytest.mark.parametrize(
    "path",
    [f"{FILTERED}&compare=amie", reverse("organisations:detail", args=["music-education-council"])],
)
def test_a_printout_gives_links_in_full_without_navigation_filters_or_forms(
    open_page, site_url, viewport, path
):
    page = open_page(path, viewport=viewport)
    page.emulate_media(media="print")
    for hidden in ["nav", "form", ".listing__filters", ".basket", ".active-filters"]:
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    # Each link in the content, with its address in full after it.
    links = page.locator("main a[href^='/']:visible")
    assert links.count() > 0
    for link in links.all()[:20]:
        after = link.evaluate("a => getComputedStyle(a, '::after').content")
        href = link.get_attribute("href")
        assert after == f'" ({site_url}{href})"', href


def test_two_quick_adds_both_reach_the_basket(open_page):
    page = open_page(LIST)
    held = []
    page.route(
        re.compile(r"/organisations/\?"),
        lambda route: held.append(route) if route.request.resource_type == "fetch" else None,
    )
    page.locator("#compare-isme").click()
    while not held:
        page.wait_for_timeout(20)
    # While the first answer is on its way, the second card's link still says "ISME alone".
    page.locator("#compare-amie").click()
    while len(held) < 2:
        page.wait_for_timeout(20)
    for route in reversed(held):
        route.continue_()
    expect(page).to_have_url(re.compile(r"\?compare=isme&compare=amie$"))
    expect(basket(page)).to_have_count(2)


@pytest.mark.parametrize("viewport", WIDTHS, ids=WIDTH_IDS)
def test_the_founding_year_sorts_put_those_without_a_year_last(open_page, monkeypatch, viewport):
    page = open_page(LIST, viewport=viewport)
    sort = page.get_by_label("Sort by")
    # The directory has one organisation with a year: nothing to sort it against.
    expect(sort.locator("option")).to_have_text(
        ["Best match (by name when not searching)", "Name, A to Z", "Name, Z to A"]
    )
    monkeypatch.setattr("organisations.facets.DATED_TO_SORT", 1)
    page.goto(f"{LIST}?sort=name")  # another address: the browser would revalidate this one
    for choice in ["Oldest first", "Newest first"]:
        sort.select_option(label=choice)
        expect(page).to_have_url(re.compile("sort=-?founded"))
        expect(page.locator(".card__title").first).to_have_text(
            "International Society for Music Education (ISME)"
        )
        # Then the rest, by name.
        expect(page.locator(".card__title").nth(1)).to_have_text(
            "Alliance for a Musically Inclusive England (AMIE)"
        )


def test_searching_as_typed_is_kept_when_a_filter_changes(open_page):
    page = open_page(f"{LIST}?q=music&as_typed=1")
    page.get_by_role("checkbox", name=re.compile(r"^England \(")).check()
    expect(page).to_have_url(re.compile(r"\?q=music&as_typed=1&scope=england$"))
    # A new search is corrected again.
    page.get_by_label("Search", exact=True).fill("musci")
    page.get_by_label("Search", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=musci&scope=england$"))
