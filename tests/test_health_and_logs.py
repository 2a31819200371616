"""Health checks and request ids, as a load balancer and a log reader see them."""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

import pytest

from app.logs import JsonFormatter, RequestIdFilter


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:6379/15"}])
def test_readyz_checks_redis_when_it_carries_the_queue(client):
    response = client.get("/readyz")
    assert response.json["queue"] in ("ok", "unavailable")
    assert response.status_code == 200
    assert response.json["status"] == ("ok" if response.json["queue"] == "ok" else "degraded")


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readyz_names_redis_as_down_but_the_host_still_serves(client):
    # Every host shares the one Redis: taking them all out of rotation would stop the site,
    # while without Redis only mail waits (tests/test_redis_down.py).
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "queue": "unavailable"}


@pytest.mark.parametrize("app_config", [{"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/plenary.db"}])
def test_readyz_is_unavailable_without_the_database(tmp_path, app_config):
    from tests.conftest import make_app

    response = make_app(tmp_path, **app_config).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unavailable"}


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c1b7d"})
    assert kept.headers["X-Request-ID"] == "edge-4f2a9c1b7d"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert len(forged.headers["X-Request-ID"]) == 32 and "<" not in forged.headers["X-Request-ID"]


@contextmanager
def request_log():
    """The JSON lines the request logger writes meanwhile."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("plenary.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_request_log_line_is_json_with_the_request_id(client):
    with request_log() as lines:
        client.get("/events/999999", headers={"X-Request-ID": "trace-0001-abcd"})
    line = lines[-1]
    assert line["request_id"] == "trace-0001-abcd"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/events/999999", 404)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"


@pytest.mark.parametrize("app_config", [{"PROXY_COUNT": 1}])
def test_behind_a_proxy_the_clients_address_is_logged(client):
    with request_log() as lines:
        client.get("/healthz", headers={"X-Forwarded-For": "196.200.1.7", "X-Forwarded-Proto": "https"})
    assert lines[-1]["remote_addr"] == "196.200.1.7"
