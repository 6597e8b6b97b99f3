"""Readiness at `/healthz`: the database and the broker, 503 when one is down."""

import shutil

import pytest

from config.celery import app
from tests.reminders.support import RedisServer, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    saved = app.conf.broker_url, app.conf.broker_transport_options

    def use(url: str) -> None:
        app.conf.broker_url = url
        app.conf.broker_transport_options = {"socket_connect_timeout": 1}

    yield use
    app.conf.broker_url, app.conf.broker_transport_options = saved


def test_healthy_answers_200_with_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_broker_that_does_not_answer_is_503(client, broker):
    broker(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


def test_a_real_redis_is_healthy(client, broker, tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path).start()
    try:
        broker(server.url)
        assert client.get("/healthz").json()["broker"] == "ok"
        server.stop()
        assert client.get("/healthz").status_code == 503
    finally:
        server.stop()
