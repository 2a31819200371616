"""Registering over the API, with the web form's rules and its answers: the status of a new
registration, and for an address already registered the neutral answer (its owner gets an
email with the manage link; nothing else changes)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint

from .. import rate_limits
from ..models import RegistrationStatus, StandardField
from ..public.queries import open_events, published_event_or_404, published_series_or_404
from ..services import fields
from ..services.registration import questions
from ..services.registration import registrations as service
from . import limits
from .errors import problem_abort
from .events import EVENT_ID
from .schemas import RegistrationAnswerSchema, RegistrationSchema, SeriesRegistrationSchema
from .series import SERIES_ID

bp = Blueprint(
    "api_registrations",
    __name__,
    url_prefix="/api/v1",
    description="Registering a delegate for an event, or for several events of a series",
)


RESPONSES = {"description": "The registration was received: one outcome per event"}


@bp.post(EVENT_ID + "/registrations")
@limits.registrations_per_address
@limits.registrations_per_email
@bp.arguments(RegistrationSchema)
@bp.response(202, RegistrationAnswerSchema, **RESPONSES)
@bp.alt_response(409, response="CONFLICT", description="Registration is not open for this event")
def register_for_event(data: dict, event_id: int):
    """Register a delegate for an event

    The answer is the web form's: the status of a new registration, or a neutral answer when
    the address is already registered (its owner then gets an email with the manage link).
    """
    event = published_event_or_404(event_id, with_programme=False)
    if not event.registration_window().accepts_registrations:
        _closed(event)
    try:
        outcome = service.register(event, _applicant(data, event.asked_fields))
    except service.EventNotOpen as error:
        _closed(error.event)
    except questions.InvalidAnswers as invalid:
        _invalid_answers(invalid)
    return _answer([outcome])


@bp.post(SERIES_ID + "/registrations")
@limits.registrations_per_address
@limits.registrations_per_email
@bp.arguments(SeriesRegistrationSchema)
@bp.response(202, RegistrationAnswerSchema, **RESPONSES)
@bp.alt_response(
    409,
    response="CONFLICT",
    description="No event of the series is open for registration, or one of those chosen is not",
)
def register_for_series(data: dict, series_id: int):
    """Register a delegate for several events of a series in one go

    All or nothing: if one of the chosen events has just closed, nothing is registered (409).
    """
    series = published_series_or_404(series_id)
    choices = {event.id: event for event in open_events(series)}
    if not choices:
        problem_abort(409, _("No event of this series takes registrations now."), slug="registration-closed")
    unknown = [event_id for event_id in data["events"] if event_id not in choices]
    if unknown:
        # Which events are open is the series' state, not the request's shape: a conflict.
        problem_abort(
            409,
            _("Nothing was registered: choose among the events of this series that are open."),
            slug="registration-closed",
            errors=[
                {
                    "field": "events",
                    "message": _("Event %(id)d is not open for registration in this series.", id=i),
                }
                for i in unknown
            ],
        )
    chosen = [choices[event_id] for event_id in dict.fromkeys(data["events"])]
    try:
        outcomes = service.register_for_series(
            series, chosen, _applicant(data, fields.asked_by_any(event.asked_fields for event in chosen))
        )
    except service.EventNotOpen as error:
        _closed(error.event)
    except questions.InvalidAnswers as invalid:
        _invalid_answers(invalid)
    return _answer(outcomes)


# The Latin name is not among them: the document cannot say which letters are Latin as a pattern.
BASE_FIELDS = tuple(service.Applicant.__dataclass_fields__.keys() - set(fields.LABELS))


def _applicant(data: dict, asked: dict[str, bool]) -> service.Applicant:
    """The applicant of what was sent: the standard fields the events ask (422 where one breaks
    a rule of the web form), the others left out."""
    given = {name: data[name] for name in BASE_FIELDS if name in data}
    standard = fields.given_values(asked, data)
    wrong = fields.problems(asked, standard)
    if StandardField.NAMES in asked and standard.get("family_name"):
        given["name"] = " ".join(
            part for part in (standard.get("given_name"), standard["family_name"]) if part
        )
    if wrong:
        problem_abort(
            422,
            _("Some of the event's questions were not answered as its form requires."),
            slug="validation-error",
            errors=[{"field": column, "message": message} for column, message in wrong],
        )
    return service.Applicant(**given, **standard)


def _invalid_answers(invalid: questions.InvalidAnswers):
    problem_abort(
        422,
        _("Some answers to the organisers' questions are not valid: see `errors`. Nothing was registered."),
        errors=[{"field": f"answers.{key}", "message": message} for key, message in invalid.errors.items()],
    )


def _closed(event):
    problem_abort(
        409,
        _("Registration for “%(title)s” is not open. Nothing was registered.", title=event.title),
        slug="registration-closed",
    )


def _answer(outcomes: list[service.Outcome]) -> dict:
    rate_limits.note_emails_sent(outcomes)
    return {
        "outcomes": [
            {
                "event_id": outcome.event_id,
                "status": outcome.status.value if outcome.status else None,
                "waitlist_position": outcome.waitlist_position,
                "message": _outcome_message(outcome),
            }
            for outcome in outcomes
        ],
        "message": _("Each email contains a personal link to change or cancel the registration."),
    }


def _outcome_message(outcome: service.Outcome) -> str:
    if outcome.status == RegistrationStatus.CONFIRMED:
        return _(
            "The seat is confirmed. We have sent an email with a calendar invitation and the link to join."
        )
    if outcome.status == RegistrationStatus.WAITLISTED:
        return _("Number %(position)d on the waiting list.", position=outcome.waitlist_position or 0)
    if outcome.status == RegistrationStatus.PENDING:
        return _("The registration is awaiting approval; we will email the organisers' decision.")
    return _(
        "If this address is registered for this event, a message has been sent to it "
        "with the link to manage the registration."
    )
