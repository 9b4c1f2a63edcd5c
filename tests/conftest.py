import pytest
from django.core.management import call_command

from organisations.models import Organisation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the whole directory, loaded once from the committed fixture."""
    with django_db_blocker.unblock():
        call_command("loaddata", "organisations", verbosity=0)


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Production settings redirect plain HTTP to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def isme(db):
    return Organisation.objects.get(slug="isme")
