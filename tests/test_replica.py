"""With DATABASE_REPLICA_URL set, public pages read from the replica; the admin and writes use
the primary. Proved with two SQLite files that hold different data, in a process of its own
(the settings read DATABASE_REPLICA_URL as they load)."""

import subprocess
import sys

from django.conf import settings

SETUP = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from organisations.models import DataVersion, Organisation

setup_test_environment()
for alias in ("default", "replica"):
    call_command("migrate", database=alias, verbosity=0, run_syncdb=True)
    call_command("loaddata", "organisations", database=alias, verbosity=0)
client = Client(HTTP_X_FORWARDED_PROTO="https")


def page():
    return client.get("/organisations/unesco/").content.decode()


def write(alias, summary):
    Organisation.objects.using(alias).filter(slug="unesco").update(summary=summary)
    DataVersion.bump(using=alias)
"""

READS_AND_WRITES = """
write("default", "Primary copy.")
write("replica", "Replica copy.")
print("page:", "Replica copy." in page())
print("write:", Organisation.objects.db_manager("default").get(slug="unesco").summary)
"""

# A write the replica has not replayed yet, then has.
LAGGING = """
write("default", "Written on the primary.")
print("lagging:", "Written on the primary." in page())
write("replica", "Written on the primary.")
print("caught up:", "Written on the primary." in page())
"""


def run(script, tmp_path, cache):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "musicdir.settings",
        "DJANGO_DEBUG": "1",  # plain static storage: no collectstatic needed
        "DJANGO_SECRET_KEY": "replica-test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
        "MUSICDIR_CACHE": "1" if cache else "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SETUP + script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_public_pages_read_from_the_replica_and_writes_go_to_the_primary(tmp_path):
    output = run(READS_AND_WRITES, tmp_path, cache=False)
    assert "page: True" in output
    assert "write: Primary copy." in output


def test_a_page_read_from_a_lagging_replica_is_not_served_once_it_has_caught_up(tmp_path):
    """The page and its data version come from the same database, so a page built while the
    replica lagged is filed under the replica's old version, and never served after it."""
    output = run(LAGGING, tmp_path, cache=True)
    assert "lagging: False" in output  # the replica's copy, as it then was
    assert "caught up: True" in output
