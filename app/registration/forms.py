"""The delegate's forms: register for an event or a series, change or cancel."""

from __future__ import annotations

import secrets
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from babel import support
from email_validator import EmailNotValidError, validate_email
from flask import current_app, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData, TimestampSigner
from markupsafe import Markup
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import Choice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from ..models import OrganisationKind
from ..services.regions import countries
from ..services.registration import form_stamps
from ..services.registration.registrations import Applicant
from . import questions as asked

NAME_MAX = 200
EMAIL_MAX = 254


def options(pairs, prompt=None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an empty first choice if prompted."""
    first = [SelectChoice("", prompt)] if prompt else []
    return first + [SelectChoice(value, label) for value, label in pairs]


def language_choices() -> list[SelectChoice]:
    """The languages a person may have our messages in (LANGUAGES), each by its own name."""
    return options(current_app.config["LANGUAGES"].items())


@lru_cache(maxsize=16)
def country_choices(locale: str = "en") -> tuple[SelectChoice, ...]:
    """The countries named and sorted in `locale` (CLDR, services/regions.py), after a prompt
    that is a lazy string, translated where it is shown."""
    return tuple(options(countries(locale), _l("Choose a country")))


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class CountrySelect(Select):
    """The country list: its ~250 options rendered once per language and selected country."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        for name in self.validation_attrs:
            if getattr(field.flags, name, False) and name not in kwargs:
                kwargs[name] = True
        options_html = _country_options(str(get_locale()), field.data or "")
        select = f"<select {html_params(name=field.name, **kwargs)}>{options_html}</select>"
        return Markup(select)  # noqa: S704 - attributes escaped by html_params, options by render_option


@lru_cache(maxsize=512)
def _country_options(locale: str, selected: str) -> str:
    return "".join(
        Select.render_option(Choice(choice.value, str(choice.label), choice.value == selected, {}))
        for choice in country_choices(locale)
    )


@cache
def _country_codes() -> frozenset[str]:
    """The values of the choices, whatever their language: every country, and the prompt's
    empty one."""
    return frozenset(choice.value for choice in country_choices())


class CountryField(SelectField):
    """The country list: ~250 choices, checked by a set lookup rather than one by one."""

    widget = CountrySelect()

    # WTForms' own message, translated by WTForms' catalogue (not ours).
    INVALID = "Not a valid choice."

    def pre_validate(self, form) -> None:
        if self.data not in _country_codes():
            raise ValidationError(self.gettext(self.INVALID))


def normalise_email(value: str) -> str:
    """Validated and normalised: no surrounding spaces, one case, IDN domains decoded."""
    result = validate_email((value or "").strip(), check_deliverability=False)
    return result.normalized.lower()


def plain_text(form, field) -> None:
    """Refuse control characters (line breaks included): they have no place in a name."""
    if field.data and any(unicodedata.category(ch) in ("Cc", "Cf") for ch in field.data):
        raise ValidationError(_l("This field contains characters that are not allowed."))


def multiline_text(form, field) -> None:
    """Refuse control characters other than tabs and line breaks: a paragraph has none
    (and PostgreSQL cannot store a NUL)."""
    if field.data and any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in field.data):
        raise ValidationError(_l("This field contains characters that are not allowed."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def is_latin_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def needs_latin_name(name: str) -> bool:
    """Whether a name has letters of another script than Latin (Arabic, Ge'ez, Cyrillic ...)."""
    return any(ch.isalpha() and not is_latin_letter(ch) for ch in name or "")


def latin_letters(form, field) -> None:
    """The Latin-script name is in Latin letters (with any accents), or it helps no one find it."""
    if field.data and needs_latin_name(field.data):
        raise ValidationError(_l("Write this name in Latin letters (A to Z, with accents if any)."))


class EmailAddress:
    def __call__(self, form, field) -> None:
        try:
            field.data = normalise_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address, such as name@example.org.")) from None


class PublicForm(FlaskForm):
    """A delegate's form: text fields only, whatever a client sends."""

    class Meta:
        def get_translations(self, form):
            # WTForms' own messages, in the page's language: Flask-WTF would read
            # the catalogue anew for every request.
            return _wtforms_translations(str(get_locale()))

        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            # Flask-WTF merges uploaded files into the form data; none of these forms takes
            # one, and a file where text belongs would otherwise reach the validators.
            if isinstance(wrapped, CombinedMultiDict):
                return request.form
            return wrapped


class DelegateDetailsForm(PublicForm):
    """The fields a delegate can also change later from the manage link."""

    name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=NAME_MAX), plain_text],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )
    # Optional, always in the page (with a script, shown once the name needs it): the name in
    # Latin letters, by which a check-in desk and a meeting's attendance report find the person.
    latin_name = StringField(
        _l("Name in Latin letters"),
        filters=[strip],
        validators=[Optional(), Length(max=NAME_MAX), plain_text, latin_letters],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off", "dir": "ltr"},
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[strip],
        validators=[DataRequired(), Length(max=NAME_MAX), plain_text],
        render_kw={"autocomplete": "organization", "maxlength": NAME_MAX},
    )
    organisation_kind = SelectField(
        _l("Kind of organisation"),
        choices=options(OrganisationKind.choices(), _l("Choose one")),
        validators=[InputRequired()],
        validate_choice=True,
    )
    country = CountryField(_l("Country"), validators=[InputRequired()], validate_choice=True)
    job_title = StringField(
        _l("Job title"),
        filters=[strip],
        validators=[Optional(), Length(max=NAME_MAX), plain_text],
        render_kw={"autocomplete": "organization-title", "maxlength": NAME_MAX},
    )
    language = SelectField(_l("Preferred language for our messages"), validate_choice=True)
    consent_participant_list = BooleanField(_l("Show my name and organisation in the list of participants"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices(str(get_locale()))
        self.language.choices = language_choices()
        if self.language.data is None:  # a new form: the language of the page it is read in
            self.language.data = str(get_locale())

    def validate_organisation_kind(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the kind of organisation."))

    def validate_country(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose a country."))

    def full_name(self) -> str:
        """The name as one string (standard_fields.py builds it from given and family names)."""
        return self.name.data

    def applicant(self, email: str) -> Applicant:
        return Applicant(
            email=email,
            name=self.full_name(),
            latin_name=self.latin_name.data or "",
            organisation=self.organisation.data,
            organisation_kind=OrganisationKind(self.organisation_kind.data),
            country=self.country.data,
            job_title=self.job_title.data or "",
            language=self.language.data,
            consent_participant_list=bool(self.consent_participant_list.data),
        )


SPAM_MESSAGE = _l("We could not accept the form as it was sent. Please check it and send it again.")
STAMP_SALT = "plenary.form-started"


def session_binding() -> str:
    """What ties a stamp to the visitor's session: its CSRF secret, which never leaves the
    session (the page carries a token signed from it, not the secret itself)."""
    generate_csrf()  # creates the secret in a new session
    return session[current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")]


def _stamp_signer(binding: str) -> TimestampSigner:
    # The binding is part of the salt: a stamp checks only in the session it was made for.
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=f"{STAMP_SALT}/{binding}")


# A stamp given back with a form refused as sent too fast (browser autofill fills a form in
# a second): the person reads the message and sends again, which must then go through.
RETRY = "r."


def new_form_stamp(binding: str | None = None, *, retry: bool = False) -> str:
    """The signed moment a form is shown, with a random nonce, for the minimum fill time and
    for being used once; bound to the visitor's session unless `binding` says otherwise."""
    nonce = (RETRY if retry else "") + secrets.token_urlsafe(12)
    return _stamp_signer(session_binding() if binding is None else binding).sign(nonce).decode()


@dataclass(frozen=True)
class Stamp:
    nonce: str
    shown_at: float  # seconds since the epoch

    @property
    def min_fill_seconds(self) -> float:
        """A form shown again after a refusal for speed needs only the time to send it again."""
        key = "FORM_RETRY_MIN_SECONDS" if self.nonce.startswith(RETRY) else "FORM_MIN_FILL_SECONDS"
        return current_app.config[key]

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.shown_at + current_app.config["FORM_STAMP_MAX_AGE"], UTC)


def read_stamp(value: str, binding: str) -> Stamp | None:
    """The stamp in `value`, or None if it is forged, garbled, expired or another session's."""
    try:
        nonce, shown_at = _stamp_signer(binding).unsign(
            value, max_age=current_app.config["FORM_STAMP_MAX_AGE"], return_timestamp=True
        )
        return Stamp(nonce.decode("ascii"), shown_at.timestamp())
    except (BadData, UnicodeError):
        return None


# SpamChecks is mixed into forms: to a type checker, it is one (whose super() has validate()).
if TYPE_CHECKING:
    from flask_wtf import FlaskForm as _Form
else:
    _Form = object


class SpamChecks(_Form):
    """A honeypot field people never see, and a stamp: the moment the form was first shown,
    signed, bound to the visitor's session and good for one form.

    A robot fills every field, posts at once, and would post one page's stamp again and
    again; a person leaves the hidden field empty, takes seconds, and registers once per
    page. Any check tripped refuses the form with the same neutral message, so a robot
    learns nothing about which. A stamp the form was accepted with is spent (in the
    database: see models/stamps.py); sent again, even with the session cookie of then,
    it is refused. A refused form keeps its stamp unless the stamp was the fault, so a
    person correcting a field sends the same one again.
    """

    # Named as robots like it; the label tells screen-reader users to leave it.
    website = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )
    started = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without a stamp gets a new one: too fresh to pass the minimum fill
        # time, and never seen by anyone, so nothing to spend.
        self.stamp_sent = bool(self.started.data)
        if not self.stamp_sent:
            self.started.data = new_form_stamp(self.stamp_binding())

    def stamp_binding(self) -> str:
        """What the stamp is bound to: the visitor's session."""
        return session_binding()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.looks_automated() or (valid and not self._spend_stamp()):
            self.form_errors.append(SPAM_MESSAGE)
            return False
        return valid

    def looks_automated(self) -> bool:
        filled_honeypot = bool(self.website.data)
        self.website.data = ""  # a person's autofill should not trip it twice
        return filled_honeypot or self._too_fast()

    def _too_fast(self) -> bool:
        self.stamp = read_stamp(str(self.started.data or ""), self.stamp_binding())
        if self.stamp is None:
            # Forged, garbled, expired or another session's: a fresh stamp, so that a person
            # can still send the form next time.
            self._fresh_stamp()
            return True
        if time.time() - self.stamp.shown_at >= self.stamp.min_fill_seconds:
            return False
        if not self.stamp.nonce.startswith(RETRY):
            # Shown again with what was typed: the next sending goes through (autofill is fast).
            self.started.data = new_form_stamp(self.stamp_binding(), retry=True)
        return True

    def _spend_stamp(self) -> bool:
        """Use the stamp up, once the form is accepted; False if it was used before."""
        if not self.stamp_sent:
            return True
        assert self.stamp is not None  # read by looks_automated(), which validate() calls first
        if form_stamps.spend(self.stamp.nonce, self.stamp.expires):
            return True
        self._fresh_stamp()
        return False

    def _fresh_stamp(self) -> None:
        self.started.data = new_form_stamp(self.stamp_binding())


def email_field(*, autocomplete: bool = False) -> EmailField:
    """A required address, at most EMAIL_MAX characters, checked as email_validator checks it;
    `autocomplete` where it is the visitor's own."""
    shown: dict = {"autocomplete": "email"} if autocomplete else {}
    return EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=EMAIL_MAX), EmailAddress()],
        render_kw={**shown, "maxlength": EMAIL_MAX},
    )


class RegistrationForm(SpamChecks, DelegateDetailsForm):
    email = email_field(autocomplete=True)
    consent_privacy = BooleanField(
        _l("I agree to the privacy notice: my details are used to run this event and its reporting."),
        validators=[DataRequired(message=_l("You need to agree to the privacy notice to register."))],
    )
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        asked.ask(self, list(questions))  # the organisers' questions (registration/questions.py)

    # The order a person fills them in.
    FIELD_ORDER = (
        "name",
        "email",
        "organisation",
        "organisation_kind",
        "country",
        "job_title",
        "language",
    )

    def to_applicant(self) -> Applicant:
        applicant = self.applicant(self.email.data)
        applicant.answers = asked.answers(self)
        applicant.event_answers = asked.event_answers(self)
        return applicant


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SeriesRegistrationForm(RegistrationForm):
    events = MultiCheckboxField(_l("Events"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Register for the chosen events"))

    def offer(self, events, own_questions=()) -> None:
        """The events to choose among, and (event, its own questions) of each: asked, under the
        event's title, of those who choose it."""
        self.events.choices = [SelectChoice(event.id, event.title) for event in events]
        asked.ask_per_event(self, list(own_questions))

    def chosen_event_ids(self) -> set[int]:
        return set(self.events.data or ())

    def validate_events(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one event."))


class QuestionsPreview(PublicForm):
    """The organisers' questions as the form shows them, unanswered (the console's preview)."""

    class Meta:
        csrf = False

    def __init__(self, questions):
        super().__init__(formdata=None)
        asked.ask(self, list(questions), read_request=False)


class ManageForm(DelegateDetailsForm):
    submit = SubmitField(_l("Save changes"))

    def __init__(self, *args, questions=(), answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The event's questions, to change one's answers as at registration.
        asked.ask(self, list(questions), given=answers)

    def applicant(self, email: str) -> Applicant:
        applicant = super().applicant(email)
        applicant.answers = asked.answers(self)
        return applicant


class CancelForm(PublicForm):
    submit = SubmitField(_l("Yes, cancel my registration"))


class LinkRequestForm(SpamChecks, PublicForm):
    """An address, to send the links to its registrations to: the person who lost them."""

    email = email_field(autocomplete=True)
    submit = SubmitField(_l("Send me the links"))


class MyRegistrationsRequestForm(LinkRequestForm):
    """An address, to send one link to the list of its registrations to."""

    submit = SubmitField(_l("Send me the link"))


class LanguageForAllForm(PublicForm):
    """On a person's list of registrations: the language of the emails of all of them."""

    language = SelectField(_l("Language of our messages, for all your registrations"), validate_choice=True)
    submit = SubmitField(_l("Change the language of all"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm that you want your data erased."))],
    )
    submit = SubmitField(_l("Erase my data"))
