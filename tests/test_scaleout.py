"""Scale-out: two gunicorn instances sharing one PostgreSQL and one Redis serve the same pages,
and an edit made through one is seen at once through the other.

The PostgreSQL is the machine's (a database of its own on it, dropped afterwards); the Redis a
server of the test's own: runs side by side on one machine never share either."""

import socket

import pytest

from devtools.servers import gunicorn, manage, production_env
from tests.admin_forms import first_change_link, form_data
from tests.servers import Browser, ThrowawayRedis, new_postgres_database, redis_available

SERVER = "127.0.0.1"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "scale-out-only"


def reachable(port):
    try:
        socket.create_connection((SERVER, port), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not reachable(5432) or redis_available() is not None,
    reason="needs PostgreSQL on 127.0.0.1:5432 and redis-server",
)


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    directory = tmp_path_factory.mktemp("scaleout")
    redis = ThrowawayRedis(directory / "redis").start()
    try:
        with new_postgres_database(POSTGRES) as database_url:
            env = production_env(
                DATABASE_URL=database_url,
                REDIS_URL=redis.url,
                MUSICDIR_CACHE="1",
                DJANGO_STATIC_ROOT=str(directory / "static"),
                DJANGO_SUPERUSER_USERNAME="editor",
                DJANGO_SUPERUSER_EMAIL="editor@example.org",
                DJANGO_SUPERUSER_PASSWORD=PASSWORD,
            )
            for command in [
                ["migrate"],
                ["loaddata", "organisations"],
                ["createsuperuser", "--noinput"],
                ["collectstatic", "--noinput"],
            ]:
                manage(*command, "--verbosity", "0", env=env)
            with (
                gunicorn(env | {"WEB_CONCURRENCY": "1"}, directory / "a.log") as first,
                gunicorn(env | {"WEB_CONCURRENCY": "1"}, directory / "b.log") as second,
            ):
                # Both behind one load balancer: the same public host name.
                yield [Browser(base, host="localhost") for base in (first, second)]
    finally:
        redis.cleanup()


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
