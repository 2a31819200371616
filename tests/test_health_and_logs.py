"""Health checks and request ids, as a load balancer and a log reader see them."""

from __future__ import annotations

import io
import json
import logging

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
    assert response.status_code == (200 if response.json["queue"] == "ok" else 503)


@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_readyz_is_unavailable_when_redis_is_not_there(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "queue": "unavailable"}


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-4f2a9c1b7d"})
    assert kept.headers["X-Request-ID"] == "edge-4f2a9c1b7d"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert len(forged.headers["X-Request-ID"]) == 32 and "<" not in forged.headers["X-Request-ID"]


def test_request_log_line_is_json_with_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("plenary.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/events/999999", headers={"X-Request-ID": "trace-0001-abcd"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "trace-0001-abcd"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/events/999999", 404)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"
