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
        page.get_by_role("button", name="Save", exact=True).last.click()  # at the foot
        expect(page.locator(".messagelist"), name).to_contain_text(SAVED)
        expect(page.locator(".errornote")).to_have_count(0)
    assert problems == []


def test_a_multi_line_excerpt_typed_into_the_admin_is_saved(admin_page):
    page, problems = admin_page("editor")
    page.goto(organisation_links(page)["Music Mark"])
    page.locator("#statements-group summary").click()  # each kind of record opens and closes
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
    page.get_by_role("button", name="Save and continue editing").last.click()

    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    page.goto("/organisations/music-mark/")
    # The statement itself (its passage is there too, closed, behind its evidence marker).
    # (Another statement begins with the same words, and goes on: "and outcomes...".)
    added = re.compile(r"^\s*the strongest possible focus on the impacts\s*\[")
    expect(page.locator("#purpose li").filter(has_text=added)).to_be_visible()
    assert problems == []


def test_importing_organisations_from_a_spreadsheet(admin_page, tmp_path):
    """Choose a file, read the preview of every row, confirm, and find the new entries."""
    page, problems = admin_page("editor")
    # The columns an editor fills in; a founding year with the passage that states it.
    header = "slug,name,kind,founded_year,summary,themes,evidence_source,founded_year_passage"
    spreadsheet = tmp_path / "new organisations.csv"
    spreadsheet.write_text(
        f"{header}\r\n"
        "imported-choir,Imported Choir,network,2016,"
        '"A choir, imported.\r\nIts second line.",research,mec-isme,'
        '"In 2016 the World Conference was held in the UK"\r\n'
        "imported-band,Imported Band,not-a-kind,,,,,\r\n",
        encoding="utf-8",
    )
    page.goto("/admin/organisations/organisation/")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("link", name="a template with the columns")).to_be_visible()
    page.locator("input[type=file]").set_input_files(str(spreadsheet))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()

    # A row in error: its column and message; nothing to confirm.
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("not-a-kind")
    expect(preview.locator("tr", has_text="kind")).to_contain_text("error")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)

    spreadsheet.write_text(spreadsheet.read_text().rsplit("imported-band", 1)[0], encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(spreadsheet))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("table.import-preview")).to_contain_text("new")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("Import finished")

    page.goto("/organisations/imported-choir/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported Choir")
    expect(page.get_by_text("Its second line.")).to_be_visible()
    founded = page.locator(".facts div", has_text="Founded")
    expect(founded).to_contain_text("2016")
    founded.locator("summary").click()  # its evidence: the passage
    expect(founded).to_contain_text("In 2016 the World Conference was held in the UK")
    assert problems == []
