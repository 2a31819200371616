"""The mail domain's work on the job queue: delivering the outbox, reminders, mailouts."""

from __future__ import annotations

import logging

from huey import crontab
from huey.constants import EmptyData

from ...queue import huey, kicks_wanted, with_app_context

log = logging.getLogger(__name__)

# The services import this module (to ask for delivery after a commit), so a task imports the
# service it runs when it runs.

# Set while a delivery task waits in the queue, so that a busy site enqueues one task
# for many messages, not one per message.
KICK_WAITING = "plenary.outbox-kick-waiting"


@huey.task()
@with_app_context
def deliver_outbox() -> int:
    # Cleared before the claim: whatever was committed before a kick saw this mark
    # is claimed by this run, and whatever comes after enqueues a run of its own.
    huey.storage.pop_data(KICK_WAITING)
    from .delivery import deliver_pending

    return deliver_pending().sent


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_outbox() -> int:
    """Retries and anything a lost task left behind, once a minute."""
    huey.storage.pop_data(KICK_WAITING)  # a mark left by a process killed mid-kick
    from .delivery import deliver_pending

    return deliver_pending().sent


def kick_delivery() -> None:
    """Ask a worker to deliver the outbox now: registered with `database.on_commit()` by
    whatever queues mail, so it runs once the mail is committed."""
    if not kicks_wanted():
        return
    try:
        # A read, where enqueueing is a write: a waiting task will claim our message.
        if huey.storage.peek_data(KICK_WAITING) is EmptyData:
            huey.storage.put_data(KICK_WAITING, b"1")
            deliver_outbox()
    except Exception:  # the queue being down must not fail a registration
        log.exception("could not enqueue outbox delivery; the periodic sweep will send it")


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def send_reminders() -> int:
    """Reminders that fell due: every worker may run this; each reminder still goes once."""
    from .reminders import send_due_reminders

    return send_due_reminders()


@huey.task()
@with_app_context
def write_mailout(mailout_id: int) -> int:
    """Write the emails of a follow-up or an event's notice, batch by batch; run again, it
    goes on from the last batch written (mailouts.py)."""
    from .mailouts import run

    return run(mailout_id)


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def resume_mailouts() -> int:
    """Mailouts that no worker is writing any more (a worker killed, a task lost), resumed."""
    from .mailouts import resume_stalled

    return resume_stalled()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def start_scheduled_mailings() -> int:
    """Messages to an audience whose time has come, started (each once, whichever workers run
    this); and the files uploaded for messages never sent, a day on, deleted."""
    from ...database import utcnow
    from .attachments import forget_unsent_uploads
    from .mailings import start_due

    now = utcnow()
    forget_unsent_uploads(now)
    return start_due(now)
