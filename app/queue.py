"""The job queue (Huey): an SQLite file in the instance folder by default,
Redis when REDIS_URL is set. The worker runs `huey_consumer app.worker.huey`.

This module holds only the queue. Each domain's tasks live beside its services
(`app/services/<domain>/tasks.py`); they take ids or nothing and do their work
through service functions, so the outbox in the database stays the source of
truth: a lost task costs a delay until the periodic sweep, never a message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey
from redis import ConnectionPool

from config import INSTANCE_DIR

log = logging.getLogger(__name__)


# A Redis host that is down or silent costs a registration's wake-up call this long (seconds), not
# the system's TCP timeout of minutes (redis-py's defaults have changed before: they are stated
# here); reads stay above the consumer's blocking pop of 1 second.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 5}


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        pool = ConnectionPool.from_url(redis_url, **REDIS_TIMEOUTS)
        return RedisHuey("plenary", connection_pool=pool, results=False)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("plenary", filename=str(INSTANCE_DIR / "queue.db"), results=False)


huey = _make_huey()
_app_factory: Callable[[], Flask] | None = None
_worker_app: Flask | None = None


def configure_queue(app: Flask) -> None:
    # In tests the tasks run inline, in the caller's app context.
    if app.testing:
        huey.immediate = True


def run_tasks_in(factory: Callable[[], Flask]) -> None:
    """How the worker builds the app its tasks run in (app/worker.py): the queue itself
    imports nothing above it."""
    global _app_factory
    _app_factory = factory


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        if _app_factory is None:
            raise RuntimeError("a task ran outside the worker: start it with `huey_consumer app.worker.huey`")
        _worker_app = _app_factory()
    return _worker_app


def with_app_context(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _app().app_context():
            return fn(*args, **kwargs)

    return wrapper


def kicks_wanted() -> bool:
    """Whether work after a commit asks a worker at once (OUTBOX_KICK; a benchmark turns it off
    to time the worker alone), rather than leaving it to the periodic sweeps."""
    return current_app.config.get("OUTBOX_KICK", True)
