"""The registration domain's periodic work on the job queue."""

from __future__ import annotations

from huey import crontab

from ...queue import huey, with_app_context

# The waiting list moved into new seats and the actions on many registrations are mailouts,
# run by the mail domain's task; importing them registers how they are done (audience.py).
from . import audience, form_stamps  # noqa: F401


@huey.periodic_task(crontab(minute="41"))
@with_app_context
def forget_spent_form_stamps() -> int:
    """Hourly: the spent stamps of the public forms that have expired anyway."""
    return form_stamps.forget_expired()
