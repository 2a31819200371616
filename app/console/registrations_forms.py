"""Forms of the registrations pages: the table's filters, its actions, capacity, and a
registration added or corrected by an organiser."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ..models import OrganisationKind, RegistrationStatus
from ..registration.forms import (
    DelegateDetailsForm,
    email_field,
    multiline_text,
    options,
    plain_text,
    strip,
)
from ..services import regions
from .forms import SearchForm
from .registration_queries import SORT_COLUMNS, TableQuery

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# Above any id a database hands out; larger numbers would overflow the column's type.
MAX_ID = 2**31 - 1
MAX_CHOSEN = 500

SORT_LABELS = {
    "registered": _l("Registered"),
    "name": _l("Name"),
    "email": _l("Email"),
    "organisation": _l("Organisation"),
    "country": _l("Country"),
    "status": _l("Status"),
}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "promote": _l("Move from the waiting list"),
    "cancel": _l("Cancel on their behalf"),
    "resend": _l("Send the confirmation again"),
}


class TableFilterForm(SearchForm):
    """The table's search, filters and order: a GET form, so a view can be bookmarked."""

    q = SearchField(
        _l("Search"),
        filters=[strip],
        validators=[Optional(), Length(max=200), plain_text],
        description=_l("Name, email or organisation"),
    )
    status = SelectField(_l("Status"), default="")
    country = SelectField(
        _l("Country"),
        default="",
        validate_choice=False,  # any code may be asked for; the list offers those present
        validators=[Optional(), Regexp(r"^[A-Z]{2}$", message=_l("Choose a country from the list."))],
    )
    kind = SelectField(_l("Kind of organisation"), default="")
    attended = SelectField(_l("Attendance"), default="")
    answer = SelectField(_l("Answer"), default="", validate_choice=True)
    sort = SelectField(_l("Sort by"), default="registered")
    order = SelectField(_l("Order"), default="desc")
    per_page = SelectField(_l("Rows per page"), coerce=int, default=DEFAULT_PAGE_SIZE)

    def __init__(
        self, *args, addresses: bool, countries: Sequence[str] = (), answers: Sequence = (), **kwargs
    ):
        """`addresses`: whether the reader may see registrants' addresses (and search them)."""
        super().__init__(*args, **kwargs)
        self.addresses = addresses
        self.status.choices = options(RegistrationStatus.choices(), _l("Any status"))
        self.kind.choices = options(OrganisationKind.choices(), _l("Any kind"))
        self.attended.choices = options([("yes", _l("Attended")), ("no", _l("Did not attend"))], _l("Anyone"))
        self.sort.choices = options((key, SORT_LABELS[key]) for key in SORT_COLUMNS)
        self.order.choices = options(
            [("asc", _l("A to Z, oldest first")), ("desc", _l("Z to A, newest first"))]
        )
        self.per_page.choices = options((size, str(size)) for size in PAGE_SIZES)
        named = [(code, regions.country_name(code)) for code in regions.by_country_name(countries)]
        self.country.choices = options(named, _l("Any country"))
        # (value "question:choice", label) of each choice question's answers (registration/questions.py)
        self.answer.choices = options(answers, _l("Any answer"))

    def table_query(self) -> TableQuery:
        """The query asked for; a field that did not validate is left out rather than guessed."""

        def valid(field):
            return None if field.errors else field.data

        status, kind, attended = valid(self.status), valid(self.kind), valid(self.attended)
        return TableQuery(
            search=valid(self.q) or "",
            status=RegistrationStatus(status) if status else None,
            country=valid(self.country) or "",
            organisation_kind=OrganisationKind(kind) if kind else None,
            attended={"yes": True, "no": False}.get(attended or ""),
            answer=_answer_pair(valid(self.answer)),
            sort=valid(self.sort) or "registered",
            descending=(valid(self.order) or "desc") == "desc",
            shows_addresses=self.addresses,
        )

    def page_size(self) -> int:
        return DEFAULT_PAGE_SIZE if self.per_page.errors else self.per_page.data


def _answer_pair(value: str | None) -> tuple[str, str] | None:
    question_key, _sep, choice_key = (value or "").partition(":")
    return (question_key, choice_key) if question_key and choice_key else None


def check_ticks(field) -> None:
    """The ticked registrations: at least one, not too many, each a possible id."""
    if not field.data:
        raise ValidationError(_l("Tick at least one registration."))
    if len(field.data) > MAX_CHOSEN:
        raise ValidationError(_l("Choose at most %(max)d registrations at once.", max=MAX_CHOSEN))
    if any(not 1 <= value <= MAX_ID for value in field.data):
        raise ValidationError(_l("The chosen registrations could not be read."))


class RegistrationActionForm(FlaskForm):
    """One action on the registrations ticked in the table (or on one, from its own page)."""

    ids = SelectMultipleField(
        _l("Registrations"),
        coerce=int,
        validate_choice=False,  # the service checks them against the event
        invalid_value_message=_l("The chosen registrations could not be read."),
    )
    # Every registration the list shows, on all its pages (its search and filters), not the ticked.
    everyone = BooleanField(_l("Apply to every registration of the list, on all its pages"))
    action = SelectField(_l("Action"), default="")
    reason = TextAreaField(
        _l("Reason (sent with a rejection)"),
        filters=[strip],
        validators=[Optional(), Length(max=1000), multiline_text],
        render_kw={"maxlength": 1000, "rows": 2},
    )
    return_to = HiddenField(default="table", validators=[AnyOf(["table", "registration"])])
    submit = SubmitField(_l("Apply to the ticked registrations"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = options(ACTION_LABELS.items(), _l("Choose an action"))

    def validate_ids(self, field) -> None:
        if self.everyone.data:
            return  # the ticks are not read
        check_ticks(field)

    def validate_action(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose an action."))

    def validate_reason(self, field) -> None:
        # Line breaks belong in a reason; other control characters do not (nor in an email).
        if field.data and any(
            unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\r\n" for ch in field.data
        ):
            raise ValidationError(_l("This field contains characters that are not allowed."))


class CapacityForm(FlaskForm):
    capacity = IntegerField(
        _l("Seats"),
        validators=[InputRequired(), NumberRange(min=0, max=100_000)],
        render_kw={"min": 0, "max": 100_000},
    )
    submit = SubmitField(_l("Change the capacity"))


class AddRegistrationForm(DelegateDetailsForm):
    """A delegate who registered by phone or letter, added by an organiser."""

    email = email_field()
    consent_privacy = BooleanField(
        _l("The person agreed to the privacy notice"),
        validators=[
            DataRequired(message=_l("Register someone only once they agreed to the privacy notice."))
        ],
    )
    submit = SubmitField(_l("Register"))

    def to_applicant(self):
        return self.applicant(self.email.data)


class EditRegistrationForm(DelegateDetailsForm):
    # The registration's version when the form was opened: a later change refuses this edit.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    submit = SubmitField(_l("Save changes"))


class SeatOverCapacityForm(RegistrationActionForm):
    """Protocol: the ticked people (or the one of a registration's page) confirmed even though
    the event is full. Its own button and its own confirmation, never an action of the list."""

    protocol_confirmed = BooleanField(
        _l("Seat them even though the event is full (over capacity)"),
        validators=[
            DataRequired(message=_l("Tick the box to confirm that these people are seated over capacity."))
        ],
    )
    submit = SubmitField(_l("Seat over capacity"))

    def validate_everyone(self, field) -> None:
        if field.data:
            raise ValidationError(_l("Seating over capacity applies to the ticked people only."))

    def validate_ids(self, field) -> None:
        check_ticks(field)  # whatever `everyone` says: it is refused

    def validate_action(self, field) -> None:
        pass  # no action to choose: seating is the action


class BadgesOfListForm(RegistrationActionForm):
    """The table's "Print their badges": the ticked registrations, or every one of the list (its
    search and filters); the badges service keeps the confirmed among them."""

    def validate_action(self, field) -> None:
        pass  # no action to choose: printing is the action
