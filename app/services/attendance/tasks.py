"""Writing a confirmed participant report's attendance on the job queue."""

from __future__ import annotations

from ...queue import huey, with_app_context
from . import attendance


@huey.task()
@with_app_context
def import_attendance(import_id: int) -> int:
    """Write the attendance of a confirmed participant report, batch by batch; run again, it
    resumes after the last batch written."""
    return attendance.run_import(import_id)
