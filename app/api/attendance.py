"""For organisers: a platform's participant report (Zoom, Teams, Webex), previewed or imported.

The report goes through the console's own steps (participant_reports reads it, the attendance
service matches and imports it), with the choices the console leaves to the organiser made
up front: what becomes of the unmatched participants, by group, and links to registrations
(the preview gives each unmatched person an index, a group and suggestions). Nobody is a
walk-in unless the caller says so. There is no column mapping here: a report whose columns
are not recognised is refused, and the console maps them.

An import can be taken back (removed) or replaced by a corrected file; a single walk-in
removed or merged with the registration or walk-in they are (see corrections.py).
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
from ..models import AttendanceImport, Event, ImportStatus, Registration
from ..services.attendance import attendance as service
from ..services.attendance import corrections, decisions
from ..services.attendance import participant_reports as reports
from ..services.attendance.attendance import FORM_OVERHEAD
from ..services.integrations import attendance_fetch
from ..services.integrations.meetings import MeetingError
from .errors import problem_abort
from .events import EVENT_ID
from .organiser import TOKEN, bp, reader, writer
from .schemas import (
    AttendanceFetchSchema,
    AttendanceImportListSchema,
    AttendanceReportFileSchema,
    AttendanceReportQuerySchema,
    AttendanceReportSchema,
    WalkInMergeSchema,
)

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
    409,
    response="CONFLICT",
    description="This file was imported before, the event is cancelled or has not started, or "
    "(apply=true) unmatched people are undecided",
)
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="The report is too large")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="The body is not multipart/form-data")
def upload_attendance(event_id: int, file, apply: bool, zone: str | None = None, **decided):
    """Upload an attendance report: preview it, or import it with `apply=true`

    The file is the CSV or XLSX participant report of Zoom, Microsoft Teams or Webex, sent as
    multipart/form-data in the field `file`; its format is recognised from its header. Each
    person's rows are merged, then matched to the event's registrations by email, then by name.
    Without `apply=true` the answer is the preview and nothing changes: each unmatched
    person with an `index`, a `group` (staff, phone, others) and `suggestions`. With it, the
    report is imported as the console imports it, the unmatched participants decided by
    `unmatched` (and `staff`, `phone` for those groups) and linked by `link`; while anyone is
    left undecided the import is refused (409). The change is in the audit log under the
    token's owner and `attendance.imported` webhooks are sent. The same file twice is refused
    (409): it would change nothing. A report whose columns are not recognised is refused (422):
    map its columns in the console. A row that cannot be read is left out and listed in
    `left_out`; the report is refused (422) only when no row at all can be read. Numeric dates
    that read either way and that nothing in the file or the event's date decides (`dates_from`
    = `ask`) are imported only once `dates` says their order. The report's zone is the one it
    states, else `zone`, else the event's. Attendance is imported once the event has started.
    Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    return _upload(event, file, apply, zone, decided, None)


def _upload(event: Event, file, apply: bool, zone: str | None, decided: dict, replaces):
    _importable(event)
    dates = decided.get("dates")
    data = file.stream.read(report_limit() + 1)
    if len(data) > report_limit():
        _too_large()
    day_first = None if dates is None else dates == reports.DAY_FIRST
    report = _read(event, data, file.filename or "", zone, day_first)
    if not apply:
        entries = _matched(event, report, decided)
        return _answer(event, report, entries, decided, _imported_before(event, data), None)
    if report.dates_from == reports.DATES_ASKED:
        _refused(
            _(
                "The report's dates can be read day first or month first, and nothing in the file or the "
                "event's date says which: give dates=day_first or dates=month_first."
            ),
            "report-dates-ambiguous",
            field="dates",
        )
    # Decided before anything is stored: a refusal leaves no trace.
    undecided = service.summarise(_matched(event, report, decided), 0).undecided
    if undecided:
        problem_abort(409, str(service.Undecided(undecided)), slug="undecided")
    imported = _import(event, file.filename or "", data, zone, day_first, decided, replaces)
    status = 200 if replaces is not None else 202
    return _answer(event, report, imported.participants, decided, False, imported), status


def _importable(event: Event) -> None:
    try:
        service.check_importable(event)
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))


def _choices(entries: list[dict], decided: dict) -> dict[int, str]:
    """The caller's decisions as the console's: {index: decision or "reg:<id>"}."""
    unmatched = decided["unmatched"]
    by_group = {
        decisions.STAFF: decided.get("staff") or unmatched,
        decisions.PHONE: decided.get("phone") or unmatched,
        decisions.OTHERS: unmatched,
    }
    choices = {
        index: by_group[decisions.group_of(entry)]
        for index, entry in enumerate(entries)
        if service.is_open_choice(entry)
    }
    for link in decided["link"]:
        index, _, reg_id = link.partition(":")
        choices[int(index)] = f"reg:{reg_id}"
    return choices


def _read(
    event: Event, data: bytes, filename: str, zone: str | None, day_first: bool | None
) -> reports.Report:
    """The report, or a 422 problem saying what is wrong with the file."""
    try:
        return reports.read_report(
            reports.read_table(data, filename),
            ZoneInfo(zone or event.timezone),
            zone_given=zone is not None,
            day=event.start_dt.astimezone(event.zone).date(),
            day_first=day_first,
        )
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


def _refused(detail: str, slug: str, field: str = "file") -> NoReturn:
    problem_abort(422, detail, slug=slug, errors=[{"field": field, "message": detail}])


def _matched(event: Event, report: reports.Report, decided: dict) -> list[dict]:
    """The report's people as the console's preview holds them, matched and decided, nothing
    stored; 422 for a link the preview does not offer."""
    entries = service.matched_entries(db.session(), event.id, report)
    taken = {entry["reg"] for entry in entries if entry["reg"] is not None}
    registrations = db.session.scalars(sa.select(Registration.id).where(Registration.event_id == event.id))
    try:
        service.decide_entries(entries, _choices(entries, decided), None, set(registrations) - taken)
    except service.AttendanceError as error:
        _refused_link(str(error))
    return entries


def _refused_link(detail: str):
    problem_abort(422, detail, slug="bad-decision", errors=[{"field": "link", "message": detail}])


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


def _import(
    event: Event,
    filename: str,
    data: bytes,
    zone: str | None,
    day_first: bool | None,
    decided: dict,
    replaces,
) -> AttendanceImport:
    """Read, confirm and queue, as an organiser does in the console in three steps; nothing is
    kept of a report refused at its confirmation."""
    by = g.api_token.account
    try:
        imported = service.start_import(
            event, filename, data, zone, by=by, day_first=day_first, replaces=replaces
        )
    except service.AlreadyImported as error:
        problem_abort(409, str(error), slug="already-imported")
    except reports.ReportError as error:
        _refused(str(error), "report-unreadable")
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))
    try:
        service.confirm_import(imported, _choices(imported.participants, decided), None, by=by)
    except service.AttendanceError as error:
        service.discard_import(imported, by=by)
        if isinstance(error, service.Undecided):
            problem_abort(409, str(error), slug="undecided")
        if isinstance(error, service.Conflict):
            problem_abort(409, str(error))
        _refused_link(str(error))
    return db.session.get_one(AttendanceImport, imported.id, populate_existing=True)


def _answer(
    event: Event,
    report: reports.Report,
    entries: list[dict],
    decided: dict,
    already_imported: bool,
    imported: AttendanceImport | None,
) -> dict:
    threshold = event.attendance_min_minutes
    summary = service.summarise(entries, threshold)
    open_entries = [(index, entry) for index, entry in enumerate(entries) if service.is_open_choice(entry)]
    shown = open_entries[:UNMATCHED_SHOWN]
    suggested = {s["reg"] for _, entry in shown for s in entry.get("suggestions", ())}
    names = dict(
        db.session.execute(
            sa.select(Registration.id, Registration.name).where(Registration.id.in_(suggested))
        ).all()
    )
    return {
        "applied": imported is not None,
        "already_imported": already_imported,
        "source": report.source,
        "columns": report.columns,
        "zone": report.zone,
        "zone_from": report.zone_from,
        "dates": report.dates,
        "dates_from": report.dates_from,
        "left_out": [{"line": line, "reason": reason} for line, reason in report.left_out[:UNMATCHED_SHOWN]],
        "left_out_count": len(report.left_out),
        "waiting_room_rows": report.waiting_room,
        "threshold_minutes": threshold,
        "rows": summary.rows,
        "participants": summary.participants,
        "matched_by_email": summary.by_email,
        "matched_by_name": summary.by_name,
        "unmatched": sum(1 for _, entry in open_entries if entry["reg"] is None),
        "undecided": summary.undecided,
        "unmatched_as": decided["unmatched"],
        "attended": summary.attended,
        "below_threshold": summary.below,
        "unmatched_people": [_person(index, entry, names) for index, entry in shown],
        "import_": imported,
    }


def _person(index: int, entry: dict, names: dict[int, str]) -> dict:
    return {
        "index": index,
        "name": entry["name"],
        "email": entry["email"],
        "minutes": reports.minutes_of(entry["seconds"]),
        "rows": entry["rows"],
        "kind": entry.get("kind", "delegate"),
        "country": entry.get("country", ""),
        "group": decisions.group_of(entry),
        "decision": entry["decision"],
        "suggestions": [
            {
                "registration_id": suggestion["reg"],
                "name": names[suggestion["reg"]],
                "score": suggestion["score"],
                "same_domain": suggestion["same_domain"],
            }
            for suggestion in entry.get("suggestions", ())
            if suggestion["reg"] in names
        ],
    }


# --- an event's imports, taken back or replaced; walk-ins removed or merged ----------------------

IMPORT_ID = EVENT_ID + "/attendance/imports/<int(max=2147483647):import_id>"
WALK_IN_ID = EVENT_ID + "/attendance/walk-ins/<int(max=2147483647):attendance_id>"


def _import_of(event: Event, import_id: int) -> AttendanceImport:
    imported = db.session.get(AttendanceImport, import_id)
    if imported is None or imported.event_id != event.id:
        problem_abort(404)
    return imported


@bp.get(EVENT_ID + "/attendance/imports")
@bp.doc(**TOKEN)
@reader
@bp.response(200, AttendanceImportListSchema)
def list_attendance_imports(event_id: int):
    """The participant reports uploaded for an event, newest first, with what became of each

    Needs a token (read or write).
    """
    event = event_or_404(event_id)
    return {"items": [_import_item(imported) for imported in service.imports_of(event)]}


def _import_item(imported: AttendanceImport) -> dict:
    return {
        "id": imported.id,
        "filename": imported.filename,
        "source": imported.source,
        "status": imported.status,
        "uploaded_by": imported.account.name if imported.account else None,
        "created": imported.created_dt,
        "participants": imported.matched_count + imported.unmatched_count,
        "matched": imported.matched_count,
        "walk_ins": imported.walk_in_count,
        "replaces_id": imported.replaces_id,
    }


@bp.delete(IMPORT_ID)
@bp.doc(**TOKEN)
@writer
@bp.response(
    204, description="Removed: its attendance and walk-ins are taken back, the figures counted again"
)
@bp.alt_response(
    409,
    response="CONFLICT",
    description="The report is not imported (already removed or replaced, or never confirmed), or a "
    "report of the event is being imported",
)
def remove_attendance_import(event_id: int, import_id: int):
    """Take back an imported participant report

    Its attendance rows and its walk-ins go; what another report or a check-in recorded of the
    same people stays. Audited under the token's owner. Needs a read and write token of an
    organiser.
    """
    imported = _import_of(event_or_404(event_id), import_id)
    try:
        corrections.remove_import(imported, by=g.api_token.account)
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))


@bp.post(IMPORT_ID + "/replacement")
@takes_report
@bp.doc(**TOKEN)
@writer
@bp.arguments(AttendanceReportQuerySchema, location="query", as_kwargs=True)
@bp.arguments(AttendanceReportFileSchema, location="files", as_kwargs=True)
@bp.response(200, AttendanceReportSchema, description="The preview, or (apply=true) the replacement done")
@bp.alt_response(
    409,
    response="CONFLICT",
    description="The import is not one that stands (removed, replaced, not confirmed), this file was "
    "imported before, or (apply=true) unmatched people are undecided",
)
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE", description="The report is too large")
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE", description="The body is not multipart/form-data")
def replace_attendance_import(
    event_id: int, import_id: int, file, apply: bool, zone: str | None = None, **decided
):
    """Replace an imported participant report with a corrected file

    As an upload (same fields and answer). With `apply=true`, in one unit of work, the old
    report's attendance is taken back and the corrected file's recorded: the import is `done`
    in the answer. Audited under the token's owner. Needs a read and write token of an
    organiser.
    """
    event = event_or_404(event_id)
    replaces = _import_of(event, import_id)
    if replaces.status != ImportStatus.DONE:
        problem_abort(409, _("Only a report whose attendance is recorded can be removed or replaced."))
    return _upload(event, file, apply, zone, decided, replaces)


@bp.delete(WALK_IN_ID)
@bp.doc(**TOKEN)
@writer
@bp.response(204, description="Removed: the reports that named them leave them out")
@bp.alt_response(409, response="CONFLICT", description="A report of the event is being imported")
def remove_walk_in(event_id: int, attendance_id: int):
    """Remove a walk-in (a connection that was not a participant)

    `attendance_id` is the walk-in's attendance row (see the event's attendance export). Audited.
    Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    try:
        corrections.remove_walk_in(event, attendance_id, by=g.api_token.account)
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))


@bp.post(WALK_IN_ID + "/merge")
@bp.doc(**TOKEN)
@writer
@bp.arguments(WalkInMergeSchema)
@bp.response(204, description="Merged: their time online combined, overlapping time counted once")
@bp.alt_response(409, response="CONFLICT", description="A report of the event is being imported")
def merge_walk_in(data: dict, event_id: int, attendance_id: int):
    """Merge a walk-in with the registration, or the other walk-in, they are

    Audited. Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    try:
        target = "registration_id" if data["into"] == "registration" else "walk_in_id"
        corrections.merge_walk_in(event, attendance_id, **{target: data["id"]}, by=g.api_token.account)
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))


# --- the participant report fetched from the event's meeting (services/integrations) -------------


@bp.post(EVENT_ID + "/attendance/fetch")
@bp.doc(**TOKEN)
@writer
@bp.arguments(AttendanceFetchSchema)
@bp.response(200, AttendanceReportSchema, description="The preview: nothing was recorded yet")
@bp.alt_response(
    404,
    response="NOT_FOUND",
    description="No such event, no meeting linked to it, or the platform no longer has the meeting",
)
@bp.alt_response(
    409,
    response="CONFLICT",
    description="The event is cancelled or has not started, or the platform's credentials are not set",
)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="The report holds no participant")
@bp.alt_response(502, response="BAD_GATEWAY", description="The platform refused or failed the call")
def fetch_attendance(_body: dict, event_id: int):
    """Fetch the participant report of the event's linked meeting now

    The report is fetched from the platform (Zoom: the report API of the past webinar or meeting,
    every page) and kept as an import preview, as an uploaded report is, for the organiser to
    check and confirm in the console; fetching again replaces the earlier fetch (the same rows
    fetched again keep the preview and its choices). The answer is the preview an upload of
    the same report answers with. The worker also fetches each report after the event ends,
    and again a day later. The body is `{}`. Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    try:
        fetched = attendance_fetch.fetch_report(event, by=g.api_token.account)
    except MeetingError as error:
        problem_abort(error.status, str(error), slug=error.slug)
    except reports.ReportError as error:
        _refused(str(error), "report-unreadable", "report")
    except service.AttendanceError as error:
        problem_abort(error.status, str(error))
    decided = {"unmatched": service.UNDECIDED, "link": []}
    report = _read(event, fetched.data, fetched.filename, None, None)
    return _answer(event, report, _matched(event, report, decided), decided, False, None)
