"""Webhooks in the console: organisers add the URLs of other systems, see every delivery
with the receiver's answer, send a test, disable or delete. The secret is shown to them,
since the receiving system needs it to check signatures; viewers see none of this."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..extensions import db
from ..models import AccountRole, Series, Webhook
from ..registration.forms import MultiCheckboxField, options
from ..services.webhooks import webhooks as service
from . import bp
from .access import requires
from .forms import ConfirmForm


class WebhookForm(FlaskForm):
    url = StringField(
        _l("URL that receives the notifications"),
        validators=[DataRequired(), Length(max=service.URL_MAX)],
        description=_l("https:// recommended. Private and internal addresses are refused."),
        render_kw={"maxlength": service.URL_MAX, "placeholder": "https://example.org/plenary-webhook"},
    )
    event_types = MultiCheckboxField(
        _l("Notify when"), choices=options(service.EVENT_TYPES.items()), validate_choice=True
    )
    series = SelectField(_l("Events of"), validate_choice=True)
    submit = SubmitField(_l("Add the webhook"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("every series and event"))]
        all_series = db.session.scalars(sa.select(Series).order_by(Series.title)).all()
        self.series.choices = options(everything + [(str(s.id), s.title) for s in all_series])

    def validate_url(self, field) -> None:
        try:
            service.check_url(field.data)
        except service.UnsafeURL as error:
            raise ValidationError(str(error)) from None

    def validate_event_types(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one event type."))

    def chosen_series(self) -> Series | None:
        return db.session.get(Series, int(self.series.data)) if self.series.data else None


def _webhook_or_404(webhook_id: int) -> Webhook:
    return db.get_or_404(Webhook, webhook_id)


@bp.route("/webhooks")
@requires(AccountRole.ORGANISER)
def webhooks():
    return _list_page(WebhookForm(formdata=None))


def _list_page(form: WebhookForm, status: int = 200):
    hooks = db.session.scalars(
        sa.select(Webhook).options(selectinload(Webhook.series)).order_by(Webhook.id)
    ).all()
    return render_template(
        "console/webhooks/index.html", webhooks=hooks, form=form, event_types=service.EVENT_TYPES
    ), status


@bp.route("/webhooks", methods=["POST"])
@requires(AccountRole.ORGANISER)
def webhook_add():
    form = WebhookForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        webhook = service.create(form.url.data, form.event_types.data, form.chosen_series(), by=current_user)
    except service.WebhookError as error:  # the host's address changed since the form's check
        form.url.errors.append(str(error))
        return _list_page(form, 400)
    flash(_("The webhook was added. Give its secret to the receiving system."), "success")
    return redirect(url_for(".webhook", webhook_id=webhook.id))


@bp.route("/webhooks/<int:webhook_id>")
@requires(AccountRole.ORGANISER)
def webhook(webhook_id: int):
    return _webhook_page(_webhook_or_404(webhook_id))


def _webhook_page(hook: Webhook, status: int = 200, problem: str | None = None):
    return render_template(
        "console/webhooks/webhook.html",
        webhook=hook,
        deliveries=service.deliveries(hook),
        event_types=service.EVENT_TYPES,
        confirm_form=ConfirmForm(),
        problem=problem,
        # Answers stored before they were cut on arrival are shown as the new ones are.
        excerpt=lambda text: service.one_line(text, service.RESPONSE_EXCERPT),
    ), status


def _act(webhook_id: int, act, message: str):
    """A button of the webhook's page (CSRF is checked for every POST by CSRFProtect)."""
    hook = _webhook_or_404(webhook_id)
    try:
        act(hook)
    except service.WebhookError as error:
        return _webhook_page(hook, 409, str(error))
    flash(message, "success")
    return redirect(url_for(".webhook", webhook_id=hook.id))


@bp.route("/webhooks/<int:webhook_id>/disable", methods=["POST"])
@requires(AccountRole.ORGANISER)
def webhook_disable(webhook_id: int):
    return _act(
        webhook_id,
        lambda hook: service.set_active(hook, False, by=current_user),
        _("The webhook is disabled."),
    )


@bp.route("/webhooks/<int:webhook_id>/enable", methods=["POST"])
@requires(AccountRole.ORGANISER)
def webhook_enable(webhook_id: int):
    return _act(
        webhook_id, lambda hook: service.set_active(hook, True, by=current_user), _("The webhook is enabled.")
    )


@bp.route("/webhooks/<int:webhook_id>/ping", methods=["POST"])
@requires(AccountRole.ORGANISER)
def webhook_ping(webhook_id: int):
    return _act(
        webhook_id,
        lambda hook: service.ping(hook, by=current_user),
        _("A test was sent. Its delivery is listed below; reload the page if it still says waiting."),
    )


@bp.route("/webhooks/<int:webhook_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def webhook_delete(webhook_id: int):
    service.delete(_webhook_or_404(webhook_id), by=current_user)
    flash(_("The webhook and its deliveries were deleted."), "success")
    return redirect(url_for(".webhooks"))
