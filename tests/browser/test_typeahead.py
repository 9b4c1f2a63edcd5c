"""Type-ahead in a real browser: the search box as a WAI-ARIA combobox (the list autocomplete
pattern: arrow keys, Enter, Escape, a click, the number of suggestions announced), axe with
the suggestions open, and the same form without JavaScript."""

import re

import pytest
from django.urls import reverse

from .conftest import PHONE, importorskip
from .test_every_page import violations

expect = importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")


def box(page):
    return page.get_by_role("combobox", name="Search", exact=True)


def suggestions(page):
    return page.get_by_role("listbox", name="Suggested organisations")


def announced(page):
    return page.locator("#id_q-suggestions-status")


def test_suggestions_as_you_type_chosen_with_the_keyboard(open_page):
    page = open_page(LIST)
    box(page).press_sequentially("mus", delay=30)
    expect(suggestions(page)).to_be_visible()
    options = suggestions(page).get_by_role("option")
    expect(options).to_have_count(6)
    expect(options.first).to_have_text("Music Education Council (MEC)")
    expect(announced(page)).to_have_text(re.compile(r"^6 suggestions"))
    expect(box(page)).to_have_attribute("aria-expanded", "true")
    assert violations(page) == [], "with the suggestions open"

    # Down moves to the first suggestion, Up from the first to the last; focus stays in the box.
    box(page).press("ArrowDown")
    expect(box(page)).to_have_attribute("aria-activedescendant", "id_q-suggestions-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box(page).press("ArrowUp")
    expect(box(page)).to_have_attribute("aria-activedescendant", "id_q-suggestions-5")
    box(page).press("ArrowDown")
    box(page).press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    assert page.evaluate("document.activeElement.id") == "id_q"

    # Enter chooses it: its name is searched for.
    box(page).press("Enter")
    expect(page.locator(".result-count")).to_have_text("1 organisation matching “Music Mark”")
    expect(page).to_have_url(re.compile(r"\?q=Music\+Mark$"))
    expect(suggestions(page)).to_be_hidden()


def test_escape_closes_the_suggestions_then_clears_the_box(open_page):
    page = open_page(LIST, viewport=PHONE)
    box(page).press_sequentially("you", delay=30)
    expect(suggestions(page).get_by_role("option")).to_have_text(["Youth Music"])
    expect(announced(page)).to_have_text(re.compile(r"^1 suggestion:"))
    assert violations(page) == [], "on a phone, with the suggestions open"
    box(page).press("Escape")
    expect(suggestions(page)).to_be_hidden()
    expect(box(page)).to_have_attribute("aria-expanded", "false")
    expect(box(page)).to_have_value("you")
    box(page).press("Escape")
    expect(box(page)).to_have_value("")


def test_a_click_chooses_a_suggestion(open_page):
    page = open_page(LIST)
    box(page).press_sequentially("conserv", delay=30)
    suggestions(page).get_by_role("option", name="Royal Conservatoire of Scotland").click()
    expect(page.locator(".result-count")).to_contain_text("matching “Royal Conservatoire")
    expect(page.locator(".card__title").first).to_have_text("Royal Conservatoire of Scotland")


def test_nothing_to_suggest_is_announced_and_enter_searches_as_typed(open_page):
    page = open_page(LIST)
    box(page).press_sequentially("zebra", delay=30)
    expect(announced(page)).to_have_text("No suggestions")
    expect(suggestions(page)).to_be_hidden()
    box(page).press("Enter")
    expect(page.locator(".result-count")).to_have_text("0 organisations matching “zebra”")


def test_without_javascript_the_search_box_is_a_plain_search_box(open_page):
    page = open_page(LIST, java_script_enabled=False)
    search = page.get_by_role("searchbox", name="Search", exact=True)
    expect(search).not_to_have_attribute("role", "combobox")
    search.fill("music mark")
    search.press("Enter")
    expect(page.locator(".result-count")).to_have_text("1 organisation matching “music mark”")
