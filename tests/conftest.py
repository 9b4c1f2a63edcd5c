import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from organisations.models import Organisation
from tests import factories

# Property-based tests (tests/test_hostile_input.py): a bounded number of examples by default,
# many more with HYPOTHESIS_PROFILE=thorough. Requests take as long as they take (no deadline);
# the examples share a test's database, which they only read.
hypothesis_settings.register_profile(
    "musicdir",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "thorough", parent=hypothesis_settings.get_profile("musicdir"), max_examples=1000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "musicdir"))


# Published reference data the tests check against: ../shared/reference beside the project,
# which CI has; not copied into the project.
SHARED_REFERENCE = Path(django_settings.BASE_DIR).parent / "shared" / "reference"


def shared_reference(name):
    """The path of `name` in ../shared/reference. If it is missing, the test skips, saying
    why; with MUSICDIR_REQUIRE_SHARED=1 (as CI sets) it fails instead."""
    path = SHARED_REFERENCE / name
    if not path.exists():
        if os.environ.get("MUSICDIR_REQUIRE_SHARED") == "1":
            pytest.fail(f"{path} is missing: CI has ../shared beside the project")
        pytest.skip(f"the published reference data is not at {path}")
    return path


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the whole directory, loaded once from the committed fixture."""
    with django_db_blocker.unblock():
        call_command("loaddata", "organisations", verbosity=0)


# Where the tests' settings differ from production's (debug off), all in one place: for every
# test (`_test_settings`), and for the browser tests' server as it starts (tests/browser/).
TEST_SETTINGS = {
    # Production settings redirect plain HTTP to HTTPS; the test client speaks plain HTTP.
    "SECURE_SSL_REDIRECT": False,
    # Tests do not run collectstatic, so there is no manifest of hashed names to look up.
    "STORAGES": {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    # Tests write with the ORM, which does not bump the data version, and read the response's
    # context: the page cache, the memo and the list's index kept in memory are off unless a
    # test turns them on (tests/test_cache.py).
    "PAGE_CACHE": False,
    "MEMO": False,
    "KEEP_INDEX": False,
    # Tests make many accounts and log them in: passwords hashed quickly (production's hasher
    # is slow on purpose).
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture
def isme(db):
    return Organisation.objects.get(slug="isme")


@pytest.fixture
def editor(db):
    """Alice, an editor (tests/factories.py)."""
    return factories.editor("alice")


@pytest.fixture
def editor_client(client, editor):
    """The test client, logged in as Alice, an editor."""
    client.force_login(editor)
    return client


class Terminal(StringIO):
    """What a command writes, as if to a terminal (where long commands show their progress)."""

    def isatty(self):
        return True


@pytest.fixture
def terminal():
    """Terminal, to make a command's stdout with: `call_command(..., stdout=terminal())`."""
    return Terminal
