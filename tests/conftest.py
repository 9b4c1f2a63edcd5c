import pytest
from django.core.management import call_command

from organisations.models import Organisation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the whole directory, loaded once from the committed fixture."""
    with django_db_blocker.unblock():
        call_command("loaddata", "organisations", verbosity=0)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Production settings redirect plain HTTP to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Tests do not run collectstatic, so there is no manifest of hashed names to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def isme(db):
    return Organisation.objects.get(slug="isme")
