"""The OpenAPI schema: generated without a warning, valid, served with its
documentation page, and true: schemathesis sends generated requests to every
operation of the served schema, in process, and finds no server error and no
answer that the schema does not describe."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.api.conftest import token_for

pytestmark = pytest.mark.django_db

# generated requests per operation; CI runs the same number
EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_schema_is_generated_without_warnings_and_is_valid(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(out))
    schema = json.loads(out.read_text())
    paths = schema["paths"]
    for resource in ("stations", "residents", "events", "registrations", "topics",
                     "consultations", "opportunities", "shifts", "hours"):
        assert f"/api/v1/{resource}/" in paths
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert "/api/v1/summaries/" in paths and "/api/v1/me/" in paths
    # every operation says what its errors look like
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
    assert set(schema["components"]["securitySchemes"]) == {"bearerToken", "session"}


def test_the_schema_and_its_documentation_are_served(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "International Community Service Stations API"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # the page keeps to the portal's Content-Security-Policy: no inline script
    assert "<script>" not in html.replace(" ", "")
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200


@pytest.fixture
def api_world(station_a, station_b):
    """Rows of two stations, and a manager's token for station A."""
    for station in (station_a, station_b):
        resident = factories.ResidentFactory(station=station)
        event = factories.EventFactory(station=station,
                                       starts_at=timezone.now() + timedelta(days=3))
        factories.RegistrationFactory(event=event, resident=resident)
        factories.ConsultationFactory(station=station, resident=resident)
        shift = factories.ShiftFactory(opportunity__station=station)
        factories.HoursEntryFactory(station=station, volunteer=resident,
                                    opportunity=shift.opportunity)
    factories.TopicFactory()
    user = factories.MembershipFactory(station=station_a, role="manager").user
    return {"Authorization": f"Bearer {token_for(user)}"}


def test_every_operation_answers_as_its_schema_says(api_world):
    """Each operation of the served schema, with generated parameters and
    bodies (valid and invalid), as station A's manager. schemathesis's pytest
    plugin does not run under this pytest, so the operations are walked here,
    each with its own hypothesis run."""
    from hypothesis import given

    tried = []
    with requests_keep_the_test_connection():
        api = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json",
                                             get_wsgi_application())
        walk(api, api_world, tried, given)
    assert len(tried) >= 50, tried


@contextmanager
def requests_keep_the_test_connection():
    """The raw WSGI application closes the database connection after each
    request; the test's data lives in its open transaction (Django's test
    client unhooks the same signal)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def walk(api, headers, tried, given):
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()
        tried.append(operation.label)
