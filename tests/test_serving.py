"""The site as production serves it: gunicorn from musicdir/gunicorn.py, static files by
whitenoise from `collectstatic`'s output, debug off, behind a proxy that sets
X-Forwarded-Proto. One server for the module, on a throwaway SQLite database."""

import gzip
import re
import runpy
import shlex
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import get_commands

from devtools import loadtest, servers
from tests.reading import read
from tests.test_security import EXPECTED_HEADERS

HTTPS = {"X-Forwarded-Proto": "https"}
FAR_FUTURE = "max-age=315360000, public, immutable"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serving")
    env = servers.production_env(
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(directory / "static"),
        WEB_CONCURRENCY="2",
    )
    servers.prepare(env)
    with servers.gunicorn(env, directory / "gunicorn.log") as base:
        yield base


def get(site, path, headers=None):
    return servers.request(site + path, headers={**HTTPS, **(headers or {})})


def stylesheet(page, name):
    """The address by which the page links the stylesheet static/`name`.css: its hashed name."""
    links = [link.get("href") for link in read(page).find_all("link", rel="stylesheet")]
    hashed = [href for href in links if re.fullmatch(rf"/static/{name}\.[0-9a-f]{{12}}\.css", href)]
    assert len(hashed) == 1, f"the page does not link {name}.css by its hashed name: {links}"
    return hashed[0]


def test_a_page_through_gunicorn_has_every_security_header(site):
    status, headers, body = get(site, "/organisations/?q=music")
    assert status == 200
    assert b"International Society for Music Education" in body
    for header, value in EXPECTED_HEADERS.items():
        assert headers.get(header.lower()) == value, header


def test_the_server_header_names_no_software_version(site):
    for path in ("/organisations/", "/healthz", "/static/css/site.css", "/no-such-page"):
        _, headers, _ = get(site, path)
        assert headers["server"] == "musicdir"
        assert not re.search(r"\d", headers["server"])
        assert "x-powered-by" not in headers


def test_plain_http_is_redirected_to_https(site):
    status, headers, _ = servers.request(site + "/organisations/?q=music")
    assert status == 301
    assert headers["location"] == site.replace("http:", "https:") + "/organisations/?q=music"


def test_static_files_have_hashed_names_and_are_cached_for_ever(site):
    _, _, page = get(site, "/organisations/")
    hashed = stylesheet(page, "css/site")

    status, headers, body = get(site, hashed)
    assert status == 200
    assert headers["cache-control"] == FAR_FUTURE
    assert headers["content-type"].startswith("text/css")
    assert headers.get("x-content-type-options") == "nosniff"

    # The name without its hash is still served, but only briefly cached.
    status, headers, plain = get(site, "/static/css/site.css")
    assert status == 200
    assert headers["cache-control"] != FAR_FUTURE
    assert plain == body


def test_static_files_are_served_compressed(site):
    _, _, page = get(site, "/organisations/")
    hashed = stylesheet(page, "css/site")
    _, _, body = get(site, hashed)
    status, headers, compressed = get(site, hashed, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(compressed) == body
    assert len(compressed) < len(body)


def test_the_admin_static_files_are_collected_too(site):
    status, _, page = get(site, "/admin/login/")
    assert status == 200
    status, headers, _ = get(site, stylesheet(page, "admin/css/base"))
    assert status == 200
    assert headers["cache-control"] == FAR_FUTURE


def test_probes_answer_plain_http_on_any_host(site):
    for path in ("/healthz", "/readyz"):
        status, headers, body = servers.request(site + path, headers={"Host": "10.0.0.5:8000"})
        assert (status, body) == (200, b"ok\n")
        assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        # Longer than gunicorn's limit on the request line.
        ("/organisations/?q=" + "x" * 5000, {400, 414}),
        ("/organisations/?q=%00", {400}),
        ("/organisations/?page=99999999999999999999", {404}),
        ("/organisations/%00/", {404}),
        ("/organisations/?q=%FF%FE", {200}),
        ("/organisations/?" + "&".join(["kind=alliance"] * 250), {200}),
    ],
    ids=["too-long", "nul", "huge-page", "nul-slug", "bad-utf8", "repeated"],
)
def test_hostile_requests_through_gunicorn_never_give_a_server_error(site, path, statuses):
    status, _, _ = get(site, path)
    assert status in statuses


# --- The configuration, without a server ------------------------------------------------------


def gunicorn_config(monkeypatch, **env):
    for name in ["GUNICORN_BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "musicdir" / "gunicorn.py"))


def test_gunicorn_listens_on_loopback_by_default(monkeypatch):
    config = gunicorn_config(monkeypatch)
    assert config["bind"] == ["127.0.0.1:8000"]
    assert 1 <= config["workers"] <= 8
    assert (config["worker_class"], config["threads"]) == ("gthread", 8)
    assert config["raw_env"] == ["MUSICDIR_WEB_PROCESS=1"]  # waits on the database bounded
    assert config["wsgi_app"] == "musicdir.wsgi:application"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    config = gunicorn_config(
        monkeypatch, GUNICORN_BIND="unix:/run/musicdir.sock", WEB_CONCURRENCY="3",
        GUNICORN_THREADS="2",
    )  # fmt: skip
    assert (config["bind"], config["workers"], config["threads"]) == (
        ["unix:/run/musicdir.sock"], 3, 2,
    )  # fmt: skip
    # A platform that runs the Procfile gives a PORT and expects every interface.
    assert gunicorn_config(monkeypatch, PORT="5000")["bind"] == ["0.0.0.0:5000"]


def test_a_malformed_gunicorn_setting_names_the_variable(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number; it is 'many'"):
        gunicorn_config(monkeypatch, WEB_CONCURRENCY="many")


def test_the_procfile_runs_commands_that_exist():
    processes = dict(
        line.split(": ", 1)
        for line in (settings.BASE_DIR / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(processes) == {"release", "web"}
    commands = get_commands()
    for step in processes["release"].split(" && "):
        words = shlex.split(step)
        assert words[:2] == ["python", "manage.py"]
        assert words[2] in commands
    assert processes["release"].index("migrate") < processes["release"].index("seed_directory")
    assert processes["web"] == "gunicorn --config python:musicdir.gunicorn"


# --- The load test script ------------------------------------------------------------------


def test_the_load_test_counts_any_failure_as_an_error():
    check = loadtest.check
    assert check(200, {"Server": "musicdir"}, b"<html>") is None
    assert check(500, {"Server": "musicdir"}, b"oops") == "status 500"
    assert check(404, {"Server": "musicdir"}, b"gone") == "status 404"
    assert check(200, {"Server": "musicdir"}, b"") == "empty body"
    assert "version" in check(200, {"Server": "gunicorn/23.0.0"}, b"<html>")


def test_the_load_test_percentiles():
    percentile = loadtest.percentile
    values = [n / 100 for n in range(1, 101)]  # 0.01 .. 1.00
    assert percentile(values, 50) == 0.5
    assert percentile(values, 99) == 0.99
    assert percentile(values, 100) == 1.0
    assert percentile([0.3], 95) == 0.3


def test_the_load_test_against_a_running_server(site):
    result = subprocess.run(
        [sys.executable, "-m", "devtools.loadtest", "--url", site, "--duration", "2"]
        + ["--clients", "2"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 errors." in result.stdout
    assert "| search |" in result.stdout
