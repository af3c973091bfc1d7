import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from factories import household, region_tree, user
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fupin.accounts.auth import issue_token

# Django's own WSGI handler, not fupin.wsgi: that one also recovers interrupted imports, which needs the
# database before pytest-django has set it up.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_connection():
    """What Django's test client does: the request signals must not close the test's connection (and with
    it the test's transaction) when a request ends."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, monkeypatch, keep_connection):
    monkeypatch.setattr("fupin.registry.jobs.start_import", lambda batch_id: None)
    tree = region_tree()
    for v in (tree.village_a, tree.village_a2, tree.village_b):
        household(v)
    admin = user("system_admin", None)
    return issue_token(admin, "fuzz")


@schema.parametrize()
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error, response_schema_conformance]
    )
