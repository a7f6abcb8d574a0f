"""Schemathesis over our own schema, in-process through the WSGI app, as an owner's API key.

Every operation gets a bounded, derandomized set of generated requests (10 examples, no shrinking: the file
runs in under a minute on two processes). Checks: never a server error, and the answer matches the schema
(content type, body; not the status code, as the schema documents successes only). Path ids point at real
rows of the caller's account (seeded per test) so that bodies reach the services; ids hypothesis draws
outside the range a row can have are kept as drawn, so huge and negative ids are tried too.

Not generated: multipart uploads (POST /projects/{id}/photos/) need a real image file, which the schema
cannot describe; tests/photos covers them. Schemathesis still sends its form there, which must not be a 500.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.factories import AccountFactory

from .conftest import fill_path, make_tenant, resources_of

# status_code_conformance is left out: the schema documents successes and 400/401/403/404 (in the Error
# shape, which response_schema_conformance checks), not every 405/409/415/429/503 an operation may give.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@contextmanager
def _connections_kept():
    """Keep the test's connection across requests, as Django's test client does: the WSGI handler closes
    it at the end of each request otherwise, losing the test transaction (and an in-memory SQLite)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _load_schema():
    # At collection, so each operation is its own test item. Reading /api/schema/ needs no database.
    with _connections_kept():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = _load_schema()


@pytest.fixture
def tenant(db):
    with _connections_kept():
        yield _tenant()


def _tenant():
    return make_tenant(AccountFactory(), "FUZZ-" + uuid.uuid4().hex[:6])


def _real_ids(case, tenant) -> None:
    """Point path ids at the tenant's rows, unless hypothesis drew an id no row can have."""
    if not case.path_parameters:
        return
    resources = dict(resources_of(case.operation.path))
    for name, value in list(case.path_parameters.items()):
        if isinstance(value, int) and 0 < value < 2**31 and name in resources:
            case.path_parameters[name] = tenant.ids[resources[name]]
    # fill_path raises for a resource the fixtures do not know: the tenancy walk names it.
    fill_path(case.operation.path, tenant.ids)


@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: a failure is reported as found, which keeps the file's time bounded in CI.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_fails(case, tenant):
    _real_ids(case, tenant)
    case.call_and_validate(headers={"Authorization": f"Api-Key {tenant.api_key}"}, checks=CHECKS)
