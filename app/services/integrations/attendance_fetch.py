"""A meeting's participant report fetched from the platform, and made into the same import
preview as an uploaded file: the attendance domain reads it (participant_reports), matches it
and keeps it for the organiser to check, decide and confirm, exactly as an upload.

The platform's rows are written as a CSV with the columns of that platform's export (those by
which the report reader recognises Zoom's, Teams' or Webex's), their times in UTC with the
offset as the APIs give them, so nothing of the reading differs.
Fetching again replaces the earlier fetch: a preview not yet confirmed is discarded, an import
confirmed is replaced once the new one is (attendance.start_import's `replaces`). The same rows
fetched again change nothing: the organiser's choices in the preview are kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import Account, AttendanceImport, Event, ImportStatus, MeetingLink, MeetingState, Platform
from ..attendance import attendance
from .meetings import MeetingError, graph_client, link_of, platform_answers, webex_client, zoom_client

# The header of Zoom's participant export ("Name (original name)" makes it Zoom's to the reader).
HEADER = (
    "Name (original name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "In Waiting Room",
)
WAITING = "in_waiting_room"
# The first fetch this long after the end (Zoom's report is there within minutes, complete after
# some hours), again a day after the end, and none for events ended longer ago than that.
FIRST_FETCH = timedelta(minutes=30)
SECOND_FETCH = timedelta(hours=24)
FETCHED_UNTIL = timedelta(days=30)


@dataclass
class Fetched:
    imported: AttendanceImport
    data: bytes
    filename: str
    changed: bool  # False: the same rows as the last fetch, whose preview is kept


def zoom_csv(participants: list[dict]) -> bytes:
    """Zoom's report rows as the CSV of its export, one row per join."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in participants:
        seconds = int(row.get("duration") or 0)
        writer.writerow(
            (
                row.get("name") or "",
                row.get("user_email") or "",
                row.get("join_time") or "",
                row.get("leave_time") or "",
                (seconds + 30) // 60,
                "Yes" if row.get("status") == WAITING else "No",
            )
        )
    return out.getvalue().encode("utf-8")


# Teams' records written with a column only Teams' reports have: the reader takes them for Teams'.
TEAMS_HEADER = ("Name", "Email", "Participant ID (UPN)", "Join Time", "Leave Time", "Role")


def teams_csv(records: list[dict]) -> bytes:
    """Graph's attendance records as a CSV, one row per interval between joining and leaving."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEAMS_HEADER)
    for record in records:
        identity = record.get("identity")
        if not isinstance(identity, dict):
            identity = {}
        name = identity.get("displayName") or record.get("emailAddress") or ""
        for interval in record.get("attendanceIntervals") or [{}]:
            writer.writerow(
                (
                    name,
                    record.get("emailAddress") or "",
                    "",
                    interval.get("joinDateTime") or "",
                    interval.get("leaveDateTime") or "",
                    record.get("role") or "",
                )
            )
    return out.getvalue().encode("utf-8")


# Webex's columns: "Invited" and "Registered" make the reader take the file for Webex's.
WEBEX_HEADER = ("Name", "Email", "Join Time", "Leave Time", "Invited", "Registered")


def webex_csv(participants: list[dict]) -> bytes:
    """Webex's participants as a CSV, one row per device's stay (or the person's, without devices)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(WEBEX_HEADER)
    for person in participants:
        stays = person.get("devices") or [person]
        for stay in stays:
            writer.writerow(
                (
                    person.get("displayName") or person.get("email") or "",
                    person.get("email") or "",
                    stay.get("joinedTime") or "",
                    stay.get("leftTime") or "",
                    "",
                    "",
                )
            )
    return out.getvalue().encode("utf-8")


def _report_file(meeting: MeetingLink) -> tuple[bytes, str]:
    """The platform's report as a file the attendance reader recognises, and its name."""
    number = meeting.meeting_id
    if meeting.platform == Platform.ZOOM:
        zoom, name = zoom_client(), f"zoom-{number}-participants.csv"
        with platform_answers(meeting.id):
            return zoom_csv(zoom.participants(meeting.meeting_kind or "webinar", number)), name
    if meeting.platform == Platform.TEAMS:
        graph, name = graph_client(), "teams-attendance-report.csv"
        with platform_answers(meeting.id):
            return teams_csv(graph.attendance_records(meeting.organizer_id, number)), name
    webex, name = webex_client(), f"webex-{number}-participants.csv"
    with platform_answers(meeting.id):
        return webex_csv(webex.participants(number)), name


def fetch_report(event: Event, *, by: Account | None) -> Fetched:
    """Fetch the event's participant report now and keep it as an import preview.
    Raises MeetingError (no meeting, the platform's refusal) or attendance.AttendanceError."""
    meeting = link_of(event)
    if meeting is None:
        raise MeetingError(_l("No meeting is linked to this event."), 404, "not-found")
    attendance.check_importable(event)
    data, filename = _report_file(meeting)
    earlier = (
        db.session.get(AttendanceImport, meeting.fetched_import_id) if meeting.fetched_import_id else None
    )
    if earlier is not None and earlier.file_sha256 == hashlib.sha256(data).hexdigest():
        _fetched(meeting.id, earlier.id)
        return Fetched(earlier, data, filename, changed=False)
    if earlier is not None and earlier.status == ImportStatus.PREVIEW:
        attendance.discard_import(earlier, by=by)
    replaces = earlier if earlier is not None and earlier.status == ImportStatus.DONE else None
    imported = attendance.start_import(event, filename, data, by=by, replaces=replaces)
    _fetched(meeting.id, imported.id)
    return Fetched(imported, data, filename, changed=True)


def _fetched(meeting_id: int, import_id: int) -> None:
    with write_transaction() as session:
        meeting = session.get(MeetingLink, meeting_id)
        if meeting is not None:
            meeting.fetched_dt, meeting.fetched_import_id = utcnow(), import_id
            meeting.state, meeting.last_error = MeetingState.LINKED, ""


def due_for_fetching(now: datetime | None = None) -> list[int]:
    """Events whose report the worker fetches now: ended a while ago and never fetched, or
    fetched before their report was complete (a day after the end)."""
    now = now or utcnow()
    candidates = db.session.execute(
        sa.select(Event.id, Event.end_dt, MeetingLink.fetched_dt)
        .join(MeetingLink, MeetingLink.event_id == Event.id)
        .where(
            MeetingLink.state != MeetingState.GONE,
            Event.is_cancelled.is_(False),
            Event.end_dt <= now - FIRST_FETCH,
            Event.end_dt > now - FETCHED_UNTIL,
        )
        .order_by(Event.end_dt)
    ).all()
    return [
        event_id
        for event_id, end, fetched in candidates
        if fetched is None or (fetched < end + SECOND_FETCH <= now)
    ]
