"""The admin under the Content Security Policy, in a real browser, as production serves it.

Production settings (debug off, the policy enforced, hashed static files) through gunicorn on
a throwaway SQLite database with an account of its own. Logged in, the browser opens every
kind of admin page and uses its scripts: any script, style or other resource
the policy refuses shows in the browser's console, and fails the test. (The public pages are
checked the same way by every other browser test: see conftest.py's `open_page`.)
"""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests import servers

PASSWORD = "a-long-test-passphrase"

PAGES = [
    "/admin/",
    "/admin/organisations/organisation/",
    "/admin/organisations/organisation/add/",
    "/admin/organisations/organisation/?q=music",
    "/admin/organisations/statement/",
    "/admin/organisations/source/",
    "/admin/auth/user/",
    "/admin/password_change/",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("admin-csp")
    env = servers.production_env(
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(directory / "static"),
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG="",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    servers.manage("migrate", "--verbosity", "0", env=env)
    servers.manage("loaddata", "organisations", "--verbosity", "0", env=env)
    servers.manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    servers.manage(
        "createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org", env=env
    )
    with servers.gunicorn(env, directory / "gunicorn.log") as base:
        yield SimpleNamespace(url=base, env=env)


def over_https(browser, site):
    """A browser context whose requests say, as the TLS proxy's would, they came over HTTPS."""
    return browser.new_context(base_url=site, extra_http_headers={"X-Forwarded-Proto": "https"})


LOG_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username="root")
session = SessionStore()
session.update({
    SESSION_KEY: str(user.pk),
    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
    HASH_SESSION_KEY: user.get_session_auth_hash(),
})
session.create()
print(session.session_key)
"""


def record(problems, message):
    """Keep the console's errors and warnings, with where they came from. (Not the admin's
    missing /favicon.ico: its pages name no icon, so the browser asks for that one.)"""
    url = message.location.get("url", "")
    if message.type in ("error", "warning") and not url.endswith("/favicon.ico"):
        problems.append(f"{message.text} ({url})")


@pytest.fixture
def editor_page(browser, site):
    """A tab logged in to the admin. (Through a session made on the server: a form posted over
    plain HTTP fails the CSRF origin check that HTTPS behind the proxy passes.)"""
    session_key = servers.manage("shell", "--command", LOG_IN, env=site.env).stdout.split()[-1]
    context = over_https(browser, site.url)
    context.add_cookies([{"name": "sessionid", "value": session_key, "url": site.url}])
    page = context.new_page()
    problems = []
    page.on("console", lambda m: record(problems, m))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    yield page, problems
    context.close()


def test_the_login_page_breaks_no_rule(browser, site):
    context = over_https(browser, site.url)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: record(problems, m))
    response = page.goto("/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    context.close()
    assert problems == []


def test_admin_pages_and_their_scripts_break_no_rule(editor_page):
    page, problems = editor_page
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The change form's scripts at work: inlines, collapsed fieldsets, the related-object
    # widgets and the slug filled in from the name.
    page.goto("/admin/organisations/organisation/add/")
    page.locator("#id_name").press_sequentially("A New Music Society")
    expect(page.locator("#id_slug")).to_have_value("a-new-music-society")
    page.get_by_role("button", name="Add another Statement").click()
    expect(page.locator("#statements-0")).to_be_visible()
    page.goto("/admin/organisations/organisation/")
    page.locator(".action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of")
    # An organisation's page: every inline, the two-box tag pickers, and an autocomplete
    # (select2, asking the server for choices as the editor types).
    page.get_by_role("link", name="International Society for Music Education").click()
    expect(page.locator("#id_audiences_from")).to_be_visible()
    page.locator("#statements-0 .select2-selection").click()
    page.locator(".select2-search__field").press_sequentially("ISME")
    expect(page.locator(".select2-results__option").first).to_contain_text("ISME")
    assert problems == [], "the policy refused something, or a script failed"
