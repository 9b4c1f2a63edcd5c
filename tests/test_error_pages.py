"""The designed error pages with debug on too, unless a developer asks for Django's."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERRORS = False
    return settings


def test_a_missing_page_with_debug_on_is_the_designed_page(client, debug):
    for path in ["/organisations/no-such-organisation/", "/no/such/address/"]:
        response = client.get(path)
        assert response.status_code == 404
        page = response.content.decode()
        assert "Page not found" in page and "DEBUG = True" not in page, path


def test_a_failure_with_debug_on_is_the_designed_page(client, debug, monkeypatch):
    from organisations import views

    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.OrganisationChangesView, "get", fail)
    client.raise_request_exception = False
    response = client.get("/organisations/isme/changes/")
    assert response.status_code == 500
    assert "DEBUG = True" not in response.content.decode()
    assert "a bug" not in response.content.decode()


def test_a_developer_can_ask_for_the_technical_pages(client, debug):
    debug.TECHNICAL_ERRORS = True
    response = client.get("/no/such/address/")
    assert response.status_code == 404
    assert "DEBUG = True" in response.content.decode()


@override_settings(DEBUG=False)
def test_with_debug_off_django_serves_the_designed_pages_itself(client):
    response = client.get("/no/such/address/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
