"""The API's shapes, declared once: marshmallow validates with them and the OpenAPI document shows them."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from zoneinfo import available_timezones

import marshmallow as ma
from email_validator import EmailNotValidError
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import validate

from config import Config

from ..models import (
    AgendaItemKind,
    AttendanceSource,
    DietaryNeed,
    DocumentKind,
    EventFormat,
    EventKind,
    Gender,
    ImportStatus,
    InterpretationLanguage,
    MessageStatus,
    OrganisationKind,
    RegistrationState,
    RegistrationStatus,
    Salutation,
    SpeakerRole,
)
from ..models.people import NAME_PART_MAX, NEEDS_MAX
from ..registration.forms import EMAIL_MAX, NAME_MAX, normalise_email
from ..services.attendance import participant_reports as reports
from ..services.regions import countries

# The languages a delegate can choose, as the document lists them (the check reads the app's).
LANGUAGES = Config.LANGUAGES

DATE_TIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


def _enum(enum_cls, **kwargs) -> ma.fields.String:
    """An enum as its plain string values, documented with their list."""
    return ma.fields.String(validate=validate.OneOf(_values(enum_cls)), **kwargs)


def _local(name: str):
    """An instant in the event's own zone, with its offset: what people there read on a clock."""
    return lambda event: getattr(event, name).astimezone(event.zone).isoformat()


def _item_local(name: str):
    """An agenda item's optional instant in its event's zone, with its offset; None if not set."""

    def local(item):
        instant = getattr(item, name)
        return instant.astimezone(item.event.zone).isoformat() if instant else None

    return local


def _external(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


class Derived(ma.fields.Nested):
    """A nested schema dumped from what `source(obj)` returns (a method's result, a filtered list)."""

    def __init__(self, nested, source, **kwargs):
        super().__init__(nested, **kwargs)
        self.source = source

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self._serialize(self.source(obj), attr, obj, **kwargs)


def _public_documents(owner) -> list:
    return [document for document in owner.documents if document.is_public]


# --- the published programme -------------------------------------------------------------------


class DocumentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = _enum(DocumentKind, required=True)
    title = ma.fields.String(required=True)
    url = ma.fields.Method("_url", required=True, metadata=URL | {"description": "Download or link"})
    is_link = ma.fields.Boolean(required=True)
    content_type = ma.fields.Method("_content_type", required=True, metadata={"type": ["string", "null"]})
    size_bytes = ma.fields.Method("_size", required=True, metadata={"type": ["integer", "null"]})

    def _url(self, document) -> str:
        return _external("public.document", document_id=document.id)

    def _content_type(self, document) -> str | None:
        return None if document.is_link else document.content_type

    def _size(self, document) -> int | None:
        return None if document.is_link else document.size_bytes


class SpeakerSchema(ma.Schema):
    name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)
    role = _enum(SpeakerRole, required=True)


class AgendaItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    kind = _enum(AgendaItemKind, required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    start = ma.fields.DateTime(
        attribute="start_dt",
        required=True,
        allow_none=True,
        metadata={"description": "In UTC; None: not set"},
    )
    end = ma.fields.DateTime(
        attribute="end_dt", required=True, allow_none=True, metadata={"description": "In UTC; None: not set"}
    )
    local_start = ma.fields.Function(
        _item_local("start_dt"),
        required=True,
        allow_none=True,
        metadata={**DATE_TIME, "type": ["string", "null"]},
    )
    local_end = ma.fields.Function(
        _item_local("end_dt"),
        required=True,
        allow_none=True,
        metadata={**DATE_TIME, "type": ["string", "null"]},
    )
    room = ma.fields.String(required=True, metadata={"description": "The room or session; empty if none"})
    speakers = ma.fields.List(ma.fields.Nested(SpeakerSchema), required=True)


class RegistrationWindowSchema(ma.Schema):
    state = _enum(RegistrationState, required=True)
    accepts_registrations = ma.fields.Boolean(required=True)
    opens = ma.fields.DateTime(attribute="opens_dt", required=True, allow_none=True)
    closes = ma.fields.DateTime(attribute="closes_dt", required=True, allow_none=True)
    seats_left = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "None: no limit"})


class EventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    series_id = ma.fields.Integer(required=True, allow_none=True)
    title = ma.fields.String(required=True)
    theme = ma.fields.String(required=True)
    kind = _enum(EventKind, required=True)
    format = _enum(EventFormat, required=True)
    description = ma.fields.String(required=True)
    start = ma.fields.DateTime(attribute="start_dt", required=True, metadata={"description": "In UTC"})
    end = ma.fields.DateTime(attribute="end_dt", required=True, metadata={"description": "In UTC"})
    timezone = ma.fields.String(required=True, metadata={"description": "The IANA zone it is held in"})
    local_start = ma.fields.Function(_local("start_dt"), required=True, metadata=DATE_TIME)
    local_end = ma.fields.Function(_local("end_dt"), required=True, metadata=DATE_TIME)
    place = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True, allow_none=True)
    is_cancelled = ma.fields.Boolean(required=True)
    registration = Derived(RegistrationWindowSchema, lambda event: event.registration_window(), required=True)
    url = ma.fields.Function(
        lambda event: _external("public.event", event_id=event.id), required=True, metadata=URL
    )
    summary_published = ma.fields.Boolean(required=True)


class EventDetailSchema(EventSchema):
    agenda = ma.fields.List(ma.fields.Nested(AgendaItemSchema), attribute="agenda_items", required=True)
    documents = Derived(DocumentSchema, _public_documents, many=True, required=True)


class SeriesSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    chair = ma.fields.String(required=True)
    organiser = ma.fields.String(required=True)
    is_cancelled = ma.fields.Boolean(required=True)
    event_ids = ma.fields.Function(
        lambda series: [event.id for event in series.published_events],
        required=True,
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    url = ma.fields.Function(
        lambda series: _external("public.series", series_id=series.id), required=True, metadata=URL
    )
    summary_published = ma.fields.Boolean(required=True)


class SeriesDetailSchema(SeriesSchema):
    events = Derived(EventSchema, lambda series: series.published_events, many=True, required=True)
    documents = Derived(DocumentSchema, _public_documents, many=True, required=True)


class EventQuerySchema(ma.Schema):
    series = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    kind = _enum(EventKind)
    when = ma.fields.String(validate=validate.OneOf(["upcoming", "past"]))
    from_ = ma.fields.Date(data_key="from", metadata={"description": "Starting on or after this day (UTC)"})
    to = ma.fields.Date(
        metadata={
            "description": "Starting on or before this day (UTC); a day before `from` leaves no event, "
            "and the list is empty"
        }
    )
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = ma.fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


# --- summaries: aggregates only, never a person ------------------------------------------------------


class ShareSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class BreakdownsSchema(ma.Schema):
    countries = ma.fields.List(ma.fields.Nested(ShareSchema), required=True)
    regions = ma.fields.List(ma.fields.Nested(ShareSchema), required=True)
    organisation_kinds = ma.fields.List(ma.fields.Nested(ShareSchema), required=True)
    country_count = ma.fields.Integer(required=True)
    member_states = ma.fields.Integer(required=True)


def _published_figure(name: str, kind: str, description: str = "") -> ma.fields.Function:
    """A figure as last published; null when the event's figures were never published."""
    return ma.fields.Function(
        lambda s: None if s.figures is None else getattr(s.figures, name),
        required=True,
        allow_none=True,
        metadata={"type": kind, "description": description or "Null until published"},
    )


class EventSummarySchema(ma.Schema):
    event_id = ma.fields.Function(lambda s: s.event.id, required=True, metadata={"type": "integer"})
    title = ma.fields.Function(lambda s: s.event.title, required=True, metadata={"type": "string"})
    text = ma.fields.Function(lambda s: s.event.summary_text, required=True, metadata={"type": "string"})
    outcomes = ma.fields.Function(lambda s: s.event.outcomes, required=True, metadata={"type": "string"})
    figures_published = ma.fields.Function(
        lambda s: s.published_dt is not None,
        required=True,
        metadata={
            "type": "boolean",
            "description": "False until the organisers publish the event's figures (null till then)",
        },
    )
    published_at = ma.fields.Function(
        lambda s: s.published_dt.isoformat() if s.published_dt else None,
        required=True,
        allow_none=True,
        metadata={**DATE_TIME, "description": "When the figures shown were published"},
    )
    based_on_registrations = _published_figure(
        "based_on_registrations", "boolean", "True when attendance was not recorded; null until published"
    )
    participants = _published_figure("participants", "integer")
    arrivals = _published_figure(
        "arrivals", "integer", "Participants checked in at the door (in person); null until published"
    )
    online = _published_figure(
        "online", "integer", "Participants from a participant report (online); null until published"
    )
    first_time = _published_figure("first_time", "integer")
    returning = _published_figure("returning", "integer")
    recommendations = ma.fields.Integer(required=True)
    breakdowns = ma.fields.Nested(BreakdownsSchema, required=True, allow_none=True)


class ModuleSchema(ma.Schema):
    event_id = ma.fields.Function(
        lambda row: row.figures.event.id, required=True, metadata={"type": "integer"}
    )
    title = ma.fields.Function(
        lambda row: row.figures.event.title, required=True, metadata={"type": "string"}
    )
    start = ma.fields.Function(
        lambda row: row.figures.event.start_dt.isoformat(), required=True, metadata=DATE_TIME
    )
    participants = ma.fields.Function(
        lambda row: row.figures.participants, required=True, metadata={"type": "integer"}
    )
    countries = ma.fields.Function(
        lambda row: row.figures.countries, required=True, metadata={"type": "integer"}
    )


class ModulesAttendedSchema(ma.Schema):
    modules = ma.fields.Integer(required=True)
    people = ma.fields.Integer(required=True)


class SeriesSummarySchema(ma.Schema):
    series_id = ma.fields.Function(lambda s: s.series.id, required=True, metadata={"type": "integer"})
    title = ma.fields.Function(lambda s: s.series.title, required=True, metadata={"type": "string"})
    text = ma.fields.Function(lambda s: s.series.summary_text, required=True, metadata={"type": "string"})
    modules = ma.fields.List(ma.fields.Nested(ModuleSchema), attribute="rows", required=True)
    unique_participants = ma.fields.Integer(required=True)
    participations = ma.fields.Integer(required=True)
    modules_attended = Derived(
        ModulesAttendedSchema,
        lambda s: [{"modules": m, "people": p} for m, p in s.modules_attended],
        many=True,
        required=True,
    )
    recommendations = ma.fields.Integer(required=True)
    breakdowns = ma.fields.Nested(BreakdownsSchema, required=True)
    modules_without_published_figures = ma.fields.Function(
        lambda s: [event.id for event in s.unpublished],
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "The modules left out: their figures are not published yet",
        },
    )


# --- registering ---------------------------------------------------------------------------------


# Refused in text, as by the web form: control and format characters (Unicode's Cc and Cf, in
# Python 3.11's Unicode 14), written out so that the OpenAPI document can say so.
CONTROL = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# What str.strip() drops around a text, control characters among them.
SPACES = "\x09-\x0d\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TEXT_PATTERN = f"^[{SPACES}]*[^{CONTROL}]*[{SPACES}]*$"
NONBLANK_TEXT_PATTERN = f"^[{SPACES}]*[^{CONTROL}]*[^{CONTROL}{SPACES}][^{CONTROL}]*[{SPACES}]*$"


class PlainText(ma.fields.String):
    """Text without control or format characters (line breaks included), but in the spaces around
    it, which are dropped; at most `max_length` characters as sent. `nonblank`: more than spaces.

    The document shows these rules as a pattern; the check here is the same rule, written
    without a regular expression, whose backtracking a long text could make slow."""

    def __init__(self, *, max_length: int, nonblank: bool = False, **kwargs):
        shape = {"maxLength": max_length, "pattern": NONBLANK_TEXT_PATTERN if nonblank else TEXT_PATTERN}
        if nonblank:
            shape["minLength"] = 1
        super().__init__(metadata=shape | kwargs.pop("metadata", {}), **kwargs)
        self.max_length = max_length
        self.nonblank = nonblank

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise ma.ValidationError(str(_l("Enter at most %(max)d characters.", max=self.max_length)))
        text = text.strip()
        if self.nonblank and not text:
            raise ma.ValidationError(str(_l("Enter some text, not only spaces.")))
        # Cs: lone surrogates, which only JSON can carry, are no text either.
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
            raise ma.ValidationError(str(_l("This field contains characters that are not allowed.")))
        return text


# What the address checker refuses that an email format allows, for the addresses a client writes:
# a domain without a dot, or a special-use one (RFC 6761), where no mail can be delivered.
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _any_case(word: str) -> str:
    return "".join(f"[{ch.upper()}{ch}]" for ch in word)


EMAIL_PATTERN = "^(?!.*\\.(?:{})$)[^@]+@[^@]+\\.[^@]+$".format(
    "|".join(_any_case(name) for name in SPECIAL_USE_DOMAINS)
)


class EmailAddress(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > EMAIL_MAX:
            raise ma.ValidationError(str(_l("Enter at most %(max)d characters.", max=EMAIL_MAX)))
        try:
            return normalise_email(text)
        except EmailNotValidError:
            raise ma.ValidationError(
                str(_l("Enter a valid email address, such as name@example.org."))
            ) from None


class JsonBoolean(ma.fields.Boolean):
    """true or false as JSON writes them, not 1, 0 or "yes"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is not True and value is not False:
            raise self.make_error("invalid", input=value)
        return value


class WholeNumber(ma.fields.Integer):
    """An integer as JSON Schema counts them: 7 and 7.0 alike, never "7" or true."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


def _required_text(**metadata) -> PlainText:
    return PlainText(required=True, max_length=NAME_MAX, nonblank=True, metadata=metadata)


def _check_language(value: str) -> None:
    if value not in current_app.config["LANGUAGES"]:
        raise ma.ValidationError(str(_l("Not a language we write in.")))


def _check_consent(value: bool) -> None:
    if value is not True:
        raise ma.ValidationError(str(_l("You need to agree to the privacy notice to register.")))


NULL_FOR_VIEWERS = "Null when the token's owner is a viewer"
ASKED = {"description": "Read only where the event's form asks it (`form_fields`)."}


# A paragraph: line breaks and tabs, but no other control character (as the web form's).
PARAGRAPH_PATTERN = "^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


def _check_paragraph(value: str) -> None:
    """Line breaks and tabs, but no other control character (PostgreSQL cannot store a NUL)."""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r" for ch in value):
        raise ma.ValidationError(str(_l("This field contains characters that are not allowed.")))


class RegistrationSchema(ma.Schema):
    """The delegate's fields, as the web form has them and with its rules."""

    name = _required_text(example="Amina Yusuf")
    email = EmailAddress(
        required=True,
        metadata={
            "format": "email",
            "maxLength": EMAIL_MAX,
            "pattern": EMAIL_PATTERN,
            "description": "Its domain has a dot and is no special-use name such as .test or .invalid",
        },
    )
    organisation = _required_text()
    organisation_kind = _enum(OrganisationKind, required=True)
    country = ma.fields.String(
        required=True,
        validate=validate.OneOf([code for code, _name in countries("en")]),
        metadata={"description": "ISO 3166-1 alpha-2"},
    )
    job_title = PlainText(load_default="", max_length=NAME_MAX)
    language = ma.fields.String(
        load_default="en", validate=_check_language, metadata={"enum": list(LANGUAGES)}
    )
    consent_privacy = JsonBoolean(
        required=True,
        validate=_check_consent,
        metadata={"description": "Must be true: consent to the privacy notice", "enum": [True]},
    )
    consent_participant_list = JsonBoolean(load_default=False)
    # The standard fields of a meeting's form: read only where the event asks them (its
    # `form_fields`), required where it requires them (422 otherwise), ignored elsewhere.
    salutation = _enum(Salutation, metadata=ASKED)
    given_name = PlainText(max_length=NAME_PART_MAX, metadata=ASKED)
    family_name = PlainText(
        max_length=NAME_PART_MAX,
        metadata={
            "description": ASKED["description"] + " With given and family names, `name` is made of them."
        },
    )
    gender = _enum(Gender, metadata=ASKED)
    representing_country = ma.fields.String(
        validate=validate.OneOf([code for code, _name in countries("en")]),
        metadata={"description": "The member state represented, ISO 3166-1 alpha-2. " + ASKED["description"]},
    )
    representing_organisation = PlainText(max_length=NAME_MAX, metadata=ASKED)
    head_of_delegation = JsonBoolean(metadata=ASKED)
    interpretation_language = _enum(InterpretationLanguage, metadata=ASKED)
    accessibility_needs = ma.fields.String(
        validate=[validate.Length(max=NEEDS_MAX), _check_paragraph],
        metadata={**ASKED, "maxLength": NEEDS_MAX, "pattern": PARAGRAPH_PATTERN},
    )
    dietary_needs = _enum(DietaryNeed, metadata=ASKED)
    dietary_other = PlainText(max_length=NAME_MAX, metadata=ASKED)
    visa_letter_needed = JsonBoolean(metadata=ASKED)
    answers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        load_default=dict,
        metadata={
            "description": (
                "Answers to the organisers' questions of the event (for a series: the series' "
                "questions; each event's own in `event_answers`), by question key: text, a date as "
                "YYYY-MM-DD, a country as ISO 3166-1 alpha-2, a choice by its key (yes/no: `yes` "
                "or `no`), several choices as a list of keys. An unknown question or choice, a "
                "required answer missing (a conditional question only when shown) answer 422, each "
                "error naming `answers.<key>`."
            ),
            "additionalProperties": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
            "example": {"do_you_need_a_visa_letter": "yes", "passport_details": "EP1234567"},
        },
    )


class SeriesRegistrationSchema(RegistrationSchema):
    events = ma.fields.List(
        WholeNumber(validate=validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Ids of the series' open events to register for"},
    )
    event_answers = ma.fields.Dict(
        keys=ma.fields.Integer(),
        values=ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw()),
        load_default=dict,
        metadata={
            "description": (
                "Answers to each chosen event's own questions, by event id then question key, as "
                "in `answers` (which holds those to the series' questions, given for every event). "
                "A chosen event's required question left unanswered answers 422; answers for an "
                "event not chosen are ignored."
            ),
            "propertyNames": {"pattern": "^[0-9]{1,9}$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                },
            },
            "example": {"12": {"session_topic": "Cash transfers"}},
        },
    )


class OutcomeSchema(ma.Schema):
    event_id = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(_values(RegistrationStatus)),
        metadata={"description": "None: the neutral answer (an address already registered)"},
    )
    waitlist_position = ma.fields.Integer(required=True, allow_none=True)
    message = ma.fields.String(required=True)


class RegistrationAnswerSchema(ma.Schema):
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeSchema), required=True)
    message = ma.fields.String(required=True)


# --- organisers, with a token ----------------------------------------------------------------------

CURSOR_PATTERN = "^[0-9]{1,10}$"
CURSOR = {
    "description": "From `next_cursor` of the previous page; absent for the first page",
    "pattern": CURSOR_PATTERN,
}


def _check_cursor(value: str) -> None:
    if not re.fullmatch(CURSOR_PATTERN[1:-1], value):
        raise ma.ValidationError(str(_l("This cursor is not one we gave.")))


class RegistrationQuerySchema(ma.Schema):
    status = _enum(RegistrationStatus)
    country = ma.fields.String(
        validate=validate.Regexp("^[A-Za-z]{2}$", error=_l("Enter a two-letter country code, such as NL.")),
        metadata={"description": "ISO 3166-1 alpha-2, in either case"},
    )
    organisation_kind = _enum(OrganisationKind)
    attended = ma.fields.Boolean()
    q = PlainText(
        max_length=NAME_MAX,
        metadata={"description": "Name, email (not with a viewer's token), organisation"},
    )
    cursor = ma.fields.String(validate=_check_cursor, metadata=CURSOR)
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class RegistrationRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Null when the token's owner is a viewer: addresses are for organisers"},
    )
    organisation = ma.fields.String(required=True)
    organisation_kind = _enum(OrganisationKind, required=True)
    country = ma.fields.String(required=True)
    job_title = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    status = _enum(RegistrationStatus, required=True)
    created = ma.fields.DateTime(attribute="created_dt", required=True)
    attended = ma.fields.Boolean(required=True)
    minutes = ma.fields.Integer(required=True, allow_none=True)
    # The standard fields ("" or null where not asked); the personal ones null for a viewer's token.
    salutation = ma.fields.String(required=True, metadata={"enum": ["", *_values(Salutation)]})
    given_name = ma.fields.String(required=True)
    family_name = ma.fields.String(required=True)
    latin_name = ma.fields.String(required=True)
    gender = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "enum": ["", *_values(Gender), None],
            "description": "Null when the token's owner is a viewer",
        },
    )
    representing_country = ma.fields.String(required=True)
    representing_organisation = ma.fields.String(required=True)
    head_of_delegation = ma.fields.Boolean(required=True, allow_none=True)
    interpretation_language = ma.fields.String(required=True)
    accessibility_needs = ma.fields.String(
        required=True, allow_none=True, metadata={"description": NULL_FOR_VIEWERS}
    )
    dietary_needs = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "enum": ["", *_values(DietaryNeed), None],
            "description": "Null when the token's owner is a viewer",
        },
    )
    dietary_other = ma.fields.String(
        required=True, allow_none=True, metadata={"description": NULL_FOR_VIEWERS}
    )
    visa_letter_needed = ma.fields.Boolean(required=True, allow_none=True)
    personal_join_link = ma.fields.Boolean(
        required=True,
        metadata={
            "description": (
                "Whether the video platform has given this person a join link of their own (the "
                "event linked to a Zoom webinar or meeting). The link itself is not here: it lets "
                "anyone in as that person, so it goes only to them, in their emails and on their "
                "manage page"
            )
        },
    )
    answers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        required=True,
        metadata={
            "description": (
                "Answers to the organisers' questions, by question key; choices by their keys "
                "(stable when a question or choice is relabelled), several choices as a list. "
                "A viewer's token reads no typed (text) answer: they may hold an address"
            ),
            "additionalProperties": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
        },
    )


class RegistrationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegistrationRowSchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class PublishFiguresSchema(ma.Schema):
    """Publishing takes nothing but the event: an empty JSON object, `{}`."""


class StatusChangeSchema(ma.Schema):
    action = ma.fields.String(
        required=True, validate=validate.OneOf(["approve", "reject", "cancel", "promote"])
    )
    reason = PlainText(load_default="", max_length=1000, metadata={"description": "For reject"})


class RegistrationStateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    status = _enum(RegistrationStatus, required=True)


class FiguresSchema(ma.Schema):
    registered = ma.fields.Integer(required=True)
    confirmed = ma.fields.Integer(required=True)
    waitlisted = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True)
    cancelled = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    attendance_recorded = ma.fields.Boolean(required=True)
    attended = ma.fields.Integer(required=True)
    walk_ins = ma.fields.Integer(required=True)
    no_shows = ma.fields.Integer(required=True, allow_none=True)
    attendance_rate = ma.fields.Float(required=True, allow_none=True)
    average_minutes = ma.fields.Float(required=True, allow_none=True)
    median_minutes = ma.fields.Float(required=True, allow_none=True)
    participants = ma.fields.Integer(required=True)
    countries = ma.fields.Integer(required=True)
    first_time = ma.fields.Integer(required=True)
    returning = ma.fields.Integer(required=True)


class EventReportSchema(ma.Schema):
    event_id = ma.fields.Function(lambda s: s.event.id, required=True, metadata={"type": "integer"})
    title = ma.fields.Function(lambda s: s.event.title, required=True, metadata={"type": "string"})
    figures = ma.fields.Nested(FiguresSchema, required=True)
    breakdowns = ma.fields.Nested(BreakdownsSchema, required=True)
    top_organisations = ma.fields.List(ma.fields.Nested(ShareSchema), required=True)
    recommendations = ma.fields.Integer(required=True)


class ModuleReportSchema(ma.Schema):
    event_id = ma.fields.Function(
        lambda row: row.figures.event.id, required=True, metadata={"type": "integer"}
    )
    title = ma.fields.Function(
        lambda row: row.figures.event.title, required=True, metadata={"type": "string"}
    )
    figures = ma.fields.Nested(FiguresSchema, required=True)


class SeriesReportSchema(SeriesSummarySchema):
    """The series summary with each module's full figures."""

    modules = ma.fields.List(ma.fields.Nested(ModuleReportSchema), attribute="rows", required=True)


class MessageQuerySchema(ma.Schema):
    status = _enum(MessageStatus)
    kind = PlainText(max_length=50)
    q = PlainText(
        max_length=NAME_MAX,
        metadata={"description": "Address (not with a viewer's token), name or subject"},
    )
    cursor = ma.fields.String(validate=_check_cursor, metadata=CURSOR)
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class MessageSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    registration_id = ma.fields.Integer(required=True, allow_none=True)
    to_address = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Null when the token's owner is a viewer: addresses are for organisers"},
    )
    subject = ma.fields.String(required=True)
    status = _enum(MessageStatus, required=True)
    attempts = ma.fields.Integer(required=True)
    last_error = ma.fields.String(
        required=True,
        metadata={"description": "The server's words; for a viewer's token, any address in them hidden"},
    )
    created = ma.fields.DateTime(attribute="created_dt", required=True)
    sent = ma.fields.DateTime(attribute="sent_dt", required=True, allow_none=True)


class MessagePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MessageSchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


# --- attendance reports ------------------------------------------------------------------------------

# What becomes of unmatched participants: nobody is a walk-in unless the caller says so.
UNMATCHED_CHOICES = ("undecided", "walk_in", "ignore")
GROUP_CHOICES = ("staff", "phone", "others")
DATE_ORDERS = (reports.DAY_FIRST, reports.MONTH_FIRST)
PARTICIPANT_KINDS = reports.KINDS


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(value: str) -> None:
    if value not in _zone_names():
        raise ma.ValidationError(str(_l("Not a time zone name such as Europe/Brussels.")))


class AttendanceReportFileSchema(ma.Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "The CSV or XLSX participant report exported from Zoom, Microsoft Teams or "
            "Webex, as it was downloaded"
        },
    )


class AttendanceReportQuerySchema(ma.Schema):
    apply = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "`true` imports the report; otherwise only the preview is answered"},
    )
    unmatched = ma.fields.String(
        load_default="undecided",
        validate=validate.OneOf(UNMATCHED_CHOICES),
        metadata={
            "description": "Participants matching no registration: recorded as walk-ins, left out, or "
            "undecided (the default). `apply=true` is refused (409) while anyone is undecided."
        },
    )
    staff = ma.fields.String(
        validate=validate.OneOf(UNMATCHED_CHOICES),
        metadata={
            "description": "For the unmatched of the group `staff` (hosts, co-hosts, panellists, "
            "interpreters, rooms), instead of `unmatched`"
        },
    )
    phone = ma.fields.String(
        validate=validate.OneOf(UNMATCHED_CHOICES),
        metadata={"description": "For the unmatched of the group `phone` (dial-ins), instead of `unmatched`"},
    )
    link = ma.fields.List(
        ma.fields.String(validate=validate.Regexp(r"^\d{1,7}:\d{1,10}$")),
        load_default=list,
        metadata={
            "description": "`<index>:<registration id>`, repeatable: the unmatched participant of that "
            "`index` (see `unmatched_people`) is this registration (a suggestion accepted, say)"
        },
    )
    zone = ma.fields.String(
        validate=_known_zone,
        metadata={
            "description": "IANA zone of the report's times (default: the zone the report states, "
            "else the event's)",
            "enum": sorted(_zone_names()),
        },
    )
    dates = ma.fields.String(
        validate=validate.OneOf(DATE_ORDERS),
        metadata={
            "description": "How the report's numeric dates are written, when they could be read either "
            "way (06/12/2026): `day_first` or `month_first`. Without it the order is decided from the "
            "file or the event's date; if nothing decides it, `dates_from` is `ask` and `apply=true` is "
            "refused until it is given"
        },
    )


class ImportStateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = _enum(ImportStatus, required=True, metadata={"description": "`done` once recorded"})
    rows_done = ma.fields.Integer(required=True)
    rows_total = ma.fields.Integer(required=True)
    created = ma.fields.DateTime(attribute="created_dt", required=True)


class SuggestionSchema(ma.Schema):
    registration_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    score = ma.fields.Integer(
        required=True, validate=validate.Range(0, 100), metadata={"description": "How alike, 0–100"}
    )
    same_domain = ma.fields.Boolean(
        required=True, metadata={"description": "Their addresses are at the same organisation's domain"}
    )


class ReportParticipantSchema(ma.Schema):
    index = ma.fields.Integer(required=True, metadata={"description": "For `link=<index>:<registration id>`"})
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    minutes = ma.fields.Integer(required=True)
    rows = ma.fields.Integer(required=True, metadata={"description": "Rows of the report merged"})
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf(PARTICIPANT_KINDS),
        metadata={"description": "Who they are by the report's roles and names: a delegate unless said"},
    )
    country = ma.fields.String(
        required=True, metadata={"description": "ISO 3166 alpha-2 code of the report's country, or empty"}
    )
    group = ma.fields.String(required=True, validate=validate.OneOf(GROUP_CHOICES))
    decision = ma.fields.String(
        required=True,
        validate=validate.OneOf((*UNMATCHED_CHOICES, "match")),
        metadata={"description": "`match` when linked with `link`"},
    )
    suggestions = ma.fields.List(
        ma.fields.Nested(SuggestionSchema),
        required=True,
        metadata={"description": "Registrations this may be, best first (for the group `others`)"},
    )


class LeftOutRowSchema(ma.Schema):
    line = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)


class AttendanceReportSchema(ma.Schema):
    """What a participant report says, matched against the event's registrations."""

    applied = ma.fields.Boolean(required=True, metadata={"description": "Whether the report was imported"})
    already_imported = ma.fields.Boolean(
        required=True,
        metadata={"description": "This very file was imported before: applying it changes nothing"},
    )
    source = _enum(AttendanceSource, required=True)
    columns = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "Our field (name, email, join, leave, duration): the report's column"},
    )
    zone = ma.fields.String(required=True, metadata={"description": "The zone of the report's times"})
    zone_from = ma.fields.String(
        required=True,
        validate=validate.OneOf(("file", "given", "event")),
        metadata={
            "description": "`file`: stated by the report; `given`: the `zone` asked; `event`: the event's"
        },
    )
    dates = ma.fields.String(
        required=True,
        metadata={"description": "`day_first` or `month_first` for numeric dates; empty if the dates say it"},
    )
    dates_from = ma.fields.String(
        required=True,
        metadata={
            "description": "What decided the order: `file`, `summary`, `event`, `locale`, `chosen`, `clock`, "
            "or `ask` (nothing did: give `dates`)"
        },
    )
    left_out = ma.fields.List(
        ma.fields.Nested(LeftOutRowSchema),
        required=True,
        metadata={"description": "Rows that could not be read and were left out (the first 200)"},
    )
    left_out_count = ma.fields.Integer(required=True)
    waiting_room_rows = ma.fields.Integer(
        required=True, metadata={"description": "Rows of people in Zoom's waiting room: no minutes"}
    )
    threshold_minutes = ma.fields.Integer(
        required=True, metadata={"description": "Minutes online from which a participant counts as attended"}
    )
    rows = ma.fields.Integer(required=True, metadata={"description": "Rows of participants read"})
    participants = ma.fields.Integer(
        required=True, metadata={"description": "People, once each person's rows are merged"}
    )
    matched_by_email = ma.fields.Integer(required=True)
    matched_by_name = ma.fields.Integer(required=True)
    unmatched = ma.fields.Integer(required=True)
    undecided = ma.fields.Integer(required=True, metadata={"description": "Unmatched people not decided yet"})
    unmatched_as = ma.fields.String(
        required=True,
        validate=validate.OneOf(UNMATCHED_CHOICES),
        metadata={"description": "What becomes of the unmatched participants"},
    )
    attended = ma.fields.Integer(
        required=True, metadata={"description": "People recorded who reach the threshold"}
    )
    below_threshold = ma.fields.Integer(required=True)
    unmatched_people = ma.fields.List(
        ma.fields.Nested(ReportParticipantSchema),
        required=True,
        metadata={"description": "The unmatched participants (the first 200)"},
    )
    import_ = ma.fields.Nested(
        ImportStateSchema,
        data_key="import",
        required=True,
        allow_none=True,
        metadata={"description": "The import, with apply=true; null for a preview"},
    )


class AttendanceImportSchema(ma.Schema):
    """A participant report uploaded for an event, and what became of it."""

    id = ma.fields.Integer(required=True)
    filename = ma.fields.String(required=True)
    source = _enum(AttendanceSource, required=True)
    status = _enum(
        ImportStatus, required=True, metadata={"description": "`removed` or `replaced` once taken back"}
    )
    uploaded_by = ma.fields.String(required=True, allow_none=True, metadata={"description": "Their name"})
    created = ma.fields.DateTime(required=True)
    participants = ma.fields.Integer(required=True)
    matched = ma.fields.Integer(required=True)
    walk_ins = ma.fields.Integer(required=True)
    replaces_id = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "The import this corrected file replaced"}
    )


class AttendanceImportListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AttendanceImportSchema), required=True)


class WalkInMergeSchema(ma.Schema):
    """Who the walk-in is: a registration of the event, or another walk-in of it."""

    into = ma.fields.String(
        required=True,
        validate=validate.OneOf(("registration", "walk_in")),
        metadata={"description": "`registration`, or `walk_in` (another walk-in's attendance id)"},
    )
    id = ma.fields.Integer(required=True, validate=validate.Range(1, 2147483647))


# --- an event's meeting on a video platform (app/api/meetings.py) --------------------------------

PLATFORMS = ("zoom", "teams", "webex")
ZOOM_KINDS = ("webinar", "meeting")
CREATE_DESCRIPTION = (
    "Zoom, instead of `meeting_id`: create a `webinar` or a `meeting` from the event (topic: the "
    "series, then the event's title; start in the event's time zone; duration; registration "
    "approved automatically) and link it"
)


class MeetingLinkInputSchema(ma.Schema):
    """Zoom and Webex name a meeting by its id, Teams by its join link (MEETING_LINK_INPUT)."""

    platform = ma.fields.String(
        required=True,
        validate=validate.OneOf(PLATFORMS),
        metadata={"description": "`zoom`, `teams` or `webex`"},
    )
    meeting_id = ma.fields.String(
        validate=[validate.Length(min=1, max=200), validate.Regexp(r"^[0-9][0-9 -]*$")],
        metadata={
            "description": "Zoom: the webinar or meeting id, spaces allowed (812 3456 7890); "
            "Webex: the meeting number"
        },
    )
    join_url = ma.fields.String(
        validate=[validate.Length(min=1, max=1000), validate.Regexp(r"^https://")],
        metadata={
            "description": "Teams: the meeting's join link (https://teams.microsoft.com/l/meetup-join/…)"
        },
    )
    create = ma.fields.String(
        validate=validate.OneOf(ZOOM_KINDS),
        metadata={"description": CREATE_DESCRIPTION},
    )

    @ma.validates_schema
    def named_as_the_platform_names_it(self, data, **kwargs):
        if data.get("create"):
            if data.get("platform") != "zoom":
                raise ma.ValidationError(str(_l("Only Zoom meetings are created from the event.")), "create")
            if data.get("meeting_id"):
                raise ma.ValidationError(
                    str(_l("Give a meeting ID or ask to create one, not both.")), "create"
                )
            return
        wanted = "join_url" if data.get("platform") == "teams" else "meeting_id"
        if not data.get(wanted):
            raise ma.ValidationError(str(_l("Required for this platform.")), wanted)


# The schema as the OpenAPI document states it, with the rule above (what the document says is
# accepted must be what the view accepts; marshmallow's rule has no OpenAPI form of its own).
MEETING_LINK_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "platform": {"type": "string", "enum": list(PLATFORMS)},
        "meeting_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[0-9][0-9 -]*$",
            "description": "Zoom: the webinar or meeting id, spaces allowed (812 3456 7890); "
            "Webex: the meeting number",
        },
        "join_url": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "pattern": "^https://",
            "description": "Teams: the meeting's join link (https://teams.microsoft.com/l/meetup-join/…)",
        },
        "create": {"type": "string", "enum": list(ZOOM_KINDS), "description": CREATE_DESCRIPTION},
    },
    "oneOf": [
        {
            "properties": {"platform": {"enum": ["zoom", "webex"]}},
            "required": ["platform", "meeting_id"],
            "not": {"required": ["create"]},
        },
        {
            "properties": {"platform": {"enum": ["teams"]}},
            "required": ["platform", "join_url"],
            "not": {"required": ["create"]},
        },
        {
            "properties": {"platform": {"enum": ["zoom"]}},
            "required": ["platform", "create"],
            "not": {"required": ["meeting_id"]},
        },
    ],
}


class MeetingUpdateSchema(ma.Schema):
    """No field: the body is `{}` (the event is what Zoom is given)."""


class MeetingLinkSchema(ma.Schema):
    platform = ma.fields.String(required=True)
    meeting_id = ma.fields.String(required=True)
    meeting_kind = ma.fields.String(required=True, metadata={"description": "Zoom: `webinar` or `meeting`"})
    topic = ma.fields.String(required=True, metadata={"description": "The meeting's title on the platform"})
    join_url = ma.fields.String(
        required=True, metadata={"description": "The shared join link the platform gives"}
    )
    state = ma.fields.String(
        required=True,
        metadata={
            "description": "`linked`; `failed`: the last call failed (see `last_error`); "
            "`gone`: deleted on the platform"
        },
    )
    last_error = ma.fields.String(required=True)
    linked = ma.fields.DateTime(attribute="linked_dt", required=True, metadata={"description": "In UTC"})
    checked = ma.fields.DateTime(attribute="checked_dt", required=True, allow_none=True)
    fetched = ma.fields.DateTime(
        attribute="fetched_dt",
        required=True,
        allow_none=True,
        metadata={"description": "When the participant report was last fetched, in UTC"},
    )
    fetched_import_id = ma.fields.Integer(required=True, allow_none=True)


class AttendanceFetchSchema(ma.Schema):
    """No field yet: the body is `{}` (every call to the API with a body sends JSON)."""
