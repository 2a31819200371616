"""Delivering webhooks on the job queue."""

from __future__ import annotations

import logging

from huey import crontab

from ...queue import huey, kicks_wanted, with_app_context

log = logging.getLogger(__name__)

# webhooks.py imports this module (to ask for delivery after a commit), so a task imports the
# service it runs when it runs.


@huey.task()
@with_app_context
def deliver_webhooks() -> int:
    from .webhooks import deliver_due

    return deliver_due()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_webhooks() -> int:
    """Retries that fell due, and anything a lost task left behind, once a minute."""
    from .webhooks import deliver_due

    return deliver_due()


def kick_webhooks() -> None:
    """Ask a worker to deliver the webhooks now; the mail outbox's `kick_delivery` counterpart."""
    if not kicks_wanted():
        return
    try:
        deliver_webhooks()
    except Exception:  # the queue being down must not fail what fired the webhook
        log.exception("could not enqueue webhook delivery; the periodic sweep will send it")
