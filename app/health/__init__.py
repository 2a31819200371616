"""Health checks for load balancers and orchestrators: /healthz (alive) and /readyz (can serve).

Without the database nothing can be served: /readyz answers 503. Without Redis the site still
serves (mail waits in the outbox for the queue, rate limits are counted in each process), so
/readyz names what is down but answers 200, "degraded": taking every host out of rotation
because the one Redis they share is gone would take the whole site down with it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from ..extensions import csrf, db, limiter
from ..rate_limits import on_redis

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    """The process is up and answering; nothing else is checked."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """The database answers and, where Redis carries the queue or the rate limits, so does Redis."""
    checks = {"database": _check(_database)}
    if current_app.config.get("REDIS_URL"):
        checks["queue"] = _check(_queue)
    if on_redis(current_app.config.get("RATELIMIT_STORAGE_URI")):
        checks["rate_limits"] = _check(_rate_limits)
    if checks["database"] != "ok":
        return jsonify(status="unavailable", **checks), 503
    degraded = any(result != "ok" for result in checks.values())
    return jsonify(status="degraded" if degraded else "ok", **checks), 200


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


def _rate_limits() -> None:
    if not limiter.storage.check():  # a ping, within the storage's own timeouts
        raise ConnectionError("the rate limits' storage does not answer")


csrf.exempt(bp)
