from __future__ import annotations

import time

from email_validator import EmailNotValidError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from .. import rate_limits
from ..errors import TITLES, render_error
from ..extensions import db, limiter
from ..models import Document, Event, RegistrationStatus
from ..public.queries import (
    document_response,
    open_events,
    published_event_or_404,
    published_series_or_404,
)
from ..services.join_links import join_url_for
from ..services.links import delegate_for_token, manage_token, registration_for_token
from ..services.mail.calendar import registration_calendar
from ..services.privacy import personal_data
from ..services.registration import questions, visa_letters
from ..services.registration import registrations as service
from . import bp
from .form_pages import event_questions, outcomes_page, registration_page, render_form_page
from .forms import (
    CancelForm,
    EraseForm,
    LanguageForAllForm,
    LinkRequestForm,
    ManageForm,
    MyRegistrationsRequestForm,
    RegistrationForm,
    SeriesRegistrationForm,
    normalise_email,
)
from .standard_fields import asked_by_any, asked_fields_of, form_class
from .visa_letters import PassportForm, passport_section

OUTCOME_KEY = "registration_outcomes"
# The registrations this browser just confirmed, by event: the result page's calendar file. The
# session is the signed cookie of the browser that sent the form, so the file goes to nobody else;
# kept a day, for the last few events.
CALENDARS_KEY = "registration_calendars"
CALENDARS_KEPT_SECONDS = 24 * 3600
CALENDARS_KEPT = 10


def _configured(name: str):
    """The limit named in the configuration; "off" or empty gives none."""

    def limit() -> str:
        value = (current_app.config.get(name) or "").strip()
        return "" if value.lower() in ("off", "0") else value

    return limit


def _submitted_email() -> str:
    raw = request.form.get("email", "")[:254]
    try:
        email = normalise_email(raw)
    except EmailNotValidError:  # a string the validator refuses still counts against itself
        email = raw
    return "registration-email:" + rate_limits.per_client_and(email)


# Per client address, every submission. Per email address sent from one client address, only
# those that emailed someone (a confirmation, the "already registered" notice): a person
# correcting a typo is not locked out, and whoever posts someone else's address uses up their
# own count, never the count of that address's owner registering from elsewhere. How much mail
# one address can receive whoever asks: services/registration/registrations.py (LINK_EMAILS_PER_HOUR).
registration_limits = [
    limiter.limit(_configured("REGISTRATION_RATE_LIMIT"), methods=["POST"]),
    limiter.limit(
        _configured("REGISTRATION_EMAIL_RATE_LIMIT"),
        methods=["POST"],
        key_func=_submitted_email,
        deduct_when=rate_limits.emails_were_sent,
    ),
]
manage_limit = limiter.shared_limit(_configured("MANAGE_RATE_LIMIT"), scope="manage-link")
# Requests for links by email (to each registration, to the list of them), per client address,
# every submission, one count for both forms.
link_request_limit = limiter.shared_limit(
    _configured("LINK_REQUEST_RATE_LIMIT"), scope="link-request", methods=["POST"]
)


def _rate_limited(view):
    for limit in registration_limits:
        view = limit(view)
    return view


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@_rate_limited
def register(event_id: int):
    if request.method in ("GET", "HEAD"):
        return _form_page(event_id, registration_page)
    # The event is read once, locked, by the service: before it, only what its form asks (the
    # standard fields and the organisers' questions).
    form = form_class(RegistrationForm, asked_fields_of(event_id))(questions=event_questions(event_id))
    if not form.validate_on_submit():
        return _form_page(event_id, lambda event: (render_form_page(event, form), 400))
    try:
        outcome = service.register_for_published(event_id, form.to_applicant())
    except service.UnknownEvent:
        abort(404)
    except service.EventNotOpen as closed:
        return _closed(closed.event)
    except questions.InvalidAnswers:  # the questions changed between the check and the lock
        return _form_page(event_id, lambda event: (render_form_page(event, form), 409))
    return _show_outcomes([outcome])


def _form_page(event_id: int, page):
    event = published_event_or_404(event_id, with_programme=False)  # the form shows no agenda
    if not event.registration_window().accepts_registrations:
        return _closed(event)
    return page(event)


@bp.route("/series/<int:series_id>/register", methods=["GET", "POST"])
@_rate_limited
def register_series(series_id: int):
    series = published_series_or_404(series_id)
    choices = open_events(series)
    form = form_class(SeriesRegistrationForm, asked_by_any([event.asked_fields for event in choices]))(
        questions=questions.owned(series)
    )
    form.offer(choices, questions.own_of_events(choices))
    if request.method == "GET":  # ticked in advance: only where a seat is the delegate's at once
        form.events.data = [e.id for e in choices if not e.is_full and not e.requires_approval]
    if choices and form.validate_on_submit():
        chosen = [e for e in choices if e.id in form.events.data]
        try:
            outcomes = service.register_for_series(series, chosen, form.to_applicant())
        except questions.InvalidAnswers:  # the questions changed between the check and the lock
            flash(
                _(
                    "The questions of this form have just changed. Nothing was registered; "
                    "please check your answers."
                ),
                "error",
            )
            return redirect(url_for(".register_series", series_id=series.id))
        except service.EventNotOpen as error:  # closed between the page and the click
            flash(
                _(
                    "Registration for “%(title)s” has just closed. Nothing was registered; "
                    "please choose again.",
                    title=error.event.title,
                ),
                "error",
            )
            return redirect(url_for(".register_series", series_id=series.id))
        return _show_outcomes(outcomes)
    # With nothing open, the series refuses any submission (409); otherwise the form was wrong (400).
    status = (409 if not choices else 400) if form.is_submitted() else 200
    return render_template(
        "registration/register_series.html", series=series, open_events=choices, form=form
    ), status


def _closed(event: Event):
    """A polite refusal; a refused submission is a conflict with the event's state."""
    status = 409 if request.method == "POST" else 200
    return render_template(
        "registration/closed.html", event=event, window=event.registration_window()
    ), status


def _show_outcomes(outcomes: list[service.Outcome]):
    """Post/Redirect/Get: the result page reads what happened from the session."""
    rate_limits.note_emails_sent(outcomes)
    session[OUTCOME_KEY] = [
        {
            "event_id": outcome.event_id,
            "status": outcome.status.value if outcome.status else None,
            "position": outcome.waitlist_position,
        }
        for outcome in outcomes
    ]
    _keep_calendars(outcomes)
    return redirect(url_for(".done"))


def _keep_calendars(outcomes: list[service.Outcome]) -> None:
    now = time.time()
    kept = {
        event_id: entry
        for event_id, entry in session.get(CALENDARS_KEY, {}).items()
        if now - entry[1] < CALENDARS_KEPT_SECONDS
    }
    for outcome in outcomes:
        if outcome.status == RegistrationStatus.CONFIRMED and outcome.registration_id is not None:
            kept.pop(str(outcome.event_id), None)
            kept[str(outcome.event_id)] = [outcome.registration_id, now]
    if kept or CALENDARS_KEY in session:
        session[CALENDARS_KEY] = dict(list(kept.items())[-CALENDARS_KEPT:])


@bp.route("/registrations/done/events/<int:event_id>/calendar.ics")
def done_calendar(event_id: int):
    """The result page's calendar file: the invitation of the registration this browser has just
    confirmed for the event (the same entry as the email's), or 404."""
    entry = session.get(CALENDARS_KEY, {}).get(str(event_id))
    if not entry or time.time() - entry[1] >= CALENDARS_KEPT_SECONDS:
        abort(404)
    registration = service.confirmed_registration(entry[0], event_id)
    if registration is None:
        abort(404)
    return _calendar_file(registration)


@bp.route("/registrations/done")
def done():
    stored = session.pop(OUTCOME_KEY, None)
    if not stored:
        return redirect(url_for("public.home"))
    return outcomes_page(stored)


class InvalidLink(NotFound):
    """A manage link that names no registration: forged, replaced, or its data no longer kept."""


def _registration_or_404(token: str):
    registration = registration_for_token(token)
    if registration is None:
        raise InvalidLink()
    return registration


@bp.errorhandler(InvalidLink)
def invalid_link(_error):
    """The error page, and the way to a link that works: the person's own address."""
    return render_template(
        "registration/invalid_link.html",
        code=404,
        title=TITLES[404],
        explanation=_(
            "This link is not valid. It may have been mistyped, or replaced by a newer one in a later email."
        ),
    ), 404


@bp.route("/registrations/manage/resend", methods=["GET", "POST"])
@link_request_limit
def request_links():
    """An address-only form: the links to its registrations go to that address, if any. The answer
    is the same whatever the address, so that nobody learns who registered."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        service.send_manage_links(form.email.data)
        return redirect(url_for(".links_requested"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("registration/request_links.html", form=form), status


@bp.route("/registrations/manage/resend/sent")
def links_requested():
    return render_template("registration/links_requested.html")


@bp.route("/registrations/mine", methods=["GET", "POST"])
@link_request_limit
def request_my_registrations():
    """An address-only form: one link to the list of its registrations goes to that address, if
    any. The same answer whatever the address, as for the links (`request_links`)."""
    form = MyRegistrationsRequestForm()
    if form.validate_on_submit():
        service.send_my_registrations_link(form.email.data)
        return redirect(url_for(".links_requested"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("registration/request_my_registrations.html", form=form), status


@bp.route("/registrations/mine/<token>", methods=["GET", "POST"])
@manage_limit
def my_registrations(token: str):
    """A person's registrations, each with its own link, and the language of all of them."""
    delegate = delegate_for_token(token)
    if delegate is None:
        raise InvalidLink()
    form = LanguageForAllForm()
    if form.validate_on_submit():
        service.change_language_of_all(delegate, form.language.data)
        flash(_("The language of all your registrations has been changed."), "success")
        return redirect(url_for(".my_registrations", token=token), 303)
    registrations = service.registrations_of(delegate)
    if not form.is_submitted():
        form.language.data = registrations[0].language if registrations else delegate.language
    listed = [(registration, manage_token(registration)) for registration in registrations]
    return render_template("registration/my_registrations.html", listed=listed, form=form), (
        400 if form.is_submitted() else 200
    )


@bp.route("/registrations/manage/<token>", methods=["GET", "POST"])
@manage_limit
def manage(token: str):
    registration = _registration_or_404(token)
    form = _manage_form(registration, shown=request.method == "GET")
    if not registration.is_active:
        # A cancelled or rejected registration is shown, not changed.
        return _manage_page(registration, form, token), 409 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            service.update_details(registration, form.applicant(registration.email), with_answers=True)
        except questions.InvalidAnswers:  # the questions changed between the check and the save
            form.form_errors.append(
                _(
                    "The questions of this form have just changed. Nothing was saved; "
                    "please check your answers."
                )
            )
            return _manage_page(registration, form, token), 409
        flash(_("Your details have been saved."), "success")
        return redirect(url_for(".manage", token=token))
    return _manage_page(registration, form, token), 400 if form.is_submitted() else 200


def _manage_form(registration, *, shown: bool) -> ManageForm:
    """The manage page's form: what the registration holds when `shown`, else what was posted."""
    # Shown again after another form of the page was posted (the passport's): not from that post.
    posted_elsewhere = {"formdata": None} if shown and request.method == "POST" else {}
    form = form_class(ManageForm, registration.event.asked_fields)(
        obj=registration if shown else None,
        questions=questions.for_event(registration.event),
        answers=registration.answers if shown else None,
        **posted_elsewhere,
    )
    if shown:
        form.organisation_kind.data = registration.organisation_kind.value
    return form


def _manage_page(registration, form, token, passport_form=None):
    position = None
    if registration.status == RegistrationStatus.WAITLISTED:
        position = service.waitlist_position(db.session, registration)
    return render_template(
        "registration/manage.html",
        registration=registration,
        event=registration.event,
        form=form,
        token=token,
        position=position,
        join_link=join_url_for(registration),
        cancel_form=CancelForm(),
        retired_answers=questions.retired_lines(registration, str(get_locale())),
        visa=passport_section(registration, passport_form),
    )


@bp.route("/registrations/manage/<token>/visa-letter", methods=["POST"])
@manage_limit
def visa_passport(token: str):
    """The passport details for a visa support letter: only where the event asks the visa
    question, the person said yes, and the registration is still active."""
    registration = _registration_or_404(token)
    if not (registration.is_active and visa_letters.asks_for_letter(registration)):
        abort(404)
    passport = PassportForm()
    if passport.validate_on_submit():
        visa_letters.give_passport(registration, passport.passport())
        flash(_("Your passport details have been saved. The organisers will send your letter."), "success")
        return redirect(url_for(".manage", token=token), 303)
    return _manage_page(registration, _manage_form(registration, shown=True), token, passport), 400


@bp.route("/registrations/manage/<token>/visa-letter.pdf")
@manage_limit
def visa_letter_pdf(token: str):
    """The approved letter, for its owner."""
    registration = _registration_or_404(token)
    letter = visa_letters.downloadable(registration)
    if letter is None:
        abort(404)
    return (
        visa_letters.letter_pdf(letter),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{visa_letters.FILENAME}"',
        },
    )


@bp.route("/registrations/manage/<token>/my-data.json")
@manage_limit
def my_data(token: str):
    """Everything held about the person, across all their registrations, as a download."""
    registration = _registration_or_404(token)
    data = personal_data.export_delegate(registration.delegate)
    return (
        personal_data.export_json(data),
        200,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{personal_data.export_filename()}"',
        },
    )


@bp.route("/registrations/manage/<token>/erase", methods=["GET", "POST"])
@manage_limit
def erase(token: str):
    registration = _registration_or_404(token)
    form = EraseForm()
    if form.validate_on_submit():
        personal_data.erase_delegate(registration.delegate)
        return redirect(url_for(".erased"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "registration/erase.html", registration=registration, event=registration.event, form=form, token=token
    ), status


@bp.route("/registrations/erased")
def erased():
    return render_template("registration/erased.html")


@bp.route("/registrations/manage/<token>/cancel", methods=["GET", "POST"])
@manage_limit
def cancel(token: str):
    registration = _registration_or_404(token)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel(registration)
        except service.NotCancellable:
            return render_error(
                409, _("This registration can no longer be cancelled. The event has started.")
            )
        flash(_("Your registration has been cancelled. We have sent you a confirmation."), "success")
        return redirect(url_for(".manage", token=token))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "registration/cancel.html",
        registration=registration,
        event=registration.event,
        form=form,
        token=token,
    ), status


@bp.route("/registrations/manage/<token>/calendar.ics")
@manage_limit
def calendar(token: str):
    registration = _registration_or_404(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return _calendar_file(registration)


def _calendar_file(registration):
    return (
        registration_calendar(registration),
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="event-{registration.event_id}.ics"',
        },
    )


@bp.route("/registrations/manage/<token>/documents/<int:document_id>")
@manage_limit
def document(token: str, document_id: int):
    """Documents for registrants only, reached from the manage page."""
    registration = _registration_or_404(token)
    document = db.session.get(Document, document_id)
    event = registration.event
    if (
        document is None
        or registration.status != RegistrationStatus.CONFIRMED
        or not (document.event_id == event.id or (event.series_id and document.series_id == event.series_id))
    ):
        abort(404)
    return document_response(document)


@bp.after_request
def private_pages(response):
    # A manage link is a password: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
