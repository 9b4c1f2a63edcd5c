"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Without Chromium (or the Playwright package) these tests skip, saying why. With
MUSICDIR_REQUIRE_BROWSER=1, as CI sets, they fail instead: CI cannot pass without them.
Never `playwright install`: the browser is the system's (/usr/bin/chromium, or CHROME_PATH).

The server. pytest-django's `live_server` makes every test that uses it transactional: the
database is flushed after each one, so each would have to load the directory again, and any
ordinary test running after them would find it gone. These tests only read, so they use a
server thread of their own (`site_url`) over the directory the session loaded once
(tests/conftest.py), and are ordinary `db` tests: nothing is flushed or reloaded, and the order
tests run in does not matter.
- SQLite: the test database is in memory, shared by the connections of this process; the
  server thread is handed the main thread's connection, as Django's LiveServerTestCase does.
- PostgreSQL: the server thread has its own connection and sees committed data: the
  directory, loaded before any test ran.
So a browser test must not write to the database: on PostgreSQL the server could not see it.
"""

import importlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread

from devtools import servers
from tests.conftest import TEST_SETTINGS
from tests.servers import throwaway_database

CHROMIUM = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = servers.CHROMIUM_ARGS
REQUIRED = os.environ.get("MUSICDIR_REQUIRE_BROWSER") == "1"
HOST = "127.0.0.1"

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(django_settings.BASE_DIR) / "screenshots"


def unavailable(reason):
    if REQUIRED:
        pytest.fail(f"{reason}; MUSICDIR_REQUIRE_BROWSER=1 requires the browser tests")
    pytest.skip(reason)


def importorskip(name):
    """The module `name`; if it is not installed, skip (or, if required, fail) the tests."""
    if REQUIRED:
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"{name} is not installed: pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def browser():
    """One Chromium for each module of browser tests. (Per module, not per session, so that
    Playwright's event loop, which Django's async-safety check objects to, is gone again
    before any other tests run.)"""
    sync_playwright = importorskip("playwright.sync_api").sync_playwright
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROME_PATH")
    # Playwright's sync API runs an asyncio loop in this thread; the ORM calls the tests'
    # fixtures make in it are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
            # While Playwright's loop runs, asgiref keeps this thread's database connections
            # apart from its usual ones (as for async code): close them while they can still be
            # reached, or on PostgreSQL the test database cannot be dropped at the end.
            connections.close_all()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def site_url(django_db_setup):
    """The address of a server over the test database (see the module's docstring)."""
    shared = {
        alias: connections[alias]
        for alias in connections
        if connections[alias].vendor == "sqlite" and connections[alias].is_in_memory_db()
    }
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread = LiveServerThread(HOST, StaticFilesHandler, connections_override=shared)
    thread.daemon = True
    # The middleware reads its settings once, as the server starts: the tests' (plain HTTP),
    # and this host.
    with override_settings(**TEST_SETTINGS, ALLOWED_HOSTS=[*django_settings.ALLOWED_HOSTS, HOST]):
        thread.start()
        thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://{HOST}:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def open_page(browser, site_url, db, settings):
    """`open_page(path, **context options)`: a new browser tab showing `path`. Fails the test
    on any console error or uncaught script error, such as a Content-Security-Policy refusal."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]  # read on every request
    contexts, errors = [], []

    def open_page(path, viewport=DESKTOP, status=200, **options):
        context = browser.new_context(base_url=site_url, viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        if path is not None:
            response = page.goto(path)
            assert response.status == status, path
            if status != 200:  # the browser logs the page's own status as an error
                errors.clear()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], "errors in the browser's console"


def screenshot(page, name):
    """The whole page at phone and desktop width, in screenshots/ for reviewers."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    for label, viewport in [("phone", PHONE), ("desktop", DESKTOP)]:
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)


# The admin, through gunicorn as production serves it ------------------------------------------

ADMIN_PASSWORD = "a-long-test-passphrase"

# A superuser "root" and an editor "editor" (a staff account in the Editors group).
ACCOUNTS = """
from django.contrib.auth.models import Group, User
User.objects.create_superuser("root", "root@example.org", "{password}")
editor = User.objects.create_user("editor", "editor@example.org", "{password}", is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
"""

LOG_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username="{username}")
session = SessionStore()
session.update({{
    SESSION_KEY: str(user.pk),
    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
    HASH_SESSION_KEY: user.get_session_auth_hash(),
}})
session.create()
print(session.session_key)
"""


@pytest.fixture(scope="session")
def admin_site(tmp_path_factory):
    """The site as production serves it (debug off, the policy enforced, hashed static files),
    under gunicorn on a throwaway database of the kind the tests run on, with the directory
    and two accounts (ACCOUNTS). Tests that use it may write to it."""
    directory = tmp_path_factory.mktemp("admin-site")
    port = servers.free_port()
    with throwaway_database(directory) as database_url:
        env = servers.production_env(
            DATABASE_URL=database_url,
            # The browser speaks plain HTTP to gunicorn, so its forms come from an http://
            # origin, which a site behind a TLS proxy would otherwise refuse.
            DJANGO_CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
            DJANGO_STATIC_ROOT=str(directory / "static"),
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
        )
        servers.prepare(env)
        servers.manage("shell", "--command", ACCOUNTS.format(password=ADMIN_PASSWORD), env=env)
        with servers.gunicorn(env, directory / "gunicorn.log", port=port) as base:
            yield SimpleNamespace(url=base, env=env)


def over_https(browser, site):
    """A browser context whose requests say, as the TLS proxy's would, they came over HTTPS."""
    return browser.new_context(base_url=site, extra_http_headers={"X-Forwarded-Proto": "https"})


def record(problems, message):
    """Keep the console's errors and warnings, with where they came from. (Not the admin's
    missing /favicon.ico: its pages name no icon, so the browser asks for that one.)"""
    url = message.location.get("url", "")
    if message.type in ("error", "warning") and not url.endswith("/favicon.ico"):
        problems.append(f"{message.text} ({url})")


@pytest.fixture
def admin_page(browser, admin_site):
    """`admin_page(username)`: (a tab logged in to the admin as that account, the problems its
    console reports). Logged in through a session made on the server: a form posted over
    plain HTTP fails the CSRF origin check that HTTPS behind the proxy passes."""
    contexts = []

    def admin_page(username):
        login = LOG_IN.format(username=username)
        session_key = servers.manage("shell", "--command", login, env=admin_site.env)
        context = over_https(browser, admin_site.url)
        contexts.append(context)
        context.add_cookies(
            [{"name": "sessionid", "value": session_key.stdout.split()[-1], "url": admin_site.url}]
        )
        page = context.new_page()
        problems = []
        page.on("console", lambda m: record(problems, m))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto("/admin/")
        assert "/login/" not in page.url, f"{username} is not logged in"
        return page, problems

    yield admin_page
    for context in contexts:
        context.close()
