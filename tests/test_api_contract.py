"""Contract tests: every endpoint of the API, called on a live server with requests that
schemathesis generates from the OpenAPI description (`/api/v1/openapi.json`), answers as the
description says (status codes, content types, bodies of the documented shape) and never
with a 500. A bounded number of examples per endpoint (CONTRACT_EXAMPLES; more with
HYPOTHESIS_PROFILE=thorough, as the other property-based tests).

The server is the browser tests' (tests/browser/conftest.py, `site_url`): a thread over the
test database, which these tests only read."""

import pytest
from hypothesis import settings

from tests.browser.conftest import site_url  # noqa: F401 (a fixture)

schemathesis = pytest.importorskip("schemathesis", reason="pip install -e '.[dev]'")
checks = pytest.importorskip("schemathesis.checks")

pytestmark = pytest.mark.django_db

CONTRACT_EXAMPLES = 25

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def api_schema(site_url, db, settings):  # noqa: F811
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    return schemathesis.openapi.from_url(f"{site_url}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=CONTRACT_EXAMPLES)
def test_every_endpoint_answers_as_its_description_says(case):
    case.call_and_validate(checks=CHECKS)
