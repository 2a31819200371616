"""For organisers: a platform's participant report (Zoom, Teams, Webex), previewed or imported.

The report goes through the console's own steps (participant_reports reads it, the attendance
service matches and imports it), with the choices the console leaves to the organiser made
up front: every unmatched participant is a walk-in, or ignored. There is no column mapping
here: a report whose columns are not recognised is refused, and the console maps them.
"""

from __future__ import annotations

import hashlib
from typing import NoReturn
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _

from ..console.queries import event_or_404
from ..extensions import db
from ..models import AttendanceImport, Event, ImportStatus
from ..services.attendance import attendance as service
from ..services.attendance import participant_reports as reports
from ..services.attendance.attendance import FORM_OVERHEAD
from .errors import problem_abort
from .events import EVENT_ID
from .organiser import TOKEN, bp, writer
from .schemas import AttendanceReportFileSchema, AttendanceReportQuerySchema, AttendanceReportSchema

# Unmatched participants listed in an answer; the count covers them all.
UNMATCHED_SHOWN = 200
MULTIPART = "multipart/form-data"


def report_limit() -> int:
    return current_app.config["MAX_REPORT_BYTES"]


def takes_report(view):
    """Mark a view whose body is a report upload rather than JSON (see `check_upload`)."""
    view.takes_report = True
    return view


def check_upload() -> None:
    """Before the body is parsed: multipart, and no larger than a report may be."""
    limit = report_limit() + FORM_OVERHEAD
    if request.content_length is not None and request.content_length > limit:
        _too_large()
    request.max_content_length = limit
    if request.mimetype != MULTIPART:
        problem_abort(415, _("Send the report as multipart/form-data, the file in the field “file”."))


def _too_large():
    problem_abort(413, _("The report is larger than %(mb)d MB.", mb=report_limit() // 2**20))


@bp.post(EVENT_ID + "/attendance")
@takes_report
@bp.doc(**TOKEN)
@writer
@bp.arguments(AttendanceReportQuerySchema, location="query", as_kwargs=True)
@bp.arguments(AttendanceReportFileSchema, location="files", as_kwargs=True)
@bp.response(200, AttendanceReportSchema, description="The preview: nothing was changed")
@bp.alt_response(
    202,
    schema=AttendanceReportSchema,
    description="Imported (apply=true): the attendance is recorded in the background; `import.status` "
    "is `done` once it is",
)
@bp.alt_response(
    409, response="CONFLICT", description="This file was imported before, or the event is cancelled"
)
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="The report is too large")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="The body is not multipart/form-data")
def upload_attendance(event_id: int, file, apply: bool, unmatched: str, zone: str | None = None):
    """Upload an attendance report: preview it, or import it with `apply=true`

    The file is the CSV or XLSX participant report of Zoom, Microsoft Teams or Webex, sent as
    multipart/form-data in the field `file`; its format is recognised from its header. Each
    person's rows are merged, then matched to the event's registrations by email, then by name.
    Without `apply=true` the answer is the preview and nothing changes. With it, the report is
    imported as the console imports it, the unmatched participants recorded as walk-ins (or
    ignored, with `unmatched=ignore`); the change is in the audit log under the token's owner
    and `attendance.imported` webhooks are sent. The same file twice is refused (409): it would
    change nothing. A report whose columns are not recognised is refused (422): map its columns
    in the console. Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    zone = zone or event.timezone
    data = file.stream.read(report_limit() + 1)
    if len(data) > report_limit():
        _too_large()
    report = _read(data, file.filename or "", zone)
    if not apply:
        entries = _matched(event, report, unmatched)
        return _answer(event, report, entries, zone, unmatched, _imported_before(event, data), None)
    imported = _import(event, file.filename or "", data, zone, unmatched)
    return _answer(event, report, imported.participants, zone, unmatched, False, imported), 202


def _read(data: bytes, filename: str, zone: str) -> reports.Report:
    """The report, or a 422 problem saying what is wrong with the file."""
    try:
        return reports.read_report(reports.read_table(data, filename), ZoneInfo(zone))
    except reports.UnknownColumns as error:
        header = ", ".join(cell for cell in error.header[1] if cell)[:300]
        detail = _(
            "The columns of this report were not recognised (line %(line)d: %(header)s). The API reads "
            "the reports of Zoom, Microsoft Teams and Webex as they are exported; choose the columns of "
            "other reports in the console.",
            line=error.header[0],
            header=header,
        )
        _refused(detail, "report-not-recognised")
    except reports.ReportError as error:
        _refused(str(error), "report-unreadable")


def _refused(detail: str, slug: str) -> NoReturn:
    problem_abort(422, detail, slug=slug, errors=[{"field": "file", "message": detail}])


def _matched(event: Event, report: reports.Report, unmatched: str) -> list[dict]:
    """The report's people as the console's preview holds them, matched, nothing stored."""
    entries = [service._entry(participant) for participant in report.participants]
    service._match(db.session(), event.id, entries)
    for entry in entries:
        if entry["reg"] is None:
            entry["decision"] = unmatched
    return entries


def _imported_before(event: Event, data: bytes) -> bool:
    return (
        db.session.scalar(
            sa.select(AttendanceImport.id)
            .where(
                AttendanceImport.event_id == event.id,
                AttendanceImport.file_sha256 == hashlib.sha256(data).hexdigest(),
                AttendanceImport.status.in_((ImportStatus.IMPORTING, ImportStatus.DONE)),
            )
            .limit(1)
        )
        is not None
    )


def _import(event: Event, filename: str, data: bytes, zone: str, unmatched: str) -> AttendanceImport:
    """Read, confirm and queue, as an organiser does in the console in three steps."""
    by = g.api_token.account
    try:
        imported = service.start_import(event, filename, data, zone, by=by)
        service.confirm_import(imported, {}, unmatched, event.attendance_min_minutes, by=by)
    except service.AlreadyImported as error:
        problem_abort(409, str(error), slug="already-imported")
    except reports.ReportError as error:
        _refused(str(error), "report-unreadable")
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))
    return db.session.get_one(AttendanceImport, imported.id, populate_existing=True)


def _answer(
    event: Event,
    report: reports.Report,
    entries: list[dict],
    zone: str,
    unmatched: str,
    already_imported: bool,
    imported: AttendanceImport | None,
) -> dict:
    threshold = event.attendance_min_minutes
    summary = service.summarise(entries, threshold)
    open_entries = [entry for entry in entries if entry["reg"] is None]
    return {
        "applied": imported is not None,
        "already_imported": already_imported,
        "source": report.source,
        "columns": report.columns,
        "zone": zone,
        "threshold_minutes": threshold,
        "rows": summary.rows,
        "participants": summary.participants,
        "matched_by_email": summary.by_email,
        "matched_by_name": summary.by_name,
        "unmatched": len(open_entries),
        "unmatched_as": unmatched,
        "attended": summary.attended,
        "below_threshold": summary.below,
        "unmatched_people": [
            {
                "name": entry["name"],
                "email": entry["email"],
                "minutes": reports.minutes_of(entry["seconds"]),
                "rows": entry["rows"],
            }
            for entry in open_entries[:UNMATCHED_SHOWN]
        ],
        "import_": imported,
    }
