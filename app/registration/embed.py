"""The registration form made to be shown in an iframe on another organisation's website.

Same form fields, same validation, same service and the same neutral answer as the
site's own form; what differs is how the request is protected, because a page inside a
cross-site iframe gets no session: the session cookie is SameSite=Lax, which browsers
neither send nor accept in a third-party frame.

So these views never read or write the session, and the form carries its own token
instead of Flask-WTF's session-bound one: a value signed with SECRET_KEY, bound to the
event's id and valid for EMBED_TOKEN_MAX_AGE seconds. That is enough here because the
form acts on no ambient authority (no cookie, no sign-in): what a forged cross-site
submission could do, anyone can do by filling in the form themselves, and every
registration is confirmed by email to the address registered. The token still makes
every submission come from a form this site rendered for this event, recently, and is
refused (400) when forged, expired or copied from another event's form.

The answer page follows Post/Redirect/Get with the outcome in a signed, short-lived
query value (the event, the status and the waiting-list position: nothing personal),
since there is no session to carry it.
"""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import NotFound
from wtforms import HiddenField

from .. import rate_limits
from ..extensions import csrf, db
from ..models import Event, RegistrationStatus
from ..public.queries import published_event_or_404
from ..services.registration import questions
from ..services.registration import registrations as service
from . import bp
from .forms import RegistrationForm
from .routes import _rate_limited
from .standard_fields import form_class

FORM_SALT = "plenary.embed-form"
OUTCOME_SALT = "plenary.embed-outcome"
# How long the answer page's link shows the outcome.
OUTCOME_MAX_AGE = 3600
EXPIRED = _l(
    "This form has expired or did not come from this site. Please reload the page and fill it in again."
)


class EmbedRegistrationForm(RegistrationForm):
    """The site's registration form, with a signed event-bound token instead of the session's."""

    class Meta:
        csrf = False

    embed_token = HiddenField()

    def stamp_binding(self) -> str:
        # No session in a third-party frame: the stamp is the embedded form's, and is still
        # good for one registration only.
        return "embed"


def _signer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def form_token(event: Event) -> str:
    return _signer(FORM_SALT).dumps(event.id)


def valid_form_token(token: str | None, event: Event) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        event_id = _signer(FORM_SALT).loads(token, max_age=current_app.config["EMBED_TOKEN_MAX_AGE"])
    except BadData:
        return False
    return event_id == event.id


def _refuse(code: int, explanation: str):
    return render_template("registration/embed_error.html", code=code, explanation=explanation), code


@bp.route("/embed/events/<int:event_id>/register", methods=["GET", "POST"])
@csrf.exempt  # protected by the form's own signed token: see the module's docstring
@_rate_limited  # the same limits as the site's own form
def embed_register(event_id: int):
    g.embeddable = True
    try:
        event = published_event_or_404(event_id, with_programme=False)
    except NotFound:
        return _refuse(404, _("This event does not exist or is not published."))
    window = event.registration_window()
    if not window.accepts_registrations:
        status = 409 if request.method == "POST" else 200
        return render_template("registration/embed.html", event=event, window=window, form=None), status
    form = form_class(EmbedRegistrationForm, event.asked_fields)(questions=questions.for_event(event))
    if form.is_submitted() and not valid_form_token(form.embed_token.data, event):
        return _refuse(400, str(EXPIRED))
    if form.validate_on_submit():
        try:
            outcome = service.register(event, form.to_applicant())
        except (service.EventNotOpen, questions.InvalidAnswers):  # changed since the check
            return redirect(url_for(".embed_register", event_id=event.id))
        rate_limits.note_emails_sent([outcome])  # counted by the per-email rate limit
        return redirect(url_for(".embed_done", outcome=_outcome_token(outcome)))
    form.embed_token.data = form_token(event)
    status = 400 if form.is_submitted() else 200
    return render_template("registration/embed.html", event=event, window=window, form=form), status


def _outcome_token(outcome: service.Outcome) -> str:
    status = outcome.status.value if outcome.status else None
    return _signer(OUTCOME_SALT).dumps([outcome.event_id, status, outcome.waitlist_position])


@bp.route("/embed/registrations/done")
def embed_done():
    g.embeddable = True
    try:
        event_id, status, position = _signer(OUTCOME_SALT).loads(
            request.args.get("outcome", "")[:300], max_age=OUTCOME_MAX_AGE
        )
        status = RegistrationStatus(status) if status else None
    except (BadData, TypeError, ValueError):
        return _refuse(400, _("This page has expired. Your registration, if sent, is confirmed by email."))
    event = db.session.get(Event, event_id)
    if event is None:
        return _refuse(404, _("This event does not exist or is not published."))
    return render_template("registration/embed_done.html", event=event, status=status, position=position)
