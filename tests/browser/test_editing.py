"""An editor's journeys in the admin, in Chromium, as production serves it (conftest.py's
`admin_site`): every organisation saves unchanged, a passage pasted with its line breaks is
accepted, and an affiliation the passage describes in words (naming no organisation) is
recorded, or refused when it also names one."""

import re

from .conftest import importorskip, record

expect = importorskip("playwright.sync_api").expect

SAVED = re.compile(r"was changed successfully")
NAMES_OR_DESCRIBES = "Choose the affiliated organisation, or, when the passage names none"


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


def test_an_affiliation_described_in_words_is_recorded_and_one_that_also_names_is_refused(
    admin_page,
):
    """Music Mark's call for support "to complement the national framework for music
    education": a policy, in the passage's words. First entered naming Youth Music too, which
    the form refuses beside the row, saving nothing; then without it, which saves, and the
    public page shows it in words."""
    page, problems = admin_page("editor")
    described = "the national framework for music education"
    change_page = organisation_links(page)["Music Mark"]
    page.goto(change_page)
    page.locator("#affiliations-group summary").click()
    page.get_by_role("button", name="Add another Affiliation with another organisation").click()
    row = page.locator("#affiliations-group .inline-related:not(.empty-form)").last
    row.locator("[name$='-kind']").select_option(label="Campaigns for")
    # The organisation too, as an editor might by mistake: both, which the form refuses.
    row.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").press_sequentially("Youth Music")
    page.locator(".select2-results__option", has_text="Youth Music").first.click()
    row.locator("input[name$='-described']").press_sequentially(described)
    row.locator("select[name$='-described_as']").select_option(label="a policy")
    row.locator(".select2-selection").last.click()
    page.locator(".select2-search__field").press_sequentially("Music Mark")
    page.locator(".select2-results__option", has_text="Music Mark").first.click()
    # The bullet as the page says it (a non-breaking space, in the source, typed as a space).
    row.locator("textarea[name$='-excerpt']").press_sequentially(
        "continuing and enhanced support from local authorities and other bodies to exercise "
        "their civic responsibilities and own local decision making to complement the national "
        "framework for music education"
    )
    page.get_by_role("button", name="Save and continue editing").last.click()

    expect(page.locator("#error-summary")).to_contain_text(NAMES_OR_DESCRIBES)
    expect(page.locator(".messagelist")).to_have_count(0)
    # The message is beside the row it is about (the new, last one), and only there.
    refused = page.locator("#affiliations-group .inline-related:not(.empty-form)").last
    expect(refused.locator(".errorlist")).to_contain_text(NAMES_OR_DESCRIBES)
    expect(page.locator("#affiliations-group .errorlist")).to_have_count(1)
    public = page.context.new_page()
    public.on("console", lambda m: record(problems, m))
    public.goto("/organisations/music-mark/")
    expect(public.locator("#affiliations")).not_to_contain_text("national framework")
    expect(public.locator("#affiliations")).not_to_contain_text("Youth Music")

    # Without the organisation: saved, and shown in the passage's words, with what they are.
    refused.locator(".select2-selection__clear").first.click()
    page.keyboard.press("Escape")  # clearing it opens its list of organisations
    expect(refused.locator("select[name$='-other']")).to_have_value("")
    page.get_by_role("button", name="Save and continue editing").last.click()
    expect(page.locator(".messagelist")).to_contain_text(SAVED)
    expect(page.locator(".errornote")).to_have_count(0)
    public.goto("/organisations/music-mark/")
    card = public.locator(".affiliation-card", has_text=described)
    expect(card.locator(".affiliation-card__text")).to_have_text(f"Campaigns for {described}")
    expect(card.locator(".affiliation-card__text a")).to_have_count(0)  # no page to link
    expect(card).to_contain_text("A policy, in the source’s words")
    expect(public.locator("#affiliations")).not_to_contain_text("Youth Music")
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
