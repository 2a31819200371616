"""Forms of the programme pages: series, events, agenda, speakers, documents.

Each form turns what was posted into the service's details (`details()`);
an event's local times are read in the zone chosen on the same form.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..models import (
    AgendaItem,
    AgendaItemKind,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    Series,
    SpeakerGender,
    SpeakerRole,
    StandardField,
)
from ..registration.forms import MultiCheckboxField, multiline_text, options, plain_text, strip
from ..services.mail.reminders import (
    MINUTES_PER_DAY,
    Reminder,
    ScheduleError,
    parse_offset,
    validate_schedule,
)
from ..services.programme.documents import DocumentDetails
from ..services.programme.programme import (
    EventDetails,
    ItemDetails,
    ProgrammeError,
    SeriesDetails,
    SpeakerDetails,
    local_instant,
)

TEXT_MAX = 20_000
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
NO_REMINDERS = "none"


@cache
def zone_choices() -> list:
    return options((name, name) for name in sorted(available_timezones()))


def optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def line(label, max_length: int, required: bool = False, **kwargs) -> StringField:
    """A one-line text field: trimmed, no control characters, at most `max_length`."""
    first = [DataRequired()] if required else [Optional()]
    return StringField(
        label,
        filters=[strip],
        validators=[*first, Length(max=max_length), plain_text],
        render_kw={"maxlength": max_length},
        **kwargs,
    )


def text(label, max_length: int = TEXT_MAX, **kwargs) -> TextAreaField:
    return TextAreaField(
        label, filters=[strip], validators=[Optional(), Length(max=max_length), multiline_text], **kwargs
    )


def web_address(form, field) -> None:
    try:
        parts = urlsplit(field.data or "")
    except ValueError:  # "https://[": an unclosed IPv6 host
        raise ValidationError(_l("Enter an address starting with https:// or http://.")) from None
    if field.data and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ValidationError(_l("Enter an address starting with https:// or http://."))


def url_field(label, required: bool = False, **kwargs) -> URLField:
    return URLField(
        label,
        filters=[strip],
        validators=[DataRequired() if required else Optional(), Length(max=500), web_address],
        render_kw={"maxlength": 500},
        **kwargs,
    )


def enum_select(label, enum_cls, **kwargs) -> SelectField:
    def coerce(value):
        # An unknown value stays as sent, so that it fails as "Not a valid choice".
        try:
            return enum_cls(value)
        except ValueError:
            return value

    return SelectField(
        label,
        choices=options(enum_cls.choices()),
        coerce=coerce,
        **{"validators": [InputRequired()], **kwargs},
    )


def local_time(label, required: bool = False, **kwargs) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        format=LOCAL_FORMATS,
        validators=[InputRequired() if required else Optional()],
        invalid_value_message=_l("Enter a date and time."),
        **kwargs,
    )


# --- reminders as text: "7d, 1d, 1h" ------------------------------------------------------


def schedule_text(stored: list | None) -> str:
    if stored is None:
        return ""
    if not stored:
        return NO_REMINDERS
    return ", ".join(_offset_text(int(item["minutes"])) for item in stored)


def _offset_text(minutes: int) -> str:
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_schedule(value: str) -> list[Reminder] | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.lower() == NO_REMINDERS:
        return []
    try:
        parts = [part for part in value.replace(";", ",").split(",") if part.strip()]
        return validate_schedule([Reminder(parse_offset(part)) for part in parts])
    except ScheduleError as error:
        raise ValidationError(
            _l("Write offsets such as 7d, 1d, 1h (%(problem)s).", problem=str(error))
        ) from None


def reminders_field(inherit_hint) -> StringField:
    return StringField(
        _l("Reminders before the start"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
        description=_l(
            "Offsets separated by commas: 7d, 1d, 1h (d days, h hours, m minutes); “none” for no "
            "reminders; empty for %(inherit)s.",
            inherit=inherit_hint,
        ),
        render_kw={"maxlength": 100, "placeholder": "7d, 1d, 1h"},
    )


class PageForm(FlaskForm):
    """A form that shares its page with others: its fields' HTML ids start with `id_prefix`,
    while their names (what is posted) stay plain."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:
            field.id = field.label.field_id = f"{self.id_prefix}{field.name}"


class VersionedForm(FlaskForm):
    """An edit form carrying the version of the row it was opened on."""

    version = HiddenField()

    def version_number(self) -> int | None:
        """The version posted; a form that posts none is as stale as can be."""
        posted = self.version.raw_data
        try:
            return int(posted[0]) if posted else None
        except ValueError:
            return None


# --- the standard fields its registration form asks (registration/standard_fields.py) ------


def standard_field_choices() -> list:
    titles = StandardField._titles()
    return options((field.value, titles[field]) for field in StandardField)


class FormFieldsForm(FlaskForm):
    """Which standard fields the registration form asks, and which of them it requires (a
    field ticked as required is asked)."""

    asked_fields = MultiCheckboxField(_l("Asked"), choices=standard_field_choices(), validate_choice=True)
    required_fields = MultiCheckboxField(
        _l("Required"), choices=standard_field_choices(), validate_choice=True
    )

    def form_fields(self) -> dict[str, bool]:
        required = set(self.required_fields.data or ())
        asked = set(self.asked_fields.data or ()) | required
        return {field.value: field.value in required for field in StandardField if field.value in asked}

    @staticmethod
    def data_of_fields(form_fields: dict | None) -> dict:
        setting = form_fields or {}
        return {
            "asked_fields": list(setting),
            "required_fields": [name for name, required in setting.items() if required],
        }


# --- series --------------------------------------------------------------------------------


class SeriesForm(VersionedForm, FormFieldsForm):
    title = line(_l("Title"), 300, required=True)
    description = text(_l("Description"), description=_l("Markdown: *italics*, **bold**, lists, links."))
    chair = line(_l("Chair"), 200)
    organiser = line(_l("Organiser"), 200)
    is_published = BooleanField(_l("Published (shown on the public pages)"), default=True)
    reminders = reminders_field(_l("the default (7 days, 1 day and 1 hour before)"))
    retention_months = IntegerField(
        _l("Keep registrants' personal data for (months)"),
        default=24,
        validators=[Optional(), NumberRange(min=1, max=240)],
        description=_l(
            "Counted from the end of the series' last event; then names and addresses are removed "
            "and only the figures stay. Empty: 24."
        ),
        render_kw={"min": 1, "max": 240, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save the series"))

    def validate_reminders(self, field) -> None:
        parse_schedule(field.data)

    @classmethod
    def data_of(cls, series: Series) -> dict:
        return {
            "title": series.title,
            "description": series.description,
            "chair": series.chair,
            "organiser": series.organiser,
            "is_published": series.is_published,
            "reminders": schedule_text(series.reminder_schedule),
            "retention_months": series.retention_months,
            "version": series.version,
            **cls.data_of_fields(series.form_fields),
        }

    def details(self) -> SeriesDetails:
        return SeriesDetails(
            title=self.title.data,
            description=self.description.data or "",
            chair=self.chair.data or "",
            organiser=self.organiser.data or "",
            is_published=self.is_published.data,
            reminder_schedule=parse_schedule(self.reminders.data),
            retention_months=self.retention_months.data or SeriesDetails.retention_months,
            form_fields=self.form_fields() or None,
        )


# --- events --------------------------------------------------------------------------------


class EventForm(VersionedForm, FormFieldsForm):
    title = line(_l("Title"), 300, required=True)
    series = SelectField(_l("Series"), coerce=optional_int, validators=[Optional()])
    kind = enum_select(_l("Kind"), EventKind)
    format = enum_select(_l("Format"), EventFormat)
    theme = line(_l("Theme"), 200)
    timezone = SelectField(
        _l("Time zone"),
        choices=zone_choices(),
        validators=[InputRequired()],
        description=_l("The times below are read in this zone, and shown to delegates in it."),
    )
    start = local_time(_l("Starts"), required=True)
    end = local_time(_l("Ends"), required=True)
    place = line(_l("Place"), 300, description=_l("For a meeting in person: the venue and city."))
    join_url = url_field(
        _l("Join link"), description=_l("Sent only to confirmed registrants, in the reminders.")
    )
    join_passcode = line(
        _l("Passcode"), 100, description=_l("Shown with the join link, to confirmed registrants only.")
    )
    dial_in = text(
        _l("Dial-in"),
        max_length=2000,
        description=_l("Telephone numbers, one a line, and the meeting ID; to confirmed registrants only."),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        description=_l("Seats; empty for no limit. Extra seats go to the waiting list in order."),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    registration_opens = local_time(_l("Registration opens"), description=_l("Empty: open now."))
    registration_closes = local_time(_l("Registration closes"), description=_l("Empty: at the start."))
    requires_approval = BooleanField(_l("The organisers approve each registration"))
    reminders = reminders_field(_l("the series' reminders, else the default (7 days, 1 day, 1 hour)"))
    description = text(
        _l("Description"),
        description=_l("Markdown: *italics*, **bold**, lists, links. Shown on the event page."),
    )
    outcomes = text(_l("Outcomes"), description=_l("What the meeting produced; Markdown."))
    recommendations_count = IntegerField(
        _l("Recommendations adopted"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10_000)],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    # Shown when editing: checked unless the organiser corrects a slip nobody should hear of.
    notify_registrants = BooleanField(
        _l("Notify registrants of this change"),
        description=_l(
            "Sent only if the time, format, place or join details change, with the old and the new "
            "values. Uncheck it to correct a mistake without emailing anyone."
        ),
    )
    own_form_fields = BooleanField(
        _l("This event asks its own fields (otherwise those of its series)"),
        description=_l("A standalone event asks only the fields ticked here, and only with this box ticked."),
    )
    submit = SubmitField(_l("Save the event"))

    def __init__(
        self, *args, series_choices: Sequence[Series] = (), standalone_allowed: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        pairs = ((series.id, series.title) for series in series_choices)
        if standalone_allowed:
            self.series.choices = options(pairs, _l("None: a standalone event"))
        else:  # a partner's event stays in one of its series
            self.series.choices = options(pairs)
            self.series.validators = [DataRequired()]
        self.instants: dict[str, datetime | None] = {}

    def validate_reminders(self, field) -> None:
        parse_schedule(field.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.timezone.errors:
            return False
        for name in ("start", "end", "registration_opens", "registration_closes"):
            field = getattr(self, name)
            if field.errors or field.data is None:
                self.instants[name] = None
                continue
            try:
                self.instants[name] = local_instant(field.data, self.timezone.data, name)
            except ProgrammeError as error:
                field.errors.append(str(error))
                valid = False
        return self._check_order() and valid

    def _check_order(self) -> bool:
        pairs = (
            ("start", "end", _l("The event must end after it starts.")),
            ("registration_opens", "registration_closes", _l("Registration must close after it opens.")),
        )
        valid = True
        for first, second, message in pairs:
            earlier, later = self.instants.get(first), self.instants.get(second)
            if earlier and later and later <= earlier:
                getattr(self, second).errors.append(message)
                valid = False
        return valid

    @classmethod
    def data_of(cls, event: Event) -> dict:
        def local(instant):
            return instant.astimezone(event.zone).replace(tzinfo=None) if instant else None

        return {
            "title": event.title,
            "series": event.series_id,
            "kind": event.kind,
            "format": event.format,
            "theme": event.theme,
            "timezone": event.timezone,
            "start": local(event.start_dt),
            "end": local(event.end_dt),
            "place": event.place,
            "join_url": event.join_url,
            "join_passcode": event.join_passcode,
            "dial_in": event.dial_in,
            "capacity": event.capacity,
            "registration_opens": local(event.registration_opens_dt),
            "registration_closes": local(event.registration_closes_dt),
            "requires_approval": event.requires_approval,
            "reminders": schedule_text(event.reminder_schedule),
            "description": event.description,
            "outcomes": event.outcomes,
            "recommendations_count": event.recommendations_count,
            "notify_registrants": True,
            "version": event.version,
            "own_form_fields": event.form_fields is not None,
            **cls.data_of_fields(event.form_fields),
        }

    def details(self) -> EventDetails:
        start, end = self.instants["start"], self.instants["end"]
        assert start is not None and end is not None  # required fields, read by validate()
        return EventDetails(
            title=self.title.data,
            series_id=self.series.data,
            kind=self.kind.data,
            format=self.format.data,
            theme=self.theme.data or "",
            timezone=self.timezone.data,
            start_dt=start,
            end_dt=end,
            place=self.place.data or "",
            join_url=self.join_url.data or "",
            join_passcode=self.join_passcode.data or "",
            dial_in=self.dial_in.data or "",
            capacity=self.capacity.data,
            registration_opens_dt=self.instants["registration_opens"],
            registration_closes_dt=self.instants["registration_closes"],
            requires_approval=self.requires_approval.data,
            reminder_schedule=parse_schedule(self.reminders.data),
            description=self.description.data or "",
            outcomes=self.outcomes.data or "",
            recommendations_count=self.recommendations_count.data or 0,
            notify_registrants=self.notify_registrants.data,
            form_fields=self.form_fields() if self.own_form_fields.data else None,
        )


class CancelForm(PageForm):
    id_prefix = "cancel-"
    note = text(
        _l("A note to the registrants (optional)"),
        max_length=2000,
        description=_l("Added to the cancellation email, for instance the new date if there is one."),
    )
    submit = SubmitField(_l("Cancel and tell the registrants"))


# --- agenda and speakers -------------------------------------------------------------------


class AgendaItemForm(PageForm):
    id_prefix = "item-"
    kind = enum_select(_l("Kind"), AgendaItemKind)
    title = line(_l("Title"), 300, required=True)
    description = text(_l("Description"), max_length=5000, description=_l("Markdown."))
    start = local_time(_l("Starts"))  # its hint names the event's zone (templates)
    end = local_time(_l("Ends"), description=_l("Optional; after the start."))
    room = line(_l("Room or session"), 200, description=_l("Optional."))
    submit = SubmitField(_l("Save the item"))

    @staticmethod
    def local_times(item: AgendaItem) -> dict:
        """The item's times as the form shows them: wall-clock times in the event's zone."""
        zone = item.event.zone
        return {
            name: instant.astimezone(zone).replace(tzinfo=None) if instant else None
            for name, instant in (("start", item.start_dt), ("end", item.end_dt))
        }

    def details(self, zone_name: str) -> ItemDetails:
        """Raises ProgrammeError (on its field) for a time the event's zone skips or repeats."""
        start, end = (
            local_instant(field.data, zone_name, field.name) if field.data else None
            for field in (self.start, self.end)
        )
        return ItemDetails(
            title=self.title.data,
            kind=self.kind.data,
            description=self.description.data or "",
            start_dt=start,
            end_dt=end,
            room=self.room.data or "",
        )


class SpeakerForm(PageForm):
    id_prefix = "speaker-"
    role = enum_select(_l("Role"), SpeakerRole)
    name = line(_l("Name"), 200, required=True)
    title = line(_l("Title or position"), 300)
    organisation = line(_l("Organisation"), 300)
    gender = enum_select(
        _l("Gender"),
        SpeakerGender,
        description=_l("Optional: in French and Arabic, the title of their role agrees with it."),
        # Optional: a form (or a script) that leaves it out means "not given".
        validators=[],
        default=SpeakerGender.NOT_GIVEN,
    )
    submit = SubmitField(_l("Save the speaker"))

    def details(self) -> SpeakerDetails:
        return SpeakerDetails(
            name=self.name.data,
            role=self.role.data,
            title=self.title.data or "",
            organisation=self.organisation.data or "",
            gender=self.gender.data,
        )


# --- documents -----------------------------------------------------------------------------


PUBLIC, REGISTRANTS = "public", "registrants"


class DocumentForm(PageForm):
    title = line(_l("Title"), 300, required=True)
    kind = enum_select(_l("Kind"), DocumentKind)
    # Chosen each time, never a default: a document meant for participants only (a draft, a
    # list of delegates) once went public because a box was ticked in advance.
    audience = SelectField(
        _l("Who can download it"),
        choices=options(
            [
                (PUBLIC, _l("Anyone: it is on the public pages")),
                (REGISTRANTS, _l("Registrants only: from their personal link")),
            ],
            _l("Choose who can download it"),
        ),
        validators=[InputRequired(_l("Choose who can download it."))],
        validate_choice=True,
    )
    submit = SubmitField(_l("Save the document"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        document = kwargs.get("obj")
        if document is not None and not self.is_submitted():
            self.audience.data = PUBLIC if document.is_public else REGISTRANTS

    def validate_audience(self, field) -> None:
        if field.data not in (PUBLIC, REGISTRANTS):
            raise ValidationError(_l("Choose who can download it."))

    def details(self) -> DocumentDetails:
        public = self.audience.data == PUBLIC
        return DocumentDetails(title=self.title.data, kind=self.kind.data, is_public=public)


class DocumentFileForm(DocumentForm):
    id_prefix = "file-"
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file."))],
        render_kw={"accept": ".pdf,.docx,.pptx"},
    )
    submit = SubmitField(_l("Upload"))


class DocumentLinkForm(DocumentForm):
    id_prefix = "link-"
    url = url_field(_l("Address"), required=True, description=_l("A recording or a page elsewhere."))
    submit = SubmitField(_l("Add the link"))


class NominationSettingsForm(FlaskForm):
    """An event's nominations by focal points (issue 21): a quota per delegation switches them on."""

    quota = IntegerField(
        _l("Nominees per delegation"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Empty: no nominations."),
        render_kw={"min": 1, "max": 100},
    )
    closes = local_time(_l("Nominations close"), description=_l("Empty: when registration closes."))
    submit = SubmitField(_l("Save the nominations"))

    @classmethod
    def of(cls, event: Event) -> NominationSettingsForm:
        closes = event.nominations_close_dt
        local = closes.astimezone(event.zone).replace(tzinfo=None) if closes else None
        return cls(formdata=None, data={"quota": event.nomination_quota, "closes": local})
