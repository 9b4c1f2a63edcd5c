"""Scale-out: two gunicorn instances sharing one PostgreSQL and one Redis serve the same pages,
and an edit made through one is seen at once through the other."""

import socket
import subprocess
import sys

import pytest

from devtools.servers import gunicorn, manage, production_env
from tests.admin_forms import first_change_link, form_data
from tests.servers import Browser

SERVER = "127.0.0.1"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "musicdir_scaleout_test"
REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "scale-out-only"


def reachable(port):
    try:
        socket.create_connection((SERVER, port), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not (reachable(5432) and reachable(6379)),
    reason="needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379",
)


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    env = production_env(
        DATABASE_URL=f"{POSTGRES}/{DATABASE}",
        REDIS_URL=REDIS_URL,
        MUSICDIR_CACHE="1",
        DJANGO_SUPERUSER_USERNAME="editor",
        DJANGO_SUPERUSER_EMAIL="editor@example.org",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    psql = ["psql", POSTGRES + "/postgres", "-q", "-c"]
    drop = [*psql, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"]
    flush = [sys.executable, "-c", f"import redis; redis.from_url('{REDIS_URL}').flushdb()"]
    subprocess.run(drop, check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DATABASE}"], check=True)
    subprocess.run(flush, check=True)
    for command in [
        ["migrate"],
        ["loaddata", "organisations"],
        ["createsuperuser", "--noinput"],
        ["collectstatic", "--noinput"],
    ]:
        manage(*command, "--verbosity", "0", env=env)
    logs = tmp_path_factory.mktemp("scaleout")
    try:
        with (
            gunicorn(env | {"WEB_CONCURRENCY": "1"}, logs / "a.log") as first,
            gunicorn(env | {"WEB_CONCURRENCY": "1"}, logs / "b.log") as second,
        ):
            # Both behind one load balancer: the same public host name.
            yield [Browser(base, host="localhost") for base in (first, second)]
    finally:
        subprocess.run(drop, check=True)
        subprocess.run(flush, check=True)


def summary_on(browser, slug="unesco"):
    response = browser.get(f"/organisations/{slug}/")
    assert response.status == 200
    return response.content.decode()


def test_both_instances_serve_the_same_pages(instances):
    first, second = instances
    for path in ["/organisations/", "/organisations/isme/", "/organisations/?q=music"]:
        a, b = first.get(path), second.get(path)
        assert a.status == b.status == 200
        assert a.content == b.content
        assert a.getheader("ETag") == b.getheader("ETag")


def test_an_edit_through_one_instance_is_seen_at_once_through_the_other(instances):
    first, second = instances
    assert "Seen through the other instance." not in summary_on(second)  # and now cached there

    first.log_in("editor", PASSWORD)

    changelist = first.get("/admin/organisations/organisation/?q=UNESCO")
    change = first_change_link(changelist)
    page = first.get(change)
    data = form_data(page, "organisation_form")
    data["summary"] = ["Seen through the other instance."]
    saved = first.post(change, data)
    assert saved.status == 302, saved.content.decode()[:2000]

    assert "Seen through the other instance." in summary_on(second)
    listed = second.get("/organisations/?q=UNESCO").content.decode()
    assert "Seen through the other instance." in listed
