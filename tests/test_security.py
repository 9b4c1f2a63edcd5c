"""Production security: every header, every refusal, the admin's login lockout.

References: Django's deployment checklist (`check --deploy`), the Mozilla web security
guidelines and OWASP ASVS level 2. Tests run with the production settings (debug off); the
autouse fixture in conftest.py turns the HTTPS redirect off, and tests here turn it back on.
"""

import runpy
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devtools import servers
from organisations.models import Organisation, Statement
from tests import factories
from tests.reading import inline_code

SETTINGS = django_settings.BASE_DIR / "musicdir" / "settings.py"

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
EXPECTED_HEADERS = {
    "Content-Security-Policy": EXPECTED_CSP,
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

# A proxy in front of the site says the request came over HTTPS.
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}


def production_env(**overrides):
    """The environment of a production process: debug off, a strong key, one host."""
    return servers.production_env(
        **{"DJANGO_ALLOWED_HOSTS": "musicdir.example", "DATABASE_URL": "sqlite:///:memory:"}
        | overrides
    )


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Refusing to start -------------------------------------------------------------------


def load_settings(monkeypatch, **env):
    """Run settings.py afresh with these environment variables (None: unset)."""
    for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_ADMIN_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "musicdir.example"}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "a-secret"}, "DJANGO_ALLOWED_HOSTS is not set"),
        ({}, "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS are not set"),
        ({"DJANGO_SECRET_KEY": "a-secret", "DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS"),
    ],
    ids=["no-secret-key", "no-allowed-hosts", "neither", "blank-hosts"],
)
def test_with_debug_off_the_site_refuses_to_start_naming_what_is_missing(monkeypatch, env, missing):
    with pytest.raises(ImproperlyConfigured, match=missing) as error:
        load_settings(monkeypatch, **env)
    assert "DJANGO_DEBUG=1 for development" in str(error.value)


def test_with_debug_off_and_both_set_the_settings_load(monkeypatch):
    loaded = load_settings(
        monkeypatch, DJANGO_SECRET_KEY="a-secret", DJANGO_ALLOWED_HOSTS="a.example, b.example"
    )
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert loaded["SECURE_SSL_REDIRECT"] is True


def test_with_debug_on_development_defaults_apply(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1")
    assert loaded["SECRET_KEY"].startswith("django-insecure")
    assert "localhost" in loaded["ALLOWED_HOSTS"]
    # The policy is only reported in development, so Django's debug pages keep working.
    assert loaded["SECURE_CSP"] == {}
    assert loaded["SECURE_CSP_REPORT_ONLY"] == loaded["CONTENT_SECURITY_POLICY"]


@pytest.mark.parametrize("value", ["/admin/", "admin", "a dmin/", "admin/<x>/", "é/"])
def test_a_malformed_admin_url_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ADMIN_URL must be a path"):
        load_settings(monkeypatch, DJANGO_DEBUG="1", DJANGO_ADMIN_URL=value)


def test_a_process_without_its_settings_exits_with_the_message():
    result = manage("check", DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


# --- Django's deployment checklist ----------------------------------------------------------


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_catches_a_weak_secret_key():
    # The check is real: it fails with a short key, which production must not use.
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_the_admin_url_comes_from_the_environment():
    code = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:index'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=production_env(
            DJANGO_ADMIN_URL="backstage-4f2a/", DJANGO_SETTINGS_MODULE="musicdir.settings"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/backstage-4f2a/"


# --- Headers ----------------------------------------------------------------------------------


def page_urls():
    return [
        reverse("organisations:list"),
        reverse("organisations:list") + "?q=music&kind=alliance",
        reverse("organisations:detail", kwargs={"slug": "isme"}),
        reverse("organisations:compare") + "?o=isme&o=amie",
        reverse("organisations:export-csv"),
        reverse("organisations:export-json"),
        reverse("organisations:feed") + "?q=music",
        reverse("organisations:changes-feed"),
        reverse("organisations:detail-json", kwargs={"slug": "isme"}),
        reverse("organisations:detail-csv", kwargs={"slug": "isme"}),
        reverse("downloads"),
        reverse("datapackage"),
        reverse("download-csv", kwargs={"name": "affiliations"}),
        reverse("download-json"),
        "/sitemap.xml",
        "/robots.txt",
        "/organisations/no-such-organisation/",  # the 404 page
        reverse("admin:login"),
        "/static/css/site.css",  # served by whitenoise
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("path", page_urls())
def test_every_response_carries_every_security_header(client, path):
    response = client.get(path, **HTTPS)
    assert response.status_code in (200, 404)
    expected = dict(EXPECTED_HEADERS)
    if path.startswith("/static/"):
        # Whitenoise answers before the framing middleware; frame-ancestors covers it anyway.
        del expected["X-Frame-Options"]
    for header, value in expected.items():
        assert response.headers.get(header) == value, header
    assert "Server" not in response.headers


@pytest.mark.django_db
@pytest.mark.parametrize("path", [reverse("organisations:list"), reverse("admin:login")])
def test_the_policy_allows_no_inline_or_eval_script(client, path):
    policy = client.get(path, **HTTPS)["Content-Security-Policy"]
    directives = dict(directive.split(" ", 1) for directive in policy.split("; "))
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert "unsafe-" not in policy


@pytest.mark.django_db
def test_hsts_is_sent_over_https_only(client):
    # Over plain HTTP a browser ignores it anyway; Django sends it on secure requests only.
    response = client.get(reverse("organisations:list"))
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("organisations:list") + "?q=music")
    assert response.status_code == 301
    assert response.url == "https://testserver/organisations/?q=music"


@pytest.mark.django_db
def test_the_redirect_honours_the_proxys_x_forwarded_proto(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("organisations:list"), **HTTPS).status_code == 200
    spoofed = client.get(reverse("organisations:list"), HTTP_X_FORWARDED_PROTO="http")
    assert spoofed.status_code == 301


@pytest.mark.django_db
def test_a_host_not_allowed_is_refused(client):
    response = client.get(reverse("organisations:list"), HTTP_HOST="evil.example", **HTTPS)
    assert response.status_code == 400


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_same_site(client, settings):
    factories.editor("ed")
    login = reverse("admin:login")
    csrf = client.get(login, **HTTPS).cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"

    response = client.post(login, {"username": "ed", "password": "ed-passphrase"}, **HTTPS)
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


# --- No inline script or style anywhere the policy applies ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        reverse("organisations:list"),
        reverse("organisations:list") + "?q=music&kind=alliance",
        reverse("organisations:list") + "?kind=funder",
        reverse("organisations:list") + "?kind=nonsense",  # with an error summary
        reverse("organisations:detail", kwargs={"slug": "isme"}),
        reverse("organisations:detail", kwargs={"slug": "amie"}),
        reverse("organisations:changes", kwargs={"slug": "isme"}),
        reverse("organisations:network"),
        reverse("organisations:compare"),
        reverse("organisations:compare") + "?o=isme&o=amie",
        reverse("organisations:compare") + "?o=isme",
        "/organisations/no-such-organisation/",
        reverse("api-docs"),
        reverse("api-v1:reconcile-preview") + "?id=isme",
    ],
)
def test_public_pages_have_no_inline_code(client, path):
    response = client.get(path)
    assert inline_code(response) == []


def admin_pages():
    isme = Organisation.objects.get(slug="isme")
    statement = Statement.objects.filter(organisation=isme).first()
    return [
        reverse("admin:index"),
        reverse("admin:organisations_organisation_changelist"),
        reverse("admin:organisations_organisation_changelist") + "?q=music&kind__exact=alliance",
        reverse("admin:organisations_organisation_add"),
        reverse("admin:organisations_organisation_change", args=[isme.pk]),
        reverse("admin:organisations_organisation_delete", args=[isme.pk]),
        reverse("admin:organisations_organisation_history", args=[isme.pk]),
        reverse("admin:organisations_statement_change", args=[statement.pk]),
        reverse("admin:organisations_statement_add") + "?_popup=1",
        reverse("admin:password_change"),
    ]


@pytest.mark.django_db
def test_admin_pages_have_no_inline_code_so_the_policy_does_not_break_them(admin_client):
    for path in admin_pages():
        response = admin_client.get(path, **HTTPS)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == EXPECTED_CSP
        assert inline_code(response) == [], path


# --- The admin: lockout, least privilege --------------------------------------------------


@pytest.fixture
def accounts(db):
    """Two editors, alice and bob, whose passwords are `alice-passphrase`, `bob-passphrase`."""
    for name in ("alice", "bob"):
        factories.editor(name)


def log_in(username, password, address):
    """A login through the form from `address`, as the proxy reports it."""
    return Client().post(
        reverse("admin:login"),
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=address,
        **HTTPS,
    )


def test_failed_logins_lock_out_the_address_and_the_user_name(accounts):
    limit = django_settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        failed = log_in("alice", "wrong", "203.0.113.7")
        assert failed.status_code == 200
        assert "Please enter the correct username and password" in failed.content.decode()

    locked = log_in("alice", "wrong", "203.0.113.7")
    assert locked.status_code == 429
    assert "too many login attempts" in locked.content.decode()
    # Now even the right password is refused, from that address or for that user name...
    assert log_in("alice", "alice-passphrase", "203.0.113.7").status_code == 429
    assert log_in("alice", "alice-passphrase", "198.51.100.1").status_code == 429
    assert log_in("bob", "bob-passphrase", "203.0.113.7").status_code == 429
    # ...but another user from another address logs in.
    assert log_in("bob", "bob-passphrase", "198.51.100.1").status_code == 302


def test_the_lockout_ends_after_the_cool_off(accounts):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        log_in("alice", "wrong", "203.0.113.7")
    assert log_in("alice", "alice-passphrase", "203.0.113.7").status_code == 429
    cool_off = django_settings.AXES_COOLOFF_TIME
    assert cool_off == timedelta(minutes=15)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(seconds=1))
    assert log_in("alice", "alice-passphrase", "203.0.113.7").status_code == 302


def test_a_forged_forwarded_for_does_not_dodge_the_lockout(accounts):
    # The proxy appends the real address; what the client put before it is ignored.
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        log_in(f"nobody-{n}", "wrong", f"10.9.9.{n}, 203.0.113.7")
    assert log_in("bob", "bob-passphrase", "10.0.0.1, 203.0.113.7").status_code == 429
    assert log_in("bob", "bob-passphrase", "203.0.113.8").status_code == 302


def test_a_successful_login_clears_the_failures(accounts):
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        log_in("alice", "wrong", "203.0.113.7")
    assert log_in("alice", "alice-passphrase", "203.0.113.7").status_code == 302
    for _ in range(limit - 1):
        assert log_in("alice", "wrong", "203.0.113.7").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "admin:auth_user_changelist",
        "admin:auth_group_changelist",
        "admin:axes_accessattempt_changelist",
        "admin:axes_accesslog_changelist",
    ],
)
def test_editors_cannot_reach_accounts_or_the_lockout_records(accounts, name):
    client = Client()
    client.force_login(Group.objects.get(name="Editors").user_set.get(username="alice"))
    assert client.get(reverse(name), **HTTPS).status_code == 403


def test_the_csp_header_text_is_built_from_the_settings():
    from musicdir.security import csp_header, permissions_policy_header

    assert csp_header({"a": ["'self'"], "b": [], "c": ["x", "y"]}) == "a 'self'; c x y"
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == (
        "camera=(), fullscreen=(self)"
    )


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        (None, 1, "127.0.0.1"),
        ("203.0.113.7", 1, "203.0.113.7"),
        ("10.0.0.1, 203.0.113.7", 1, "203.0.113.7"),
        ("203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("203.0.113.7", 0, "127.0.0.1"),
        ("not-an-address", 1, "127.0.0.1"),
        ("2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_client_ip(rf, settings, forwarded, proxies, expected):
    from musicdir.security import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client_ip(rf.get("/", **headers)) == expected
