"""What people do with the directory, in a real browser: search, filter and unfilter (with and
without JavaScript, and by keyboard alone), open an organisation and follow its affiliations,
and compare organisations."""

import re

import pytest
from django.urls import reverse

from .conftest import PHONE, importorskip

expect = importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")


def count(page):
    return page.locator(".result-count")


def professional_development(page):
    """The filter the journeys choose: a theme three organisations share."""
    return page.get_by_role("checkbox", name=re.compile(r"^Professional development \("))


def test_searching(open_page):
    page = open_page(LIST)
    page.get_by_label("Search", exact=True).fill("lottery")
    page.get_by_label("Search", exact=True).press("Enter")
    expect(count(page)).to_have_text("3 organisations matching “lottery”")
    expect(page).to_have_url(re.compile(r"\?q=lottery"))
    expect(page.locator(".card__title")).to_have_count(3)
    expect(page.locator(".card__match").first).to_contain_text("Lottery")
    expect(page).to_have_title(re.compile("^“lottery”"))


def test_filtering_applies_at_once_and_removing_a_filter_undoes_it(open_page):
    page = open_page(LIST)
    status = count(page).element_handle()
    expect(count(page)).to_have_text("10 organisations")
    professional_development(page).check()
    expect(page).to_have_url(re.compile(r"\?theme=professional-development"))
    expect(count(page)).to_have_text("3 organisations")
    # The live region is the same element, with new text: screen readers announce it.
    assert page.evaluate("element => element.isConnected", status)
    assert page.evaluate("document.activeElement.value") == "professional-development"
    # The counts now say what each further choice would give; England gives one.
    expect(page.get_by_role("checkbox", name=re.compile(r"^England \("))).to_have_accessible_name(
        re.compile(r"\(1 organisation\s*\)")
    )
    page.get_by_role(
        "link", name=re.compile("^Remove filter Theme: Professional development")
    ).click()
    expect(count(page)).to_have_text("10 organisations")
    expect(professional_development(page)).not_to_be_checked()
    expect(page.locator("#results")).to_be_focused()  # the tag that had focus has gone
    assert page.evaluate("element => element.isConnected", status)  # no reload
    # Back goes back to the filtered list, and forward again.
    page.go_back()
    expect(count(page)).to_have_text("3 organisations")
    expect(professional_development(page)).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/organisations/$"))
    expect(count(page)).to_have_text("10 organisations")
    expect(professional_development(page)).not_to_be_checked()


def test_choosing_an_affiliation_applies_at_once_and_offers_the_right_options(open_page):
    page = open_page(LIST)
    affiliated = page.get_by_label("Affiliated with")
    affiliated.focus()
    affiliated.select_option("isme")
    expect(page).to_have_url(re.compile(r"affiliated_with=isme"))
    expect(count(page)).to_have_text("4 organisations")
    expect(affiliated).to_have_value("isme")
    expect(affiliated).to_be_focused()
    # Another filter changes which organisations the select offers; the choice stays.
    kind = page.locator('input[name="kind"]:not([disabled])').first
    kind.check()
    expect(page).to_have_url(re.compile(r"kind="))
    expect(affiliated).to_have_value("isme")
    page.go_back()
    expect(kind).not_to_be_checked()
    expect(affiliated).to_have_value("isme")
    page.go_back()
    expect(affiliated).to_have_value("")


def test_filtering_without_javascript_on_a_phone(open_page):
    page = open_page(LIST, viewport=PHONE, java_script_enabled=False)
    filters = page.locator("details.filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(professional_development(page)).to_be_hidden()
    page.locator("summary").click()
    professional_development(page).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"theme=professional-development"))
    expect(count(page)).to_have_text("3 organisations")
    # Closed again, saying what is chosen: the results come first (tests/browser/test_reading.py).
    expect(filters).not_to_have_attribute("open", "")
    expect(filters.locator("summary")).to_have_text("Filters (1 chosen)")
    page.get_by_role(
        "link", name=re.compile("^Remove filter Theme: Professional development")
    ).click()
    expect(count(page)).to_have_text("10 organisations")


def test_a_click_while_results_load_is_not_lost(open_page):
    page = open_page(LIST)
    held = []
    page.route(
        re.compile(r"/organisations/\?"),
        lambda route: held.append(route) if route.request.resource_type == "fetch" else None,
    )
    professional_development(page).check()
    expect(page.locator("#results")).to_have_attribute("aria-busy", "true")
    while len(held) < 1:
        page.wait_for_timeout(20)
    # While those results are on their way, choose England too.
    page.get_by_role("checkbox", name=re.compile(r"^England \(")).check()
    while len(held) < 2:
        page.wait_for_timeout(20)
    # The answers arrive newest first: the older one, for the theme alone, must not win.
    for route in reversed(held):
        route.continue_()
    expect(page).to_have_url(re.compile(r"scope=england&theme=professional-development"))
    expect(count(page)).to_have_text("1 organisation")
    expect(professional_development(page)).to_be_checked()
    expect(page.locator(".card__title")).to_have_text(
        ["Alliance for a Musically Inclusive England (AMIE)"]
    )


def test_a_click_before_the_script_has_loaded_is_applied_when_it_loads(open_page):
    page = open_page(None)
    held = []
    page.route("**/static/js/filters.js", lambda route: held.append(route))
    page.goto(LIST, wait_until="commit")
    professional_development(page).check()  # the page is there, its script is not yet
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(page).to_have_url(re.compile(r"\?theme=professional-development"))
    expect(count(page)).to_have_text("3 organisations")


def test_keyboard_only_use_of_the_filters(open_page):
    page = open_page(LIST)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "professional-development":
            break
    else:
        pytest.fail("Tab never reached the Professional development checkbox")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Space")
    expect(count(page)).to_have_text("3 organisations")
    expect(professional_development(page)).to_be_focused()
    # On to the sort order, and change it with the arrow keys.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "sort":
            break
    else:
        pytest.fail("Tab never reached the sort order")
    # From "Best match" (by name: no search) down to "Name, A to Z", then "Name, Z to A".
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"sort=name"))
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"sort=-name"))
    expect(page.locator(".card__title").first).to_have_text("Music Mark")


def test_keyboard_only_on_a_phone_opens_the_filters(open_page):
    page = open_page(LIST, viewport=PHONE)
    page.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # to the first option that would give results
    expect(page.locator("input[type=checkbox]:not([disabled])").first).to_be_focused()


def test_opening_an_organisation_and_following_its_affiliations(open_page):
    page = open_page(LIST)
    page.get_by_role("link", name="Music Education Council (MEC)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Music Education Council (MEC)")
    # Anywhere on an affiliation's card follows it.
    card = page.locator(".affiliation-card", has_text="National affiliate of")
    expect(card).to_contain_text(
        "National affiliate of International Society for Music Education (ISME) (for the UK)"
    )
    box = card.bounding_box()
    card.click(position={"x": box["width"] - 10, "y": box["height"] - 10})  # not on the name
    expect(page.get_by_role("heading", level=1)).to_contain_text("International Society")
    # The diagram's organisations are links too.
    page.locator("svg.diagram").get_by_role("link", name="UNESCO").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("UNESCO")
    # And the network, from the header: the most affiliated organisation first, then the one
    # chosen in the diagram, or from the list (without JavaScript too: a link and a form).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Affiliation network")
    title = page.locator("#network-title")
    expect(title).to_have_text("International Society for Music Education (ISME)")
    page.locator("svg.diagram").get_by_role("link", name="UNESCO").click()
    expect(title).to_have_text("UNESCO")
    expect(page.get_by_label("Organisation")).to_have_value("unesco")
    page.get_by_label("Organisation").select_option("amie")
    page.get_by_role("button", name="Show").click()
    expect(title).to_have_text("Alliance for a Musically Inclusive England (AMIE)")
    page.get_by_role("link", name="Open AMIE’s page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Alliance for a Musically Inclusive England (AMIE)"
    )


def test_comparing_organisations(open_page):
    page = open_page(LIST)
    page.get_by_role(
        "link", name="Add International Society for Music Education to comparison"
    ).click()
    page.get_by_role(
        "link", name="Add Alliance for a Musically Inclusive England to comparison"
    ).click()
    page.get_by_role("link", name="Compare these 2").click()
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("ISME and AMIE side by side")
    expect(table.locator("thead th")).to_have_count(2)
    # Adding one: a search, then ticking a match; the two compared stay ticked.
    page.get_by_role("searchbox", name="Add another organisation").fill("music mark")
    page.get_by_role("button", name="Find organisations").click()
    expect(page.get_by_role("checkbox", name=re.compile("^International Society"))).to_be_checked()
    page.get_by_role("checkbox", name="Music Mark", exact=True).check()
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(table.locator("thead th")).to_have_count(3)
