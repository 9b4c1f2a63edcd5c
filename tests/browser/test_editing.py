"""An editor's journeys in the admin, in Chromium, as production serves it (conftest.py's
`admin_site`): every organisation saves unchanged, and a passage pasted with its line breaks
is accepted."""

import re

from .conftest import importorskip

expect = importorskip("playwright.sync_api").expect

SAVED = re.compile(r"was changed successfully")


def organisation_links(page):
    page.goto("/admin/organisations/organisation/?all=")
    links = page.locator("#result_list tbody th a")
    return {
        links.nth(n).inner_text(): links.nth(n).get_attribute("href") for n in range(links.count())
    }


def test_every_organisation_saves_unchanged(admin_page):
    page, problems = admin_page("editor")
    links = organisation_links(page)
    assert len(links) >= 10
    for name, href in links.items():
        page.goto(href)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist"), name).to_contain_text(SAVED)
        expect(page.locator(".errornote")).to_have_count(0)
    assert problems == []


def test_a_multi_line_excerpt_typed_into_the_admin_is_saved(admin_page):
    page, problems = admin_page("editor")
    page.goto(organisation_links(page)["Music Mark"])
    page.get_by_role("button", name="Add another Statement").click()
    row = page.locator("#statements-group .inline-related:not(.empty-form)").last
    row.locator("[name$='-kind']").select_option(label="Calls to action")
    row.locator("textarea[name$='-text']").fill("the strongest possible focus on the impacts")
    # The source, chosen as an editor does: typing into the autocomplete.
    row.locator(".select2-selection").last.click()
    page.locator(".select2-search__field").press_sequentially("Music Mark")
    page.locator(".select2-results__option", has_text="Music Mark").first.click()
    # Two lines of the list, typed with a line break between them.
    excerpt = row.locator("textarea[name$='-excerpt']")
    excerpt.press_sequentially(
        "especially in the quality of teaching and learning, as well as the quality of access "
        "and provision in music education, in schools, music services and music education hubs"
    )
    excerpt.press("Enter")
    excerpt.press_sequentially("  • the strongest possible focus on the impacts")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    page.goto("/organisations/music-mark/")
    expect(page.get_by_text("the strongest possible focus on the impacts").first).to_be_visible()
    assert problems == []
