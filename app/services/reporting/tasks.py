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


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def count_published_by_upgrade() -> int:
    """The figures the migration published without counting them, counted and stored."""
    return summaries.count_figures_published_by_upgrade()
