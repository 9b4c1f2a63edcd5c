"""With DATABASE_REPLICA_URL set, public pages read from the replica; the admin and writes use
the primary. Proved with two SQLite files that hold different data."""

import subprocess
import sys

from django.conf import settings

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import setup_test_environment
from organisations.models import Organisation

setup_test_environment()
for alias, summary in [("default", "Primary copy."), ("replica", "Replica copy.")]:
    call_command("migrate", database=alias, verbosity=0, run_syncdb=True)
    call_command("loaddata", "organisations", database=alias, verbosity=0)
    Organisation.objects.using(alias).filter(slug="unesco").update(summary=summary)
client = Client(HTTP_X_FORWARDED_PROTO="https")
print("page:", "Replica copy." in client.get("/organisations/unesco/").content.decode())
print("write:", Organisation.objects.db_manager("default").get(slug="unesco").summary)
"""


def test_public_pages_read_from_the_replica_and_writes_go_to_the_primary(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "musicdir.settings",
        "DJANGO_DEBUG": "1",  # plain static storage: no collectstatic needed
        "DJANGO_SECRET_KEY": "replica-test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
        "MUSICDIR_CACHE": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "page: True" in result.stdout
    assert "write: Primary copy." in result.stdout
