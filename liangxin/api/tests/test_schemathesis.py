"""The OpenAPI document against the API's answers (schemathesis): for every operation, requests
made from the document — valid ones, and invalid ones — answered without a server error, with a
status code, content type and body that the document declares.

Bounded and repeatable: ``LIANGXIN_API_FUZZ_EXAMPLES`` examples per operation and mode (default
8), derandomized, no example database. A deeper run:
``LIANGXIN_API_FUZZ_EXAMPLES=200 make pytest PYTEST_ARGS=liangxin/api/tests/test_schemathesis.py``.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liangxin.testing.api import bearer

EXAMPLES = int(os.environ.get("LIANGXIN_API_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The site as a WSGI application, without Django's closing of old database connections at
    each request (as the test client does): that would close the test's connection, inside its
    transaction, on PostgreSQL."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def register(org_in_a, org_in_b, member_a, member_b, campaign_submission_b, formation_plan_b):
    """Something of every kind for the operations to find."""


@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_keeps_to_the_document(alice, mode, settings, wsgi_app):
    settings.API_RATE_LIMIT = 10**9  # the limit has its own test
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    headers = {"Authorization": bearer(alice)["HTTP_AUTHORIZATION"]}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
