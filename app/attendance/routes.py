"""Who came to an event: its attendance page, the check-in at the door, and participant
reports imported through a preview (upload, map the columns if need be, check, confirm)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..console import queries
from ..console.access import requires
from ..console.actions import Notice, press
from ..console.forms import ConfirmForm
from ..extensions import csrf, db
from ..models import (
    AccountRole,
    Attendance,
    AttendanceImport,
    BadgeRole,
    Event,
    EventFormat,
    ImportStatus,
    Registration,
)
from ..services.attendance import attendance as service
from ..services.attendance import badges, corrections, decisions, door
from ..services.attendance.attendance import FORM_OVERHEAD
from ..services.attendance.participant_reports import (
    DAY_FIRST,
    DELEGATE,
    KIND_LABELS,
    KINDS,
    MONTH_FIRST,
    ReportError,
    minutes_of,
)
from . import bp
from .forms import (
    GROUP_TITLES,
    BadgeRoleForm,
    BadgesForm,
    CheckInSearchForm,
    DecideForm,
    GroupForm,
    MappingForm,
    MergeForm,
    ReadingForm,
    ScanForm,
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


def _check_in_page(
    event: Event, status: int = 200, problem: str | None = None, scan_form: ScanForm | None = None
):
    search = CheckInSearchForm(request.args)
    valid = search.validate()
    query = (search.q.data or "").strip() if valid else ""
    # The page may open the camera, for the scanner (app/security.py: no other page may).
    g.camera = True
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
        scan_form=scan_form or ScanForm(formdata=None),
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


@bp.route("/events/<int:event_id>/check-in/<int:registration_id>/out", methods=["POST"])
@requires(AccountRole.ORGANISER)
def check_out(event_id: int, registration_id: int):
    leave = partial(service.check_out, by=current_user)
    return _check_in_button(event_id, registration_id, leave, _checked_out)


def _checked_out(registration: Registration, checked_out: bool) -> Notice:
    if checked_out:
        return _("%(name)s is checked out.", name=registration.name)
    return _("%(name)s was already checked out.", name=registration.name), "info"


# --- check-in by scanning a badge or a confirmation email's QR code ---------------------------------


@bp.route("/events/<int:event_id>/check-in/scan", methods=["POST"])
@requires(AccountRole.ORGANISER)
def check_in_scan(event_id: int):
    """A code read by the page's camera (JSON, answered in JSON) or typed into its form."""
    event = _event(event_id)
    form = ScanForm()
    if not form.validate_on_submit():
        problem = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return _scan_refused(event, form, 400, problem)
    scanned = form.scanned_at.data
    try:
        result = door.scan(
            event,
            form.code.data,
            by=current_user,
            client_id=form.client_id.data or None,
            scanned_dt=datetime.fromtimestamp(scanned / 1000, UTC) if scanned is not None else None,
        )
    except service.AttendanceError as error:
        return _scan_refused(event, form, error.status, str(error))
    message = _scan_message(event, result)
    if not request.is_json:
        flash(message, "success" if result.outcome == door.CHECKED_IN else "info")
        return redirect(url_for(".check_in", event_id=event.id), 303)
    return jsonify(
        outcome=result.outcome,
        id=result.registration.id,
        message=message,
        name=result.registration.name,
        details=[
            text
            for text in (
                result.lines.organisation,
                result.lines.representing,
                result.lines.role.title,
                _("Head of delegation") if result.lines.head_of_delegation else "",
            )
            if text
        ],
        counts=_counts_line(event),
    )


def _scan_refused(event: Event, form: ScanForm, status: int, problem: str):
    if request.is_json:
        return jsonify(outcome="refused", message=problem or _("The scan could not be read.")), status
    return _check_in_page(event, status, problem or _("The scan could not be read."), scan_form=form)


def _scan_message(event: Event, result: door.Scan) -> str:
    name = result.registration.name
    arrived = result.arrived_dt.astimezone(event.zone).strftime("%H:%M") if result.arrived_dt else ""
    if result.outcome == door.CHECKED_IN:
        return _("%(name)s is checked in at %(time)s.", name=name, time=arrived)
    return _("%(name)s was already checked in at %(time)s.", name=name, time=arrived)


def _counts_line(event: Event) -> str:
    counts = service.check_in_counts(event)
    return _(
        "%(checked)d checked in of %(confirmed)d confirmed",
        checked=counts["checked_in"],
        confirmed=counts["confirmed"],
    )


# --- badges -------------------------------------------------------------------------------------


@bp.app_context_processor
def _badge_roles() -> dict:
    return {"BadgeRole": BadgeRole}


@bp.route("/events/<int:event_id>/badges", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def event_badges(event_id: int):
    """The page to print badges, and the PDF it (or the registrations table's button) asks for."""
    event = _event(event_id)
    form = BadgesForm()
    status = 200
    if form.validate_on_submit():
        try:
            who, layout = badges.Who(form.who.data), badges.Layout(form.layout.data)
            pdf = badges.print_badges(event, who, layout, by=current_user)
        except service.AttendanceError as error:
            flash(str(error), "error")
            status = error.status
        else:
            filename = badges.filename(event, who, layout)
            return Response(
                pdf,
                mimetype="application/pdf",
                headers={
                    "Content-Disposition": f'attachment; filename="{filename}"',
                    "Cache-Control": "no-store",
                },
            )
    elif form.is_submitted():
        status = 400
    return render_template(
        "attendance/badges.html",
        event=event,
        form=form,
        counts=badges.badge_counts(event),
        online=event.format == EventFormat.ONLINE,
    ), status


@bp.route("/registrations/<int:registration_id>/badge", methods=["POST"])
@requires(AccountRole.ORGANISER)
def badge_role(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    form = BadgeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    role = BadgeRole(form.role.data)
    if badges.set_badge_role(registration, role, by=current_user):
        flash(
            _("The badge of %(name)s now says %(role)s.", name=registration.name, role=role.title), "success"
        )
    return redirect(url_for("console.registration", registration_id=registration.id), 303)


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
    replaces = _replaced(event)
    if request.method == "POST":
        _accept_report_body()
    form = UploadForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(_report_limit() + 1)
        if len(data) > _report_limit():
            abort(413, description=_("The report is larger than %(mb)d MB.", mb=_report_limit() // 2**20))
        try:
            imported = service.start_import(
                event, upload.filename or "", data, form.zone.data or None, by=current_user, replaces=replaces
            )
        except (ReportError, service.AttendanceError) as error:
            form.file.errors.append(str(error))
            status = getattr(error, "status", 400)
        else:
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return render_template(
        "attendance/upload.html",
        event=event,
        form=form,
        max_mb=_report_limit() // 2**20,
        replaces=replaces,
    ), status


def _replaced(event: Event) -> AttendanceImport | None:
    """The import a corrected file is uploaded to replace (`?replaces=<id>`), if any."""
    asked = request.args.get("replaces")
    if asked is None:
        return None
    if not asked.isdigit():
        abort(404)
    return _import(event, int(asked))


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


def _preview_page(event: Event, imported: AttendanceImport, status: int, form, problem, reading_form=None):
    registrations = service.linkable_registrations(imported)
    form = form or choices_form(imported, registrations)
    entries = imported.participants
    matched = [entry for entry in entries if not service.is_open_choice(entry)]
    names = _registration_names({entry["reg"] for entry in matched[:MATCHED_SHOWN]})
    zone = event.zone
    first_join = min((entry["join"] for entry in entries if entry["join"]), default=None)
    open_entries = [(index, entry) for index, entry in enumerate(entries) if service.is_open_choice(entry)]
    return render_template(
        "attendance/preview.html",
        groups=_groups(open_entries),
        group_titles=GROUP_TITLES,
        group_of=decisions.group_of,
        suggested=_registration_names(
            {s["reg"] for _, entry in form.shown for s in entry.get("suggestions", ())}
        ),
        replaces=db.session.get(AttendanceImport, imported.replaces_id) if imported.replaces_id else None,
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
        reading=imported.column_map.get(service.READING, {}),
        reading_form=reading_form or _reading_form(imported),
        dates_to_choose=service.dates_to_choose(imported),
        kind_labels=KIND_LABELS,
        kinds=_kinds_of(entries),
    ), status


def _kinds_of(entries: list[dict]) -> list[tuple[str, int]]:
    """How many of the report are not delegates, by kind, in the order of KINDS."""
    counts = Counter(entry.get("kind", DELEGATE) for entry in entries)
    return [(kind, counts[kind]) for kind in KINDS if kind != DELEGATE and counts[kind]]


def _reading_form(imported: AttendanceImport) -> ReadingForm:
    reading = imported.column_map.get(service.READING, {})
    day_first = reading.get("day_first")
    dates = "" if day_first is None else (DAY_FIRST if day_first else MONTH_FIRST)
    return ReadingForm(zone=reading.get("zone") if reading.get("zone_given") else "", dates=dates)


def _still_checked(imported: AttendanceImport) -> bool:
    """Whether the report waits for the organiser's check (its preview, its columns mapped)."""
    return imported.status == ImportStatus.PREVIEW and not service.awaiting_mapping(imported)


def _no_longer_checked(event: Event, imported: AttendanceImport):
    return _import_page(
        event,
        imported,
        409,
        problem=_("This report is no longer waiting to be checked: nothing was changed."),
    )


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/reading", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_reading(event_id: int, import_id: int):
    """Read the kept file again with the zone or the order of dates the organiser gives."""
    event = _event(event_id)
    imported = _import(event, import_id)
    if not _still_checked(imported):
        return _no_longer_checked(event, imported)
    form = ReadingForm()
    status, problem = 400, None
    if form.validate_on_submit():
        try:
            service.read_again(imported, form.zone.data or None, form.day_first(), by=current_user)
        except (ReportError, service.AttendanceError) as error:
            status, problem = getattr(error, "status", 400), str(error)
        else:
            flash(_("The report was read again: check it below."), "success")
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return _preview_page(event, imported, status, None, problem, reading_form=form)


def _groups(open_entries: list[tuple[int, dict]]) -> list[tuple[str, int, int]]:
    """The groups of unmatched people that have any: (group, people, of them undecided)."""
    counts = {group: [0, 0] for group in decisions.GROUPS}
    for _index, entry in open_entries:
        if entry["reg"] is None:
            figures = counts[decisions.group_of(entry)]
            figures[0] += 1
            figures[1] += entry["decision"] == service.UNDECIDED
    return [(group, total, undecided) for group, (total, undecided) in counts.items() if total]


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
    if not _still_checked(imported):
        return _no_longer_checked(event, imported)
    form = choices_form(imported, service.linkable_registrations(imported))
    status, problem = 400, None
    if form.validate_on_submit():
        confirming = form.confirm.data or form.leave_out.data
        arguments = (imported, chosen(form), form.others.data or None, form.threshold.data)
        try:
            if confirming:
                service.confirm_import(*arguments, by=current_user, leave_out_undecided=form.leave_out.data)
            else:
                service.save_choices(*arguments, by=current_user)
        except service.AttendanceError as error:
            status, problem = error.status, str(error)
        else:
            if confirming:
                flash(_("The attendance is being recorded."), "success")
            return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)
    return _import_page(event, imported, status, choices=form, problem=problem)


def _preview_choice(event_id: int, import_id: int, form, decide: Callable, done: Callable):
    """A one-click choice of the preview (a group's, a suggestion's): back to the preview."""
    event = _event(event_id)
    imported = _import(event, import_id)
    if not form.validate_on_submit():
        return _import_page(event, imported, 400, problem=_("This choice is not one the preview offers."))
    try:
        result = decide(imported)
    except service.AttendanceError as error:
        return _import_page(event, imported, error.status, problem=str(error))
    flash(done(result), "success")
    return redirect(url_for(".import_page", event_id=event.id, import_id=imported.id), 303)


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/group", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_group(event_id: int, import_id: int):
    form = GroupForm()
    return _preview_choice(
        event_id,
        import_id,
        form,
        lambda imported: service.decide_group(imported, *form.picked(), by=current_user),
        lambda count: ngettext("%(num)d person decided.", "%(num)d people decided.", count),
    )


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/decide", methods=["POST"])
@requires(AccountRole.ORGANISER)
def import_decide(event_id: int, import_id: int):
    form = DecideForm()
    return _preview_choice(
        event_id,
        import_id,
        form,
        lambda imported: service.decide_one(imported, *form.picked(), by=current_user),
        lambda imported: _("The choice is saved."),
    )


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


# --- taking back: an import removed or replaced, a walk-in removed or merged ---------------------


@bp.route("/events/<int:event_id>/attendance/imports/<int:import_id>/remove", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def import_remove(event_id: int, import_id: int):
    """GET asks for confirmation, saying what goes; POST removes."""
    event = _event(event_id)
    imported = _import(event, import_id)
    if request.method == "GET":
        return render_template(
            "attendance/remove.html", event=event, imported=imported, button=ConfirmForm()
        ), (200 if imported.status == ImportStatus.DONE else 409)
    return press(
        lambda: corrections.remove_import(imported, by=current_user),
        refused=lambda status, problem: _import_page(event, imported, status, problem=problem),
        back=url_for(".event_attendance", event_id=event.id),
        errors=service.AttendanceError,
        done=_("“%(file)s” is removed; the attendance is counted again.", file=imported.filename),
    )


def _walk_in(event: Event, attendance_id: int) -> Attendance:
    row = db.session.get(Attendance, attendance_id)
    if row is None or row.event_id != event.id or row.registration_id is not None:
        abort(404)
    return row


def _walk_in_page(event: Event, row: Attendance, form: MergeForm | None = None, status=200, problem=None):
    return render_template(
        "attendance/walk_in.html",
        event=event,
        row=row,
        form=form or _merge_form(event, row),
        button=ConfirmForm(),
        problem=problem,
    ), status


def _merge_form(event: Event, row: Attendance) -> MergeForm:
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id).order_by(Registration.name)
    ).all()
    walk_ins = db.session.scalars(
        sa.select(Attendance)
        .where(
            Attendance.event_id == event.id,
            Attendance.registration_id.is_(None),
            Attendance.id != row.id,
        )
        .order_by(Attendance.name)
    ).all()
    return MergeForm(registrations, walk_ins)


@bp.route("/events/<int:event_id>/attendance/walk-ins/<int:attendance_id>")
@requires(AccountRole.ORGANISER)
def walk_in(event_id: int, attendance_id: int):
    event = _event(event_id)
    return _walk_in_page(event, _walk_in(event, attendance_id))


@bp.route("/events/<int:event_id>/attendance/walk-ins/<int:attendance_id>/remove", methods=["POST"])
@requires(AccountRole.ORGANISER)
def walk_in_remove(event_id: int, attendance_id: int):
    event = _event(event_id)
    row = _walk_in(event, attendance_id)
    name = row.name
    return press(
        lambda: corrections.remove_walk_in(event, row.id, by=current_user),
        refused=lambda status, problem: _walk_in_page(event, row, status=status, problem=problem),
        back=url_for(".event_attendance", event_id=event.id),
        errors=service.AttendanceError,
        done=_("The walk-in %(name)s is removed.", name=name),
    )


@bp.route("/events/<int:event_id>/attendance/walk-ins/<int:attendance_id>/merge", methods=["POST"])
@requires(AccountRole.ORGANISER)
def walk_in_merge(event_id: int, attendance_id: int):
    event = _event(event_id)
    row = _walk_in(event, attendance_id)
    name = row.name
    form = _merge_form(event, row)
    if not form.validate_on_submit():
        return _walk_in_page(event, row, form, 400)
    try:
        corrections.merge_walk_in(event, row.id, **form.target(), by=current_user)
    except service.AttendanceError as error:
        return _walk_in_page(event, row, form, error.status, str(error))
    flash(_("%(name)s is merged; the attendance is counted again.", name=name), "success")
    return redirect(url_for(".event_attendance", event_id=event.id), 303)
