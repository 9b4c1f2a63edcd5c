"""Liveness and readiness (musicdir/health.py). Outages of real servers under a running
gunicorn, and recovery from them, are in tests/test_chaos.py."""

import pytest
from django.db import OperationalError, connections

from musicdir import health
from tests.reading import get_counting

HEALTHZ = "/healthz"
READYZ = "/readyz"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "queries"),
    [(HEALTHZ, 0), (READYZ, 1)],
    ids=["liveness-without-touching-the-database", "readiness-querying-it"],
)
def test_a_probe_answers_ok_never_to_be_cached(client, path, queries):
    response, count = get_counting(client, path)
    assert count == queries
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_is_503_while_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get(READYZ)
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
    # Liveness does not depend on the database: the process is not restarted for an outage.
    assert client.get(HEALTHZ).status_code == 200


@pytest.mark.django_db
def test_readiness_checks_the_read_replica_too(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(
        health, "connections", {"default": connections["default"], "replica": Down()}
    )
    response = client.get(READYZ)
    assert response.status_code == 503
    assert response.content == b"database 'replica' unavailable\n"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [HEALTHZ, READYZ])
def test_probes_are_answered_whatever_the_host_or_scheme(client, settings, path):
    # A probe asks for the container's address over plain HTTP, behind the proxy.
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_other_paths_still_check_the_host(client):
    assert client.get("/healthz/", HTTP_HOST="10.1.2.3:8000").status_code == 400
