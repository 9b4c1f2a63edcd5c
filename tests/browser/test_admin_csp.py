"""The admin under the Content Security Policy, in a real browser, as production serves it.

Production settings (debug off, the policy enforced, hashed static files) through gunicorn on
a throwaway database with accounts of its own (conftest.py's `admin_site`). Logged in, the
browser opens every kind of admin page and uses its scripts: any script, style or other resource
the policy refuses shows in the browser's console, and fails the test. (The public pages are
checked the same way by every other browser test: see conftest.py's `open_page`.)
"""

from playwright.sync_api import expect

from .conftest import over_https, record

PAGES = [
    "/admin/",
    "/admin/organisations/organisation/",
    "/admin/organisations/organisation/add/",
    "/admin/organisations/organisation/?q=music",
    "/admin/organisations/statement/",
    "/admin/organisations/source/",
    "/admin/organisations/suggestion/",
    "/admin/auth/user/",
    "/admin/password_change/",
]


def test_the_login_page_breaks_no_rule(browser, admin_site):
    context = over_https(browser, admin_site.url)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: record(problems, m))
    response = page.goto("/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    context.close()
    assert problems == []


def test_admin_pages_and_their_scripts_break_no_rule(admin_page):
    page, problems = admin_page("root")
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The change form's scripts at work: inlines, collapsed fieldsets, the related-object
    # widgets and the slug filled in from the name.
    page.goto("/admin/organisations/organisation/add/")
    page.locator("#id_name").press_sequentially("A New Music Society")
    expect(page.locator("#id_slug")).to_have_value("a-new-music-society")
    page.locator("#statements-group summary").click()  # each kind of record opens and closes
    page.get_by_role("button", name="Add another Statement").click()
    expect(page.locator("#statements-0")).to_be_visible()
    page.goto("/admin/organisations/organisation/")
    page.locator(".action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of")
    # An organisation's page: every inline, the two-box tag pickers, and an autocomplete
    # (select2, asking the server for choices as the editor types).
    page.get_by_role("link", name="International Society for Music Education").click()
    expect(page.locator("#id_audiences_from")).to_be_visible()
    page.locator("#statements-group summary").click()
    page.locator("#statements-0 .select2-selection").click()
    page.locator(".select2-search__field").press_sequentially("ISME")
    expect(page.locator(".select2-results__option").first).to_contain_text("ISME")
    assert problems == [], "the policy refused something, or a script failed"
