"""An event's nominations (issue 21): organisers set a quota per delegation and a deadline,
then invite every focal point on record to nominate their delegation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..models import AccountRole
from ..services.programme import nominations as service
from ..services.programme.programme import ProgrammeError, local_instant
from ..services.registration.registrations import CannotSeat
from . import bp, queries
from .access import requires
from .forms import ConfirmForm
from .programme import _event_page
from .programme_forms import NominationSettingsForm
from .registrations import flash_seated


def _back(event_id: int):
    return redirect(url_for(".event", event_id=event_id) + "#nominations", 303)


@bp.route("/events/<int:event_id>/nominations", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_nominations(event_id: int):
    event = queries.event_or_404(event_id)
    form = NominationSettingsForm()
    if not form.validate_on_submit():
        return _event_page(event, 400, nominations_form=form)
    try:
        closes = local_instant(form.closes.data, event.timezone, "closes") if form.closes.data else None
    except ProgrammeError as error:
        form.closes.errors = [*form.closes.errors, str(error)]
        return _event_page(event, 400, nominations_form=form)
    service.set_nominations(event, form.quota.data, closes, by=current_user)
    flash(_("The nominations are saved."), "success")
    return _back(event_id)


@bp.route("/events/<int:event_id>/nominations/invite", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_nominations_invite(event_id: int):
    event = queries.event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        return _event_page(event, 400, problem=_("The form had expired. Please send it again."))
    try:
        sent = service.invite_focal_points(event, by=current_user)
    except service.NominationError as error:
        return _event_page(event, error.status, problem=str(error))
    flash(ngettext("%(num)d focal point invited.", "%(num)d focal points invited.", sent), "success")
    return _back(event_id)


@bp.route("/events/<int:event_id>/delegations")
@requires(AccountRole.VIEWER)
def event_delegations(event_id: int):
    """Per delegation: nominated, registered, approved; organisers approve a delegation at once."""
    return _delegations_page(queries.event_or_404(event_id))


def _delegations_page(event, status: int = 200, problem: str | None = None):
    return render_template(
        "console/programme/delegations.html",
        event=event,
        delegations=service.delegations_of(event),
        confirm_form=ConfirmForm(),
        problem=problem,
    ), status


@bp.route("/events/<int:event_id>/delegations/approve", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_delegation_approve(event_id: int):
    event = queries.event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        return _delegations_page(event, 400, _("The form had expired. Please send it again."))
    key = request.args.get("delegation", "")
    try:
        outcome = service.approve_delegation(event, key, by=current_user)
    except service.NominationError as error:
        return _delegations_page(event, error.status, str(error))
    flash(
        ngettext("%(num)d registration approved.", "%(num)d registrations approved.", len(outcome.done)),
        "success",
    )
    if outcome.refused:
        flash("; ".join(f"{name}: {reason}" for name, reason in outcome.refused), "error")
    return redirect(url_for(".event_delegations", event_id=event_id), 303)


@bp.route("/events/<int:event_id>/delegations/seat-over-capacity", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_delegation_seat_over_capacity(event_id: int):
    event = queries.event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        return _delegations_page(event, 400, _("The form had expired. Please send it again."))
    try:
        seated = service.seat_delegation_over_capacity(
            event, request.args.get("delegation", ""), by=current_user
        )
    except service.NominationError as error:
        return _delegations_page(event, error.status, str(error))
    except CannotSeat as error:
        return _delegations_page(event, 409, str(error))
    flash_seated(event_id, len(seated))
    return redirect(url_for(".event_delegations", event_id=event_id), 303)
