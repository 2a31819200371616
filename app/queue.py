"""The job queue (Huey): an SQLite file in the instance folder by default,
Redis when REDIS_URL is set. Run a worker with

    huey_consumer app.queue.huey

Tasks only take ids or nothing, and do their work through service functions,
so the outbox in the database stays the source of truth: a lost task costs a
delay until the periodic sweep, never a message.
"""

from __future__ import annotations

import logging
import os
from functools import wraps

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.constants import EmptyData
from redis import ConnectionPool

from . import INSTANCE_DIR

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
_worker_app: Flask | None = None


def configure_queue(app: Flask) -> None:
    # In tests the tasks run inline, in the caller's app context.
    if app.testing:
        huey.immediate = True


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    return _worker_app


def with_app_context(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with _app().app_context():
            return fn(*args, **kwargs)

    return wrapper


# Set while a delivery task waits in the queue, so that a busy site enqueues one task
# for many messages, not one per message.
KICK_WAITING = "plenary.outbox-kick-waiting"


@huey.task()
@with_app_context
def deliver_outbox() -> int:
    # Cleared before the claim: whatever was committed before a kick saw this mark
    # is claimed by this run, and whatever comes after enqueues a run of its own.
    huey.storage.pop_data(KICK_WAITING)
    from .services.delivery import deliver_pending

    return deliver_pending().sent


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_outbox() -> int:
    """Retries and anything a lost task left behind, once a minute."""
    huey.storage.pop_data(KICK_WAITING)  # a mark left by a process killed mid-kick
    from .services.delivery import deliver_pending

    return deliver_pending().sent


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def send_reminders() -> int:
    """Reminders that fell due: every worker may run this; each reminder still goes once."""
    from .services.reminders import send_due_reminders

    return send_due_reminders()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def count_changed_people() -> int:
    """The people of the meetings changed since the last minute, counted for the summaries."""
    from .services.summaries import store_changed_people

    return store_changed_people()


@huey.periodic_task(crontab(minute="17", hour="3"))
@with_app_context
def apply_retention() -> int:
    """Daily: anonymise the registrations past their series' retention period (idempotent)."""
    from .services.personal_data import anonymise_registrations_older_than

    return anonymise_registrations_older_than()


def kick_delivery() -> None:
    """Ask a worker to deliver the outbox now: registered with `database.on_commit()` by
    whatever queues mail, so it runs once the mail is committed."""
    if not _kicks_wanted():
        return
    try:
        # A read, where enqueueing is a write: a waiting task will claim our message.
        if huey.storage.peek_data(KICK_WAITING) is EmptyData:
            huey.storage.put_data(KICK_WAITING, b"1")
            deliver_outbox()
    except Exception:  # the queue being down must not fail a registration
        log.exception("could not enqueue outbox delivery; the periodic sweep will send it")


def kick_webhooks() -> None:
    """Ask a worker to deliver the webhooks now; `kick_delivery`'s counterpart."""
    if not _kicks_wanted():
        return
    try:
        deliver_webhooks()
    except Exception:
        log.exception("could not enqueue webhook delivery; the periodic sweep will send it")


def _kicks_wanted() -> bool:
    return current_app.config.get("OUTBOX_KICK", True)


@huey.periodic_task(crontab(minute="41"))
@with_app_context
def forget_spent_form_stamps() -> int:
    """Hourly: the spent stamps of the public forms that have expired anyway."""
    from .services.form_stamps import forget_expired

    return forget_expired()


@huey.task()
@with_app_context
def deliver_webhooks() -> int:
    from .services.webhooks import deliver_due

    return deliver_due()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_webhooks() -> int:
    """Retries that fell due, and anything a lost task left behind, once a minute."""
    from .services.webhooks import deliver_due

    return deliver_due()


@huey.task()
@with_app_context
def import_attendance(import_id: int) -> int:
    """Write the attendance of a confirmed participant report, batch by batch; run again, it
    resumes after the last batch written."""
    from .services.attendance import run_import

    return run_import(import_id)


@huey.task()
@with_app_context
def write_mailout(mailout_id: int) -> int:
    """Write the emails of a follow-up or an event's notice, batch by batch; run again, it
    goes on from the last batch written (services/mailouts.py)."""
    from .services.mailouts import run

    return run(mailout_id)


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def resume_mailouts() -> int:
    """Mailouts that no worker is writing any more (a worker killed, a task lost), resumed."""
    from .services.mailouts import resume_stalled

    return resume_stalled()
