"""The pages of a failed request, in both languages (stations/errors.py).

A database that cannot be reached is a 503 with Retry-After, not a 500; the
page renders without the database. The full path, PostgreSQL really stopped
under gunicorn, is scripts/faults.py postgres (tests/test_faults.py)."""

import json

import pytest
from django.db import DatabaseError, connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import RequestFactory
from django.utils import translation

from stations.errors import RETRY_AFTER_SECONDS, database_unavailable, server_error
from tests.reminders.support import free_port

pytestmark = pytest.mark.django_db


def failing_connection() -> DatabaseWrapper:
    """A connection to a port where no PostgreSQL listens."""
    settings = dict(connection.settings_dict, HOST="127.0.0.1", PORT=str(free_port()))
    return DatabaseWrapper(settings, alias="unreachable")


def answer_while_unreachable(path: str, language: str):
    """server_error's answer inside the `except` of a real failed connect, as
    Django calls it."""
    request = RequestFactory().get(path)
    with translation.override(language):
        try:
            failing_connection().ensure_connection()
        except Exception as exc:  # noqa: BLE001 - the point is to be inside the except
            assert database_unavailable(exc), repr(exc)
            return server_error(request)
    raise AssertionError("connecting to a closed port succeeded")


@pytest.mark.parametrize(
    ("language", "path", "text"),
    [
        ("en", "/en/events/", "Briefly unavailable"),
        ("zh-hans", "/zh-hans/events/", "暂时无法访问"),
    ],
)
def test_an_unreachable_database_is_503_in_the_address_language(language, path, text):
    response = answer_while_unreachable(path, language)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.content.decode()
    assert text in body
    assert f'<html lang="{language}">' in body


def test_the_api_answers_503_in_its_error_shape():
    response = answer_while_unreachable("/api/v1/events/", "zh-hans")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["errors"] == {}
    assert "暂时" in body["detail"]


def test_other_errors_stay_500_without_retry_after():
    request = RequestFactory().get("/en/events/")
    with translation.override("en"):
        try:
            raise ValueError("a fault of the code")
        except ValueError:
            response = server_error(request)
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong" in response.content.decode()
    assert not database_unavailable(DatabaseError("an integrity problem"))


@pytest.mark.parametrize(
    ("path", "text"),
    [("/en/no-such-page/", "Page not found"), ("/zh-hans/no-such-page/", "页面不存在")],
)
def test_not_found_speaks_the_address_language(client, path, text):
    response = client.get(path)
    assert response.status_code == 404
    assert text in response.content.decode()


def test_the_handler_is_the_project_s():
    from config import urls

    assert urls.handler500 == "stations.errors.server_error"
    assert urls.handler400 == "stations.errors.bad_request"


def test_not_found_links_the_other_language_and_names_no_address(client):
    first = client.get("/en/events/987654321/")
    second = client.get("/en/events/123456789/")
    assert first.status_code == second.status_code == 404
    body = first.content.decode()
    assert 'href="/zh-hans/" hreflang="zh-hans"' in body
    assert "987654321" not in body
    assert first.content == second.content


def test_a_session_lost_with_the_database_is_503_not_a_bad_request():
    """Django's database sessions turn a failed save into SessionInterrupted
    (a 400); raised from a real failed connection, it is the 503."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.core.exceptions import BadRequest

    from stations.errors import bad_request

    request = RequestFactory().get("/en/my/")
    try:
        try:
            try:
                failing_connection().ensure_connection()
            except DatabaseError:
                raise UpdateError  # noqa: B904 - chained implicitly, as the session backend does
        except UpdateError:
            raise SessionInterrupted("session lost")  # noqa: B904 - as SessionMiddleware does
    except BadRequest as exc:
        with translation.override("en"):
            response = bad_request(request, exc)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Briefly unavailable" in response.content.decode()


@pytest.mark.parametrize(("path", "text"), [("/en/my/", "Bad request"),
                                            ("/api/v1/events/", "could not be understood")])
def test_other_bad_requests_stay_400(path, text):
    from django.core.exceptions import SuspiciousOperation

    from stations.errors import bad_request

    with translation.override("en"):
        response = bad_request(RequestFactory().get(path), SuspiciousOperation("odd"))
    assert response.status_code == 400
    assert text in response.content.decode()
