"""The summaries' figures, kept up to date by the job queue."""

from __future__ import annotations

from huey import crontab

from ...queue import huey, with_app_context
from . import summaries


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def count_changed_people() -> int:
    """The people of the meetings changed since the last minute, counted for the summaries."""
    return summaries.store_changed_people()
