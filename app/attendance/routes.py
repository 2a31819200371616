"""Who came to an event: its attendance page, the check-in at the door, and participant
reports imported through a preview (upload, map the columns if need be, check, confirm)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..console import queries
from ..console.access import requires
from ..console.actions import Notice, press
from ..console.forms import ConfirmForm
from ..extensions import csrf, db
from ..models import AccountRole, AttendanceImport, Event, EventFormat, ImportStatus, Registration
from ..services.attendance import attendance as service
from ..services.attendance.attendance import FORM_OVERHEAD
from ..services.attendance.participant_reports import ReportError, minutes_of
from . import bp
from .forms import (
    CheckInSearchForm,
    MappingForm,
    ThresholdForm,
    UploadForm,
    choices_form,
    chosen,
)

PAGE_SIZE = 100
# Matched participants listed on a preview; the counts cover them all.
MATCHED_SHOWN = 200


def _event(event_id: int) -> Event:
    return queries.event_or_404(event_id)


def _registration(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _import(event: Event, import_id: int) -> AttendanceImport:
    imported = db.session.get(AttendanceImport, import_id)
    if imported is None or imported.event_id != event.id:
        abort(404)
    return imported


# --- the attendance of an event ---------------------------------------------------------------


@bp.route("/events/<int:event_id>/attendance")
@requires(AccountRole.VIEWER)
def event_attendance(event_id: int):
    return _attendance_page(_event(event_id))


def _attendance_page(event: Event, threshold_form: ThresholdForm | None = None, status: int = 200):
    page = db.paginate(
        service.attendance_list(event),
        page=queries.page_asked(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    ids = {row.registration_id for row in page.items if row.registration_id}
    registrations = (
        {r.id: r for r in db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)))}
        if ids
        else {}
    )
    return render_template(
        "attendance/event.html",
        event=event,
        page=page,
        registrations=registrations,
        counts=service.attendance_counts(event),
        imports=service.imports_of(event),
        threshold_form=threshold_form or ThresholdForm(minutes=event.attendance_min_minutes),
        in_person=event.format != EventFormat.ONLINE,
    ), status


@bp.route("/events/<int:event_id>/attendance/threshold", methods=["POST"])
@requires(AccountRole.ORGANISER)
def threshold(event_id: int):
    event = _event(event_id)
    form = ThresholdForm()
    if form.validate_on_submit():
        if service.set_threshold(event, form.minutes.data, by=current_user):
            flash(
                _(
                    "Participants online for %(minutes)d minutes or more count as attended.",
                    minutes=form.minutes.data,
                ),
                "success",
            )
        return redirect(url_for(".event_attendance", event_id=event.id), 303)
    return _attendance_page(event, threshold_form=form, status=400)


# --- check-in at the door -----------------------------------------------------------------------


@bp.route("/events/<int:event_id>/check-in")
@requires(AccountRole.VIEWER)
def check_in(event_id: int):
    return _check_in_page(_event(event_id))


def _check_in_page(event: Event, status: int = 200, problem: str | None = None):
    search = CheckInSearchForm(request.args)
    valid = search.validate()
    query = (search.q.data or "").strip() if valid else ""
    return render_template(
        "attendance/check_in.html",
        event=event,
        search=search,
        query=query,
        candidates=service.check_in_candidates(event, query) if event.format != EventFormat.ONLINE else [],
        counts=service.check_in_counts(event),
        button=ConfirmForm(),
        problem=problem,
        online=event.format == EventFormat.ONLINE,
        limit=service.CHECK_IN_LIMIT,
    ), (status if valid else 400)


def _check_in_button(event_id: int, registration_id: int, action: Callable, done: Callable):
    """A button of the check-in list: back to the same search and person, or the list with why not."""
    event = _event(event_id)
    registration = _registration(event, registration_id)
    query = (request.form.get("q") or "").strip()[:200] or None
    return press(
        lambda: action(registration),
        refused=lambda status, problem: _check_in_page(event, status, problem),
        back=url_for(".check_in", event_id=event.id, q=query, _anchor=f"reg-{registration.id}"),
        errors=service.AttendanceError,
        done=lambda changed: done(registration, changed),
    )


@bp.route("/events/<int:event_id>/check-in/<int:registration_id>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def check_in_mark(event_id: int, registration_id: int):
    return _check_in_button(
        event_id, registration_id, partial(service.check_in, by=current_user), _checked_in
    )


def _checked_in(registration: Registration, checked_in: bool) -> Notice:
    if checked_in:
        return _("%(name)s is checked in.", name=registration.name)
    return _("%(name)s was already checked in.", name=registration.name), "info"


@bp.route("/events/<int:event_id>/check-in/<int:registration_id>/undo", methods=["POST"])
@requires(AccountRole.ORGANISER)
def check_in_undo(event_id: int, registration_id: int):
    undo = partial(service.undo_check_in, by=current_user)
    return _check_in_button(event_id, registration_id, undo, _taken_back)


def _taken_back(registration: Registration, undone: bool) -> Notice:
    return _("The check-in of %(name)s is taken back.", name=registration.name) if undone else None


# --- importing a participant report ------------------------------------------------------------


def _report_limit() -> int:
    return current_app.config["MAX_REPORT_BYTES"]


def _accept_report_body() -> None:
    """Let this request carry a report: the global limit is for forms. Flask-WTF's own check is
    skipped for this view (it would read the body under the small limit first), so the CSRF
    token is checked here, once the limit is raised."""
    request.max_content_length = _report_limit() + FORM_OVERHEAD
    csrf.protect()


@bp.route("/events/<int:event_id>/attendance/import", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
@csrf.exempt
def upload(event_id: int):
    event = _event(event_id)
    if request.method == "POST":
        _accept_report_body()
    form = UploadForm(zone=event.timezone)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(_report_limit() + 1)
        if len(data) > _report_limit():
            abort(413, description=_("The report is larger than %(mb)d MB.", mb=_report_limit() // 2**20))
        try:
            imported = service.start_import(
                event, upload.filename or "", data, form.zone.data, by=current_user
            )
        except (ReportError, service.AttendanceError) as error:
            form.file.errors.append(str(error))
            status = getattr(error, "status", 400)
        else:
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return render_template(
        "attendance/upload.html", event=event, form=form, max_mb=_report_limit() // 2**20
    ), status


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>")
@requires(AccountRole.VIEWER)
def import_page(event_id: int, import_id: int):
    event = _event(event_id)
    return _import_page(event, _import(event, import_id))


def _import_page(event: Event, imported: AttendanceImport, status: int = 200, **forms):
    if service.awaiting_mapping(imported):
        header = imported.participants[0][1]
        return render_template(
            "attendance/mapping.html",
            event=event,
            imported=imported,
            form=forms.get("mapping_form") or MappingForm(header),
            sample=imported.participants[1:6],
            problem=forms.get("problem"),
            button=ConfirmForm(),
        ), status
    if imported.status == ImportStatus.PREVIEW:
        return _preview_page(event, imported, status, forms.get("choices"), forms.get("problem"))
    return render_template(
        "attendance/import.html",
        event=event,
        imported=imported,
        summary=service.summarise(service.entries_of(imported), event.attendance_min_minutes),
        button=ConfirmForm(),
        problem=forms.get("problem"),
    ), status


def _preview_page(event: Event, imported: AttendanceImport, status: int, form, problem):
    registrations = service.linkable_registrations(imported)
    form = form or choices_form(imported, registrations)
    entries = imported.participants
    matched = [entry for entry in entries if not service.is_open_choice(entry)]
    names = _registration_names({entry["reg"] for entry in matched[:MATCHED_SHOWN]})
    zone = event.zone
    first_join = min((entry["join"] for entry in entries if entry["join"]), default=None)
    return render_template(
        "attendance/preview.html",
        # A report of another day is likely the wrong meeting's.
        report_day=_local(first_join, zone) if first_join and not _on_the_day(first_join, event) else None,
        event=event,
        imported=imported,
        form=form,
        summary=service.summarise(entries, event.attendance_min_minutes),
        matched=[_shown(entry, zone) for entry in matched[:MATCHED_SHOWN]],
        matched_total=len(matched),
        open_total=len(entries) - len(matched),
        rows={index: _shown(entry, zone) for index, entry in form.shown},
        names=names,
        threshold=event.attendance_min_minutes,
        button=ConfirmForm(),
        problem=problem,
        report_zone=imported.column_map.get("zone"),
    ), status


def _on_the_day(instant: str, event: Event) -> bool:
    margin = timedelta(days=1)
    return event.start_dt - margin <= datetime.fromisoformat(instant) <= event.end_dt + margin


def _registration_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Registration.id, Registration.name).where(Registration.id.in_(ids)))
    return dict(rows.all())


def _shown(entry: dict, zone: ZoneInfo) -> dict:
    """A participant as the preview shows it: times in the event's zone, minutes."""
    return {
        **entry,
        "minutes": minutes_of(entry["seconds"]),
        "join": _local(entry["join"], zone),
        "leave": _local(entry["leave"], zone),
    }


def _local(text: str | None, zone: ZoneInfo) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(zone) if text else None


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/columns", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_columns(event_id: int, import_id: int):
    event = _event(event_id)
    imported = _import(event, import_id)
    if not service.awaiting_mapping(imported):
        return _import_page(event, imported, 409, problem=_("This report's columns are already chosen."))
    form = MappingForm(imported.participants[0][1])
    status, problem = 400, None
    if form.validate_on_submit():
        try:
            service.map_columns(imported, form.mapping(), by=current_user)
        except (ReportError, service.AttendanceError) as error:
            status, problem = getattr(error, "status", 400), str(error)
        else:
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return _import_page(event, imported, status, mapping_form=form, problem=problem)


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/confirm", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_confirm(event_id: int, import_id: int):
    event = _event(event_id)
    imported = _import(event, import_id)
    if imported.status != ImportStatus.PREVIEW or service.awaiting_mapping(imported):
        return _import_page(
            event,
            imported,
            409,
            problem=_("This report is no longer waiting to be checked: nothing was changed."),
        )
    form = choices_form(imported, service.linkable_registrations(imported))
    status, problem = 400, None
    if form.validate_on_submit():
        save = service.confirm_import if form.confirm.data else service.save_choices
        try:
            save(imported, chosen(form), form.others.data, form.threshold.data, by=current_user)
        except service.AttendanceError as error:
            status, problem = error.status, str(error)
        else:
            if form.confirm.data:
                flash(_("The attendance is being recorded."), "success")
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return _import_page(event, imported, status, choices=form, problem=problem)


def _import_button(event_id: int, import_id: int, action: Callable, back: str, done: str | None = None):
    """A button of an import's page: on to `back`, or the page again with why not."""
    event = _event(event_id)
    imported = _import(event, import_id)
    return press(
        lambda: action(imported),
        refused=lambda status, problem: _import_page(event, imported, status, problem=problem),
        back=back,
        errors=service.AttendanceError,
        done=done,
    )


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/discard", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_discard(event_id: int, import_id: int):
    return _import_button(
        event_id,
        import_id,
        partial(service.discard_import, by=current_user),
        url_for(".event_attendance", event_id=event_id),
        _("The report is set aside; nothing was recorded from it."),
    )


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/resume", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_resume(event_id: int, import_id: int):
    back = url_for(".import_page", event_id=event_id, import_id=import_id)
    return _import_button(event_id, import_id, service.resume_import, back)


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/progress.json")
@requires(AccountRole.VIEWER)
def import_progress(event_id: int, import_id: int):
    imported = _import(_event(event_id), import_id)
    return jsonify(
        status=imported.status.value,
        status_title=imported.status.title,
        rows_done=imported.rows_done,
        rows_total=imported.rows_total,
        done=imported.status != ImportStatus.IMPORTING,
    )
