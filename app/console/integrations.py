"""The video platforms in the console: an admin sets the programme's credentials (secrets are
never shown again, only "set"); organisers link an event to its meeting from the event's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..models import AccountRole, Platform
from ..registration.forms import options
from ..services.attendance.attendance import AttendanceError
from ..services.attendance.participant_reports import ReportError
from ..services.integrations import attendance_fetch, meetings, registrants, zoom_webhooks
from ..services.integrations import credentials as service
from . import bp
from .access import requires
from .queries import event_or_404


def _secret(label) -> PasswordField:
    # Never filled in again: the form shows whether one is set, and a new one replaces it.
    return PasswordField(label, validators=[Optional(), Length(max=500)], render_kw={"autocomplete": "off"})


def _plain(label) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"})


class CredentialsForm(FlaskForm):
    zoom_account_id = _plain(_l("Zoom account ID"))
    zoom_client_id = _plain(_l("Zoom client ID"))
    zoom_client_secret = _secret(_l("Zoom client secret"))
    graph_tenant_id = _plain(_l("Microsoft Entra tenant ID"))
    graph_client_id = _plain(_l("Microsoft Entra application (client) ID"))
    graph_client_secret = _secret(_l("Microsoft Entra client secret"))
    webex_token = _secret(_l("Webex access token"))
    zoom_webhook_secret = _secret(_l("Zoom webhook secret token"))
    clear_zoom = BooleanField(_l("Remove Zoom's credentials"))
    clear_teams = BooleanField(_l("Remove Microsoft Teams' credentials"))
    clear_webex = BooleanField(_l("Remove Webex's credentials"))
    submit = SubmitField(_l("Save"))

    def changes(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in service.ALL_FIELDS}

    def cleared(self) -> frozenset[str]:
        chosen = [Platform.ZOOM] * bool(self.clear_zoom.data) + [Platform.TEAMS] * bool(self.clear_teams.data)
        chosen += [Platform.WEBEX] * bool(self.clear_webex.data)
        names = [name for platform in chosen for name, _env, _secret in service.FIELDS[platform]]
        return frozenset(names + [service.WEBHOOK_SECRET] * bool(self.clear_zoom.data))


@bp.route("/platforms")
@requires(AccountRole.ADMIN)
def platforms():
    row = service.stored()
    data = {name: getattr(row, name) for name in service.ALL_FIELDS - service.SECRET_FIELDS} if row else {}
    return _platforms_page(CredentialsForm(formdata=None, data=data))


def _platforms_page(form: CredentialsForm, status: int = 200):
    return render_template(
        "console/platforms.html", form=form, shown=service.status(), fields=service.FIELDS, Platform=Platform
    ), status


@bp.route("/platforms", methods=["POST"])
@requires(AccountRole.ADMIN)
def platforms_save():
    form = CredentialsForm()
    if not form.validate_on_submit():
        return _platforms_page(form, 400)
    service.save(form.changes(), clear=form.cleared(), by=current_user)
    flash(_("The platforms' credentials are saved."), "success")
    return redirect(url_for(".platforms"))


# --- an event's meeting ------------------------------------------------------------------------


def meeting_context(event) -> dict:
    """What the event's page shows of its meeting: the link, and how many registrants the
    platform has (counts only: the personal links are the registrants' own)."""
    meeting = meetings.link_of(event)
    if meeting is None:
        return {"meeting": None, "standing": None, "in_room": 0}
    return {
        "meeting": meeting,
        "standing": registrants.standing(meeting),
        "in_room": zoom_webhooks.in_room(meeting),
    }


class MeetingForm(FlaskForm):
    platform = SelectField(_l("Platform"), choices=options(Platform.choices()), validate_choice=True)
    meeting_id = StringField(
        _l("Meeting ID or number"),
        validators=[Optional(), Length(max=200)],
        description=_l("Zoom: the webinar or meeting ID, such as 812 3456 7890."),
    )
    join_url = StringField(
        _l("Join URL"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Microsoft Teams: the join link."),
    )
    submit = SubmitField(_l("Link the meeting"))


@bp.route("/events/<int:event_id>/meeting", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_meeting_link(event_id: int):
    event = event_or_404(event_id)
    form = MeetingForm()
    if not form.validate_on_submit():
        return _back_with_problem(event_id, "; ".join(e for errors in form.errors.values() for e in errors))
    try:
        meetings.link(
            event,
            Platform(form.platform.data),
            meeting_id=form.meeting_id.data or "",
            join_url=form.join_url.data or "",
            by=current_user,
        )
    except meetings.MeetingError as error:
        return _back_with_problem(event_id, str(error))
    flash(_("The event is linked to its meeting."), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor="meeting"))


class ZoomCreateForm(FlaskForm):
    kind = SelectField(
        _l("Create on Zoom"),
        choices=options([("webinar", _l("a webinar")), ("meeting", _l("a meeting"))]),
        validate_choice=True,
        description=_l(
            "Titled with the series and the event's title, at the event's time in its time zone, "
            "with registration approved automatically: each registrant gets their own join link."
        ),
    )
    submit = SubmitField(_l("Create and link"))


@bp.route("/events/<int:event_id>/meeting/create", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_meeting_create(event_id: int):
    event = event_or_404(event_id)
    form = ZoomCreateForm()
    if not form.validate_on_submit():
        return _back_with_problem(event_id, "; ".join(e for errors in form.errors.values() for e in errors))
    try:
        meetings.create_on_zoom(event, form.kind.data, by=current_user)
    except meetings.MeetingError as error:
        return _back_with_problem(event_id, str(error))
    flash(_("The Zoom webinar or meeting is created and linked."), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor="meeting"))


@bp.route("/events/<int:event_id>/meeting/zoom-update", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_meeting_zoom_update(event_id: int):
    """Give Zoom the event's title and times as they are now."""
    try:
        meetings.update_on_zoom(event_or_404(event_id), by=current_user)
    except meetings.MeetingError as error:
        return _back_with_problem(event_id, str(error))
    flash(_("Zoom has the event's title and times."), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor="meeting"))


@bp.route("/events/<int:event_id>/meeting/unlink", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_meeting_unlink(event_id: int):
    meetings.unlink(event_or_404(event_id), by=current_user)
    flash(_("The meeting is unlinked."), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor="meeting"))


@bp.route("/events/<int:event_id>/meeting/fetch", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_meeting_fetch(event_id: int):
    """Fetch the participant report now: its import preview opens, as for an uploaded file."""
    event = event_or_404(event_id)
    try:
        fetched = attendance_fetch.fetch_report(event, by=current_user)
    except (meetings.MeetingError, AttendanceError, ReportError) as error:
        return _back_with_problem(event_id, str(error))
    if not fetched.changed:
        flash(_("The report is the same as the one fetched before: its preview is kept."), "info")
    return redirect(url_for("attendance.import_page", event_id=event_id, import_id=fetched.imported.id))


def _back_with_problem(event_id: int, problem: str):
    from .programme import event_page_with_problem  # the event's page imports this module's form

    return event_page_with_problem(event_id, problem, 400)
