"""Two editors saving the same organisation at the same moment, through a real server.

gunicorn with two workers, on a database of its own of the kind the tests run on (on SQLite a
file, as in production: write-ahead logging needs one). Both editors open the organisation's
form, then both press Save at once, round after round: one save goes through, the other gets
the conflict message with their form back (organisations/locking.py), and never a server
error such as SQLite's "database is locked".
"""

import threading

import pytest

from devtools import servers
from tests.admin_forms import first_change_link, form_data
from tests.servers import Browser, throwaway_database

PASSWORD = "a-long-test-passphrase"
ROUNDS = 8
CONFLICT = "Someone else saved changes to Alliance for a Musically Inclusive England"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("concurrent-editing")
    with throwaway_database(directory) as database_url:
        env = servers.production_env(
            DATABASE_URL=database_url,
            DJANGO_STATIC_ROOT=str(directory / "static"),
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        servers.prepare(env)
        for name in ("alice", "bob"):
            email = f"{name}@example.org"
            servers.manage(
                "createsuperuser", "--noinput", "--username", name, "--email", email, env=env
            )
        with servers.gunicorn(env, directory / "gunicorn.log") as base:
            yield base


def save(start, browser, path, data, name, responses):
    """Press Save once `start` lets every editor go."""
    start.wait()
    responses[name] = browser.post(path, data)


def test_simultaneous_saves_give_one_save_and_one_conflict_message_never_an_error(site):
    editors = {name: Browser(site) for name in ("alice", "bob")}
    for name, browser in editors.items():
        browser.log_in(name, PASSWORD)
    changelist = editors["alice"].get("/admin/organisations/organisation/?q=AMIE")
    change = first_change_link(changelist)

    for round_ in range(ROUNDS):
        forms = {}
        for name, browser in editors.items():
            forms[name] = form_data(browser.get(change), "organisation_form")
            forms[name]["summary"] = [f"Saved by {name} in round {round_}."]
        start = threading.Barrier(len(editors))
        responses = {}
        threads = [
            threading.Thread(
                target=save, args=(start, editors[name], change, forms[name], name, responses)
            )
            for name in editors
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        statuses = {name: response.status for name, response in responses.items()}
        assert sorted(statuses.values()) == [200, 302], (round_, statuses)
        (winner,) = [name for name, status in statuses.items() if status == 302]
        (loser,) = [name for name, status in statuses.items() if status == 200]
        refused = responses[loser].content.decode()
        assert CONFLICT in refused
        assert f"Saved by {loser} in round {round_}." in refused  # what they typed, kept
        public = editors[winner].get("/organisations/amie/").content.decode()
        assert f"Saved by {winner} in round {round_}." in public
