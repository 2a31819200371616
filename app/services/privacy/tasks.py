"""Retention, applied by the job queue."""

from __future__ import annotations

from huey import crontab

from ...queue import huey, with_app_context
from . import personal_data


@huey.periodic_task(crontab(minute="17", hour="3"))
@with_app_context
def apply_retention() -> int:
    """Daily: anonymise the registrations past their series' retention period (idempotent)."""
    return personal_data.anonymise_registrations_older_than()
