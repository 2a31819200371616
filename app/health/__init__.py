"""Health checks for load balancers and orchestrators: /healthz (alive) and /readyz (can serve)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from ..extensions import csrf, db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    """The process is up and answering; nothing else is checked."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """The database answers and, when Redis carries the queue, so does Redis."""
    checks = {"database": _check(_database)}
    if current_app.config.get("REDIS_URL"):
        checks["queue"] = _check(_queue)
    ready = all(result == "ok" for result in checks.values())
    return jsonify(status="ok" if ready else "unavailable", **checks), 200 if ready else 503


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # any failure means "not ready"; the reason goes to the log
        log.warning("readiness check %s failed: %s", probe.__name__, error)
        return "unavailable"
    return "ok"


def _database() -> None:
    with db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _queue() -> None:
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


csrf.exempt(bp)
