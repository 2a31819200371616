"""A focal point's page (issue 21): from their personal link, no account, their delegation's
nominees for an event; they add some up to the quota and replace one until nominations close."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import Event, NomineeRole
from ..services.programme import nominations as service
from . import bp
from .form_pages import event_questions, render_form_page
from .forms import (
    PublicForm,
    RegistrationForm,
    email_field,
    language_choices,
    options,
    plain_text,
    strip,
)
from .routes import manage_limit, register
from .standard_fields import form_class


class NomineeForm(PublicForm):
    name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200), plain_text],
        render_kw={"maxlength": 200},
    )
    email = email_field()
    role = SelectField(_l("Role in the delegation"), default=NomineeRole.MEMBER.value)
    # The nominee's email, and the form it opens, in this language; at first the one the
    # focal point reads the page in.
    language = SelectField(
        _l("Preferred language for our messages"), default=lambda: str(get_locale()), validate_choice=True
    )
    submit = SubmitField(_l("Nominate"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options(NomineeRole.choices())
        self.language.choices = language_choices()

    def nominee(self) -> service.Nominee:
        return service.Nominee(
            name=self.name.data,
            email=self.email.data,
            role=NomineeRole(self.role.data),
            language=self.language.data,
        )


def _page(token: str, invitation: service.Invitation, form: NomineeForm, status: int = 200):
    return render_template(
        "registration/nominate.html",
        token=token,
        invitation=invitation,
        event=invitation.event,
        nominees=service.nominees(invitation),
        is_open=service.is_open(invitation.event),
        closes_dt=service.closes_dt(invitation.event),
        form=form,
    ), status


def _refused(error: service.NominationError):
    return render_template("registration/nominate_refused.html", message=str(error)), error.status


@bp.route("/nominate/<token>", methods=["GET", "POST"])
@manage_limit
def nominate(token: str):
    try:
        invitation = service.invitation_for(token)
    except service.LinkNotValid as error:
        return _refused(error)
    form = NomineeForm()
    if not form.is_submitted():
        return _page(token, invitation, form)
    if not form.validate():
        return _page(token, invitation, form, 400)
    try:
        service.nominate(invitation, form.nominee())
    except service.NominationError as error:
        form.form_errors.append(str(error))
        return _page(token, invitation, form, error.status)
    flash(_("%(name)s is nominated.", name=form.name.data), "success")
    return redirect(url_for(".nominate", token=token), 303)


@bp.route("/nominate/<token>/replace/<int:nomination_id>", methods=["POST"])
@manage_limit
def nomination_replace(token: str, nomination_id: int):
    try:
        invitation = service.invitation_for(token)
    except service.LinkNotValid as error:
        return _refused(error)
    form = NomineeForm()
    if not form.validate():
        return _page(token, invitation, form, 400)
    try:
        service.replace(invitation, nomination_id, form.nominee())
    except service.NominationError as error:
        form.form_errors.append(str(error))
        return _page(token, invitation, form, error.status)
    flash(_("%(name)s replaces the nominee.", name=form.name.data), "success")
    return redirect(url_for(".nominate", token=token), 303)


@bp.route("/nominee/<token>", methods=["GET", "POST"])
@manage_limit
def nominee_register(token: str):
    """A nominee's own registration: the event's form, pre-filled from their nomination (name,
    email, representing, head of delegation); sent, it is the event's registration as any."""
    try:
        nomination = service.nomination_for(token)
    except service.LinkNotValid as error:
        return _refused(error)
    if request.method == "POST":
        return register(nomination.event_id)
    event = db.get_or_404(Event, nomination.event_id)
    if not event.is_published or not event.registration_window().accepts_registrations:
        return register(nomination.event_id)  # its own answer: not found, or closed
    form = form_class(RegistrationForm, event.asked_fields)(
        formdata=None, questions=event_questions(event.id), data=_prefilled(nomination)
    )
    return render_form_page(event, form)


def _prefilled(nomination) -> dict:
    given, _sep, family = nomination.name.partition(" ")
    return {
        "email": nomination.email,
        "name": nomination.name,
        "given_name": given,
        "family_name": family,
        "representing_country": nomination.country,
        "representing_organisation": nomination.organisation,
        "head_of_delegation": nomination.role == NomineeRole.HEAD,
        **({"language": nomination.language} if nomination.language else {}),
    }
