"""Forms of the attendance pages: check-in, uploading a report, mapping its columns, the preview."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..console.forms import SearchForm
from ..models import BadgeRole, Registration
from ..registration.forms import options
from ..services.attendance import attendance as service
from ..services.attendance import decisions
from ..services.attendance import participant_reports as reports
from ..services.attendance.badges import Layout, Who
from ..services.attendance.participant_reports import FIELDS


class CheckInSearchForm(SearchForm):
    q = SearchField(_l("Name, email or organisation"), validators=[Optional(), Length(max=200)])


@cache
def _zones() -> tuple[tuple[str, str], ...]:
    return tuple((zone, zone) for zone in sorted(available_timezones()) if "/" in zone or zone == "UTC")


class UploadForm(FlaskForm):
    file = FileField(
        _l("Participant report"),
        validators=[FileRequired(_l("Choose the report's file."))],
        description=_l(
            "The CSV or XLSX file exported from Zoom (participants or attendee report), Microsoft Teams "
            "(attendance report) or Webex."
        ),
    )
    zone = SelectField(
        _l("Time zone of the report's times"),
        validators=[Optional()],
        description=_l(
            "Reports write times in the host account's zone. Leave it to the report: the zone it states is "
            "used, else the event's, and the preview says which; you can change it there."
        ),
    )
    submit = SubmitField(_l("Read the report"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone.choices = options(_zones(), _l("As the report says (else the event’s zone)"))


# How a report's numeric dates are written, when they read either way.
DATE_ORDERS = (
    (reports.DAY_FIRST, _l("Day first (30/06/2021, as in most of the world)")),
    (reports.MONTH_FIRST, _l("Month first (06/30/2021, as in the United States)")),
)


class ReadingForm(FlaskForm):
    """The preview's second look at the file: another zone, or the order of day and month."""

    zone = SelectField(_l("Time zone of the report's times"), validators=[Optional()])
    dates = SelectField(_l("Dates in the report"), validators=[Optional()])
    submit = SubmitField(_l("Read the report again"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone.choices = options(_zones(), _l("As the report says (else the event’s zone)"))
        self.dates.choices = options(DATE_ORDERS, _l("Decided from the file or the event’s date"))

    def day_first(self) -> bool | None:
        return None if not self.dates.data else self.dates.data == reports.DAY_FIRST


FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "join": _l("Join time"),
    "leave": _l("Leave time"),
    "duration": _l("Duration (minutes, or like “1h 5m”)"),
}


class MappingForm(FlaskForm):
    """For each of our fields, a column of the report (by position) or none."""

    name = SelectField(FIELD_LABELS["name"], validators=[InputRequired()])
    email = SelectField(FIELD_LABELS["email"])
    join = SelectField(FIELD_LABELS["join"])
    leave = SelectField(FIELD_LABELS["leave"])
    duration = SelectField(FIELD_LABELS["duration"])
    submit = SubmitField(_l("Read the report with these columns"))

    def __init__(self, header: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [
            (str(index), _l("Column %(number)d: %(name)s", number=index + 1, name=name or "–"))
            for index, name in enumerate(header)
        ]
        for name in FIELDS:
            getattr(self, name).choices = options(columns, _l("Not in the report"))

    def mapping(self) -> dict[str, int | None]:
        return {name: int(value) if (value := getattr(self, name).data) else None for name in FIELDS}


def threshold_field() -> IntegerField:
    return IntegerField(
        _l("Attended from (minutes online)"),
        validators=[InputRequired(), NumberRange(min=0, max=service.MAX_THRESHOLD)],
    )


# Unmatched participants offered one by one on the preview; the others follow one choice.
# Each offers every unmatched registration: the page stays under this many options.
CHOICES_SHOWN = 100
OPTIONS_SHOWN = 20_000


def choices_form(imported, registrations: list[Registration]) -> FlaskForm:
    """The preview's form: what becomes of each unmatched participant shown, of the others,
    and from how many minutes a participant counts as attended."""

    class ChoicesForm(FlaskForm):
        threshold = threshold_field()
        # Shown only when some unmatched participants are not listed one by one.
        others = SelectField(
            _l("The other unmatched participants"),
            # Empty: each keeps what was chosen for them (by group, say), undecided at first.
            choices=options(
                [
                    ("", _l("As chosen so far")),
                    (service.UNDECIDED, _l("Not decided yet")),
                    (service.WALK_IN, _l("Record as walk-ins")),
                    (service.IGNORE, _l("Leave out")),
                ]
            ),
            default="",
        )
        recount = SubmitField(_l("Save and count again"))
        confirm = SubmitField(_l("Import the attendance"))
        leave_out = SubmitField(_l("Import, leaving the undecided out"))

    pairs = [
        (service.UNDECIDED, _l("Not decided yet")),
        (service.WALK_IN, _l("Walk-in: took part without registering")),
        (service.IGNORE, _l("Leave out (host, interpreter, room, test connection)")),
    ]
    pairs += [
        (
            f"reg:{registration.id}",
            f"{registration.name} – {registration.email} ({registration.status.title})",
        )
        for registration in registrations
    ]
    shown = [
        (index, entry) for index, entry in enumerate(imported.participants) if service.is_open_choice(entry)
    ][: max(5, min(CHOICES_SHOWN, OPTIONS_SHOWN // len(pairs)))]
    for index, entry in shown:
        field = SelectField(entry["name"], choices=options(pairs), default=_choice_of(entry))
        setattr(ChoicesForm, f"p{index}", field)
    form = ChoicesForm(threshold=imported.event.attendance_min_minutes)
    form.shown = shown
    return form


def _choice_of(entry: dict) -> str:
    return f"reg:{entry['reg']}" if entry["reg"] is not None else entry["decision"]


def chosen(form) -> dict[int, str]:
    return {index: getattr(form, f"p{index}").data for index, _ in form.shown}


GROUP_TITLES = {
    decisions.STAFF: _l("Likely staff or technical: hosts, panellists, interpreters, rooms"),
    decisions.PHONE: _l("Phone dial-ins"),
    decisions.OTHERS: _l("Others"),
}


_DECISIONS = "|".join(service.UNMATCHED_DECISIONS)


class GroupForm(FlaskForm):
    """One click for every unmatched person of a group of the preview: the button pressed
    sends "<group>:<decision>"."""

    pick = HiddenField(
        validators=[InputRequired(), Regexp(rf"^({'|'.join(decisions.GROUPS)}):({_DECISIONS})$")]
    )

    def picked(self) -> tuple[str, str]:
        group, _, choice = self.pick.data.partition(":")
        return group, choice


class DecideForm(FlaskForm):
    """One person's choice on the preview, one click: "<index>:<decision or reg:<id>>"."""

    pick = HiddenField(validators=[InputRequired(), Regexp(rf"^\d{{1,7}}:({_DECISIONS}|reg:\d{{1,12}})$")])

    def picked(self) -> tuple[int, str]:
        index, _, choice = self.pick.data.partition(":")
        return int(index), choice


class MergeForm(FlaskForm):
    """The registration, or the other walk-in, a walk-in is the same person as."""

    into = SelectField(
        _l("The same person as"),
        validators=[InputRequired(), Regexp(r"^(reg|walk_in):\d+$")],
    )
    submit = SubmitField(_l("Merge"))

    def __init__(self, registrations, walk_ins, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.into.choices = options(
            [(f"reg:{r.id}", _l("Registration: %(name)s", name=r.name)) for r in registrations]
            + [(f"walk_in:{w.id}", _l("Walk-in: %(name)s", name=w.name)) for w in walk_ins],
            _l("Choose…"),
        )

    def target(self) -> dict[str, int]:
        kind, _, number = self.into.data.partition(":")
        return {"registration_id" if kind == "reg" else "walk_in_id": int(number)}


class ThresholdForm(FlaskForm):
    minutes = threshold_field()
    submit = SubmitField(_l("Save"))


# --- badges and check-in by scanning -----------------------------------------------------------


class BadgesForm(FlaskForm):
    who = RadioField(
        _l("Whose badges"),
        choices=options(
            [
                (Who.EVERYONE.value, _l("Everyone confirmed")),
                (Who.LATE.value, _l("Late arrivals: the confirmed whose badge was never printed")),
            ]
        ),
        default=Who.EVERYONE.value,
    )
    layout = RadioField(
        _l("Paper"),
        choices=options(
            [
                (Layout.A4.value, _l("A4 sheets of four badges, with cut marks")),
                (Layout.A6.value, _l("A6, one badge a page")),
            ]
        ),
        default=Layout.A4.value,
    )
    submit = SubmitField(_l("Print the badges (PDF)"))


class BadgeRoleForm(FlaskForm):
    role = SelectField(_l("Badge role"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the badge"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = options(BadgeRole.choices())


class ScanForm(FlaskForm):
    """A code read by the camera (sent by the page's script, as JSON) or typed (a handheld
    scanner types it too)."""

    code = StringField(
        _l("Check-in code"),
        filters=[lambda value: (value or "").strip()],
        validators=[InputRequired(_l("Scan or type a check-in code.")), Length(max=100)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    client_id = StringField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{8,64}$")])
    # When the page read it, in milliseconds since 1970 (a queued scan arrives later).
    scanned_at = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**53)])
    submit = SubmitField(_l("Check in"))
