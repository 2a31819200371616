"""The registrations of an event or a series: the table, its actions, exports; one
registration's page; adding a registration by hand; raising the capacity."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import render_error
from ..extensions import db
from ..models import (
    Account,
    AccountRole,
    Attendance,
    Event,
    Message,
    Registration,
    RegistrationStatus,
    Series,
)
from ..registration.standard_fields import form_class
from ..services import fields, regions
from ..services.attendance import badges
from ..services.attendance.attendance import AttendanceError
from ..services.registration import audience, questions
from ..services.registration import registrations as service
from ..services.reporting import exports
from . import bp, queries
from . import registration_queries as table
from .access import requires
from .mailouts import action_notice, promotion_notice
from .registrations_forms import (
    ACTION_LABELS,
    AddRegistrationForm,
    BadgesOfListForm,
    CapacityForm,
    EditRegistrationForm,
    RegistrationActionForm,
    SeatOverCapacityForm,
    TableFilterForm,
)

# The query-string names the table understands; nothing else is carried from link to link.
TABLE_ARGS = ("q", "status", "country", "kind", "attended", "sort", "order", "per_page", "page")
# A bulk action lists at most this many of the names it could not change.
REFUSALS_SHOWN = 10


@dataclass(frozen=True)
class Scope:
    """The registrations of one event, or of every event of a series."""

    event: Event | None = None
    series: Series | None = None

    @property
    def target(self) -> Event | Series:
        return self.event or self._series

    @property
    def _series(self) -> Series:
        assert self.series is not None  # a scope without an event is a series'
        return self.series

    @property
    def event_ids(self) -> list[int]:
        return [self.event.id] if self.event else [event.id for event in self._series.events]

    @property
    def zones(self) -> dict:
        events = [self.event] if self.event else self._series.events
        return {event.id: event.zone for event in events}

    def url(self, view: str, **values) -> str:
        if self.event:
            return url_for(f".{view}", event_id=self.event.id, **values)
        return url_for(f".series_{view}", series_id=self._series.id, **values)

    def back_url(self) -> str:
        if self.event:
            return url_for(".event", event_id=self.event.id)
        return url_for(".series", series_id=self._series.id)


def table_args(**changes) -> dict:
    """The current search, filters and order, with some changed (None drops one)."""
    args = {name: request.args[name] for name in TABLE_ARGS if request.args.get(name)}
    args.update(changes)
    return {name: value for name, value in args.items() if value is not None}


def _event_scope(event_id: int) -> Scope:
    return Scope(event=queries.event_or_404(event_id))


def _series_scope(series_id: int) -> Scope:
    return Scope(series=queries.series_or_404(series_id))


# --- the table ------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/registrations")
@requires(AccountRole.VIEWER)
def registrations(event_id: int):
    return _table_page(_event_scope(event_id))


@bp.route("/series/<int:series_id>/registrations")
@requires(AccountRole.VIEWER)
def series_registrations(series_id: int):
    return _table_page(_series_scope(series_id))


def _filters(scope: Scope, asked: list | None = None) -> TableFilterForm:
    """The table's search and filters, from the query string (the actions' too)."""
    countries = table.countries_present(scope.event_ids)
    return TableFilterForm(
        request.args,
        addresses=current_user.sees_contact_details,
        countries=countries,
        answers=questions.filter_choices(
            _scope_questions(scope) if asked is None else asked, str(get_locale())
        ),
    )


def _scope_questions(scope: Scope) -> list:
    """The questions of the table's event (its series' too), or of the series, retired ones too."""
    if scope.event is not None:
        return questions.for_event(scope.event, with_retired=True)
    return questions.owned(scope.target, with_retired=True)


def _table_page(
    scope: Scope,
    action_form: RegistrationActionForm | None = None,
    capacity_form: CapacityForm | None = None,
    status: int = 200,
):
    event_ids = scope.event_ids
    asked = _scope_questions(scope)
    filters = _filters(scope, asked)
    if not filters.validate() and status == 200:
        status = 400  # the page still shows, without the filters that made no sense
    rows = table.page_of(
        event_ids, filters.table_query(), request.args.get("page", 1, type=int), filters.page_size()
    )
    if capacity_form is None:
        capacity_form = CapacityForm(formdata=None, capacity=scope.event.capacity if scope.event else None)
    return render_template(
        "console/registrations/table.html",
        scope=scope,
        filters=filters,
        rows=rows,
        counts=table.status_counts(event_ids),
        action_form=action_form or RegistrationActionForm(formdata=None),
        capacity_form=capacity_form,
        table_args=table_args,
        country_name=regions.country_name,
        shown_value=fields.shown_value,
        answers_of=questions.lines_of(
            questions.readable(asked, current_user.sees_contact_details), str(get_locale())
        ),
        has_questions=bool(asked),
    ), status


# --- actions ----------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/registrations/actions", methods=["POST"])
@requires(AccountRole.ORGANISER)
def registrations_act(event_id: int):
    return _act(_event_scope(event_id))


@bp.route("/series/<int:series_id>/registrations/actions", methods=["POST"])
@requires(AccountRole.ORGANISER)
def series_registrations_act(series_id: int):
    return _act(_series_scope(series_id))


def _act(scope: Scope):
    form = RegistrationActionForm()
    if not form.validate_on_submit():
        return _table_page(scope, action_form=form, status=400)
    if form.return_to.data == "registration" and len(form.ids.data) == 1:
        return _act_on_one(scope, form)
    ids = form.ids.data
    if form.everyone.data:  # every registration the list shows, on all its pages
        filters = _filters(scope)
        if not filters.validate():
            return _table_page(scope, action_form=form, status=400)
        ids = table.ids_of(scope.event_ids, filters.table_query())
    try:
        jobs = audience.start_action(
            form.action.data, ids, scope.event_ids, by=current_user, reason=form.reason.data or ""
        )
    except service.UnknownRegistrations as error:
        form.ids.errors.append(str(error))
        return _table_page(scope, action_form=form, status=400)
    if not jobs:
        return redirect(scope.url("registrations", **table_args()), 303)
    flash(action_notice(jobs), "success")
    # Its progress; an action on a series' registrations has one for each event, the first shown.
    return redirect(url_for(".mailout", mailout_id=jobs[0].id), 303)


def flash_seated(event_id: int, count: int) -> None:
    """How many were seated over capacity, and by how much the event is over it now (read again:
    the service took the seats in a transaction of its own)."""
    event = queries.event_or_404(event_id)
    flash(
        ngettext(
            "%(num)d person seated. Over capacity by %(over)d.",
            "%(num)d people seated. Over capacity by %(over)d.",
            count,
            over=event.over_capacity_by,
        ),
        "success",
    )


@bp.route("/events/<int:event_id>/registrations/seat-over-capacity", methods=["POST"])
@requires(AccountRole.ORGANISER)
def registrations_seat_over_capacity(event_id: int):
    """Protocol: the ticked people confirmed though the event is full, in the request (a few
    people, named one by one), all or none."""
    scope = _event_scope(event_id)
    form = SeatOverCapacityForm()
    if not form.validate_on_submit():
        return _table_page(scope, action_form=form, status=400)
    try:
        seated = service.seat_over_capacity(form.ids.data, event_id, by=current_user)
    except service.UnknownRegistrations as error:
        form.ids.errors.append(str(error))
        return _table_page(scope, action_form=form, status=400)
    except service.CannotSeat as error:
        form.ids.errors.append(str(error))
        return _table_page(scope, action_form=form, status=409)
    flash_seated(event_id, len(seated))
    if form.return_to.data == "registration":
        return redirect(url_for(".registration", registration_id=form.ids.data[0]), 303)
    return redirect(scope.url("registrations", **table_args()), 303)


@bp.route("/events/<int:event_id>/registrations/badges", methods=["POST"])
@requires(AccountRole.ORGANISER)
def registrations_badges(event_id: int):
    """The badges (A4 sheets) of the ticked registrations, or of the whole list as filtered."""
    event = queries.event_or_404(event_id)
    scope = Scope(event=event)
    form = BadgesOfListForm()
    if not form.validate_on_submit():
        return _table_page(scope, action_form=form, status=400)
    ids = form.ids.data
    if form.everyone.data:
        filters = _filters(scope)
        if not filters.validate():
            return _table_page(scope, action_form=form, status=400)
        ids = table.ids_of(scope.event_ids, filters.table_query())
    who, layout = badges.Who.CHOSEN, badges.Layout.A4
    try:
        pdf = badges.print_badges(event, who, layout, by=current_user, chosen=ids)
    except AttendanceError as error:
        flash(str(error), "error")
        return _table_page(scope, action_form=form, status=error.status)
    disposition = f'attachment; filename="{badges.filename(event, who, layout)}"'
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _act_on_one(scope: Scope, form: RegistrationActionForm):
    """One registration, from its own page: done in the request, its outcome told at once."""
    try:
        outcome = service.act_on_many(
            form.action.data, form.ids.data, scope.event_ids, by=current_user, reason=form.reason.data or ""
        )
    except service.UnknownRegistrations as error:
        form.ids.errors.append(str(error))
        return _table_page(scope, action_form=form, status=400)
    _tell(form.action.data, outcome)
    return redirect(url_for(".registration", registration_id=form.ids.data[0]))


def _tell(action: str, outcome: service.BulkOutcome) -> None:
    """Say how many changed and which did not, and why."""
    if outcome.done:
        flash(
            ngettext(
                "%(action)s: done for %(num)d registration.",
                "%(action)s: done for %(num)d registrations.",
                len(outcome.done),
                action=ACTION_LABELS[action],
            ),
            "success",
        )
    if outcome.refused:
        shown = "; ".join(f"{name}: {reason}" for name, reason in outcome.refused[:REFUSALS_SHOWN])
        more = len(outcome.refused) - REFUSALS_SHOWN
        if more > 0:
            shown += " " + ngettext("(and %(num)d more)", "(and %(num)d more)", more)
        flash(
            ngettext(
                "%(num)d registration was not changed. %(details)s",
                "%(num)d registrations were not changed. %(details)s",
                len(outcome.refused),
                details=shown,
            ),
            "error",
        )


@bp.route("/events/<int:event_id>/registrations/capacity", methods=["POST"])
@requires(AccountRole.ORGANISER)
def registrations_capacity(event_id: int):
    scope = _event_scope(event_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        return _table_page(scope, capacity_form=form, status=400)
    try:
        assert scope.event is not None  # an event's scope
        promotion = service.set_capacity(scope.event, form.capacity.data)
    except service.RegistrationError as error:
        form.capacity.errors.append(str(error))
        return _table_page(scope, capacity_form=form, status=409)
    notice = _("The event now has %(capacity)d seats.", capacity=form.capacity.data)
    if promotion is None:
        flash(notice, "success")
        return redirect(scope.url("registrations", **table_args()))
    flash(f"{notice} {promotion_notice(promotion)}", "success")
    return redirect(url_for(".mailout", mailout_id=promotion.id), 303)


# --- exports ----------------------------------------------------------------------------

# Both streamed as the rows are read: {format: (the export, its MIME type)}.
# Each makes the file in chunks: text for CSV, bytes for XLSX.
EXPORTS: dict[str, tuple[Callable[[Event | Series, sa.Select, dict], Iterator[Any]], str]] = {
    "csv": (exports.csv_export, "text/csv"),
    "xlsx": (exports.xlsx_export, exports.XLSX_MIMETYPE),
}


@bp.route("/events/<int:event_id>/registrations.csv", defaults={"fmt": "csv"})
@bp.route("/events/<int:event_id>/registrations.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.ORGANISER)
def registrations_export(event_id: int, fmt: str):
    return _export(_event_scope(event_id), fmt)


@bp.route("/series/<int:series_id>/registrations.csv", defaults={"fmt": "csv"})
@bp.route("/series/<int:series_id>/registrations.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.ORGANISER)
def series_registrations_export(series_id: int, fmt: str):
    return _export(_series_scope(series_id), fmt)


def _export(scope: Scope, fmt: str):
    filters = _filters(scope)
    if not filters.validate():
        # Better no file than one with other rows than the organiser chose.
        return render_error(400, _("The filters of this export are not valid. Go back to the table."))
    query = filters.table_query()
    statement = table.table_select(scope.event_ids, query)
    kind = "series" if scope.series else "event"
    filename = f"registrations-{kind}-{scope.target.id}.{fmt}"
    export, mimetype = EXPORTS[fmt]
    chunks = export(scope.target, statement, query.described())
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- one registration -------------------------------------------------------------------


@bp.route("/registrations/<int:registration_id>", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def registration(registration_id: int):
    registration = db.get_or_404(Registration, registration_id)
    edit_form = form_class(EditRegistrationForm, registration.event.asked_fields, enforce_required=False)
    form = edit_form(obj=registration if request.method == "GET" else None)
    if request.method == "GET":
        form.organisation_kind.data = registration.organisation_kind.value
    status = 200
    if form.validate_on_submit():
        try:
            service.edit_details(
                registration, form.applicant(registration.email), form.version.data, by=current_user
            )
        except service.StaleEdit as error:
            flash(str(error), "error")
            status = 409
        else:
            flash(_("The details of %(name)s are saved.", name=registration.name), "success")
            return redirect(url_for(".registration", registration_id=registration.id))
    elif form.is_submitted():
        status = 400
    return _registration_page(registration, form), status


def _registration_page(registration: Registration, form: EditRegistrationForm):
    position = None
    if registration.status == RegistrationStatus.WAITLISTED:
        position = service.waitlist_position(db.session(), registration)
    attendance = db.session.scalar(
        sa.select(Attendance).where(
            Attendance.event_id == registration.event_id, Attendance.registration_id == registration.id
        )
    )
    messages = db.session.scalars(
        sa.select(Message).where(Message.registration_id == registration.id).order_by(Message.created_dt)
    ).all()
    added_by = db.session.get(Account, registration.added_by_id) if registration.added_by_id else None
    return render_template(
        "console/registrations/registration.html",
        registration=registration,
        event=registration.event,
        form=form,
        position=position,
        attendance=attendance,
        messages=messages,
        added_by=added_by,
        action_form=RegistrationActionForm(formdata=None),
        country_name=regions.country_name,
        # What the event's form asked; gender, diet and accessibility are not a viewer's to read.
        standard_lines=fields.field_lines(
            registration, registration.event.asked_fields, sensitive=current_user.sees_contact_details
        ),
        answers=questions.answer_lines(
            registration, str(get_locale()), with_text=current_user.sees_contact_details
        ),
    )


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@requires(AccountRole.ORGANISER)
def registration_new(event_id: int):
    event = queries.event_or_404(event_id)
    form = form_class(AddRegistrationForm, event.asked_fields, enforce_required=False)()
    status = 200
    if form.validate_on_submit():
        try:
            outcome = service.add_registration(event, form.to_applicant(), by=current_user)
        except service.RegistrationError as error:  # already registered, or the event cancelled
            form.email.errors.append(str(error))
            status = 409
        else:
            assert outcome.registration is not None and outcome.status is not None  # one was added
            flash(
                _(
                    "%(name)s is registered: %(status)s. We have sent them an email.",
                    name=outcome.registration.name,
                    status=outcome.status.title,
                ),
                "success",
            )
            return redirect(url_for(".registrations", event_id=event.id))
    elif form.is_submitted():
        status = 400
    return render_template("console/registrations/new.html", event=event, form=form), status
