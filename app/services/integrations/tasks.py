"""The platforms' work on the job queue: registrants kept in step, reports fetched."""

from __future__ import annotations

from huey import crontab

from ...queue import huey, with_app_context


@huey.task(retries=3, retry_delay=60)
@with_app_context
def sync_registrants(event_id: int) -> int:
    """Bring Zoom's registrants of the event in step; another run while more is left."""
    from .registrants import sync_event

    progress = sync_event(event_id)
    if progress.more:
        sync_registrants(event_id)
    return progress.added + progress.cancelled


@huey.task(retries=3, retry_delay=60)
@with_app_context
def update_zoom_meeting(event_id: int) -> bool:
    """Give the event's Zoom webinar its new title and times (the event was moved or renamed).
    A failure is shown on the event's page; one the platform may get over is tried again."""
    import logging

    from ...extensions import db
    from ...models import Event
    from .meetings import MeetingError, update_on_zoom

    event = db.session.get(Event, event_id)
    if event is None or event.is_past():
        return False
    try:
        update_on_zoom(event, by=None)
    except MeetingError as error:
        if error.status == 502:  # rate-limited or failing: huey tries again
            raise
        logging.getLogger(__name__).info("Zoom meeting of event %s not updated: %s", event_id, error)
        return False
    return True


@huey.periodic_task(crontab(minute="*/5"))
@with_app_context
def sweep_registrants() -> int:
    """Every linked upcoming event, every five minutes: retries that fell due, and whatever a
    lost task or a bulk change left."""
    from .registrants import events_to_sync, sync_event

    return sum(sync_event(event_id).added for event_id in events_to_sync())


@huey.periodic_task(crontab(minute="7"))
@with_app_context
def fetch_reports() -> int:
    """Every hour: the participant reports of events that ended, fetched into import previews."""
    import logging

    from ...extensions import db
    from ...models import Event
    from ..attendance.attendance import AttendanceError
    from ..attendance.participant_reports import ReportError
    from .attendance_fetch import due_for_fetching, fetch_report
    from .meetings import MeetingError

    fetched = 0
    for event_id in due_for_fetching():
        try:
            fetch_report(db.session.get_one(Event, event_id), by=None)
            fetched += 1
        except (
            MeetingError,
            AttendanceError,
            ReportError,
        ) as error:  # shown on the event's page; tried next hour
            logging.getLogger(__name__).info("report of event %s not fetched: %s", event_id, error)
    return fetched
