"""The figures of the summaries: of an event, of a series, of the programme over years.

Every figure is counted by the database with aggregate SQL (GROUP BY, COUNT,
CASE): no registration is loaded into Python, so a summary runs the same few
statements for ten registrations as for a hundred thousand. Only events are
read as rows (a programme has hundreds, not millions). The exception is who
took part in each event: one row of lists per event, stored in the database
until the event's participants change, so that a change
counts its own event again and not the whole programme; the job queue counts
it soon after the change, so that a reader seldom does.

Who counts as a participant of an event: the people recorded as having
attended it (registrants and walk-ins), or, for an event whose attendance was
never recorded, its confirmed registrations -- and the summary says so.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Literal, cast, overload

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased

from ...database import (
    BEGIN_IMMEDIATE,
    SQLITE_BUSY_TIMEOUT_MS,
    lock_row,
    sqlite_transaction_wrote,
    utcnow,
    write_transaction,
)
from ...extensions import db
from ...models import (
    Account,
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    EventKind,
    Gender,
    OrganisationKind,
    ParticipantsVersion,
    PublishedFigures,
    Registration,
    RegistrationStatus,
    Series,
)
from .. import audit, regions
from ..attendance import attendance
from ..registration import questions

logger = logging.getLogger(__name__)

CONFIRMED = RegistrationStatus.CONFIRMED
TOP_ORGANISATIONS = 10
SUMMARY_TEXT_MAX = 10_000


# --- what a summary holds -----------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a country, a region, a kind of organisation..."""

    key: str
    label: str
    count: int
    countries: int = 0  # for regions: how many countries of it were represented


@dataclass
class Figures:
    """The figures of one event; a series shows one row of them per module."""

    event: Event
    registered: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0
    cancelled: int = 0
    rejected: int = 0
    attendance_rows: int = 0
    attended: int = 0
    attended_confirmed: int = 0
    walk_ins: int = 0
    # Attendees checked in at the door: an arrival, no minutes online (see attendance.check_in).
    arrivals: int = 0
    # Minutes online, of the attendees of a participant report (check-ins left out).
    average_minutes: float | None = None
    median_minutes: float | None = None
    participants: int = 0
    countries: int = 0
    returning: int = 0
    # Arrivals at the door by quarter of an hour, the event's local time: [("09:00", 12), ...]
    arrival_times: list = field(default_factory=list)

    @property
    def attendance_recorded(self) -> bool:
        return self.attendance_rows > 0

    @property
    def based_on_registrations(self) -> bool:
        return not self.attendance_recorded

    @property
    def attendance_rate(self) -> float | None:
        """Attended confirmed registrants out of the confirmed ones."""
        if not self.attendance_recorded or not self.confirmed:
            return None
        return self.attended_confirmed / self.confirmed

    @property
    def no_shows(self) -> int | None:
        if not self.attendance_recorded:
            return None
        return self.confirmed - self.attended_confirmed

    @property
    def first_time(self) -> int:
        return self.participants - self.returning

    @property
    def online(self) -> int:
        """Attendees of a participant report: online (or on a sign-in sheet), not at the door."""
        return self.attended - self.arrivals

    @property
    def in_person(self) -> bool:
        """Attendance recorded at the door: arrivals to show, not minutes online."""
        return self.arrivals > 0


@dataclass(frozen=True)
class Change:
    """How a figure moved from the previous module."""

    difference: int
    percent: float | None  # None when the previous module had none


@dataclass
class Breakdowns:
    """Who the participants were: countries, regions, kinds of organisation."""

    countries: list[Share] = field(default_factory=list)
    regions: list[Share] = field(default_factory=list)
    sub_regions: list[Share] = field(default_factory=list)
    organisation_kinds: list[Share] = field(default_factory=list)
    member_states: int = 0  # countries represented by member-state delegates
    # Whose participants the statements that follow read (top organisations), and who they
    # were, event by event (modules attended).
    taking_part: TakingPart | None = field(default=None, repr=False, compare=False)
    people: dict[int, EventPeople] = field(default_factory=dict, repr=False, compare=False)

    @property
    def country_count(self) -> int:
        return sum(1 for share in self.countries if share.key)


@dataclass(frozen=True)
class GenderShare:
    """One gender as people gave it, or "not collected" (key ""): registered and attended."""

    key: str
    label: str
    registered: int
    attended: int


@dataclass
class GenderFigures:
    """Participation by gender, over the events whose form asked it (the others' registrants
    were never asked). Attended: registrants who attended (walk-ins were not asked)."""

    events: int
    shares: list[GenderShare]
    heads_of_delegation: int = 0  # registered as head of their delegation, where asked
    heads_attended: int = 0

    @property
    def registered(self) -> int:
        return sum(share.registered for share in self.shares)

    @property
    def attended(self) -> int:
        return sum(share.attended for share in self.shares)


@dataclass
class EventSummary:
    event: Event
    figures: Figures
    breakdowns: Breakdowns
    top_organisations: list[Share]
    # The public summary's: when and by whom its figures were published (else the live ones).
    published_dt: datetime | None = None

    @property
    def recommendations(self) -> int:
        return self.event.recommendations_count


@dataclass
class ModuleRow:
    figures: Figures
    registered_change: Change | None
    attended_change: Change | None  # participants: attendees, or confirmed when not recorded


@dataclass
class SeriesSummary:
    series: Series
    rows: list[ModuleRow]
    unique_participants: int
    participations: int
    modules_attended: list[tuple[int, int]]  # (number of modules, people), 1..all
    breakdowns: Breakdowns
    # The public summary's: the modules whose figures are not published yet (left out).
    unpublished: list[Event] = field(default_factory=list)
    # Whether these are the published figures (the public page's) or the live ones.
    published_only: bool = False

    @property
    def modules(self) -> int:
        return len(self.rows)

    @property
    def recommendations(self) -> int:
        return sum(row.figures.event.recommendations_count for row in self.rows)

    @property
    def any_based_on_registrations(self) -> bool:
        return any(row.figures.based_on_registrations for row in self.rows)


@dataclass
class ProgrammeSummary:
    start: date | None
    end: date | None
    events: list[Event]
    years: list[int]
    kinds: list[EventKind]
    meetings: dict[int, Counter]  # year -> Counter of kinds
    participations_by_year: dict[int, int]
    participations_by_event: dict[int, int]
    participations: int
    unique_participants: int
    recommendations: int
    breakdowns: Breakdowns
    events_without_attendance: int
    # The public summary's: the meetings held whose figures are not published yet (left out).
    events_unpublished: int = 0

    @property
    def meeting_count(self) -> int:
        return len(self.events)

    def meetings_of(self, kind: EventKind) -> int:
        return sum(counter[kind] for counter in self.meetings.values())

    @property
    def first_date(self) -> date | None:
        return min((local_date(event) for event in self.events), default=None)

    @property
    def last_date(self) -> date | None:
        return max((local_date(event) for event in self.events), default=None)


def local_date(event: Event) -> date:
    return event.start_dt.astimezone(event.zone).date()


# --- who took part, as SQL built once -------------------------------------------------------------
#
# The statements over the participants are built once, with the events as parameters:
# building them anew each time would cost more than running them for one event.


@dataclass(frozen=True)
class TakingPart:
    """The events whose participants a statement reads: those whose attendance was
    recorded (their attendees took part), and the others (their confirmed registrations)."""

    recorded: tuple[int, ...]
    unrecorded: tuple[int, ...]

    @classmethod
    def of(cls, event_ids: Iterable[int], recorded: set[int]) -> TakingPart:
        ids = list(event_ids)
        return cls(tuple(i for i in ids if i in recorded), tuple(i for i in ids if i not in recorded))

    @property
    def params(self) -> dict:
        return {
            "recorded_events": list(self.recorded),
            "unrecorded_events": list(self.unrecorded),
            "summarised_events": [*self.recorded, *self.unrecorded],
        }


def _events(name: str = "events") -> sa.BindParameter:
    return sa.bindparam(name, expanding=True)


@cache
def _participants(organisations: bool = True) -> sa.CompoundSelect:
    """One row per participant of each event (`TakingPart.params`): its attendees where
    attendance was recorded, else its confirmed registrations."""
    return _participants_of(_events("recorded_events"), _events("unrecorded_events"), organisations)


def _participants_of(recorded, unrecorded, organisations: bool = True) -> sa.CompoundSelect:
    """One row per participant of the `recorded` events (SQL: a parameter or a subquery; their
    attendees) and of the `unrecorded` ones (their confirmed registrations).

    A walk-in whose email is a known delegate's counts as that delegate (for
    returning and unique counts), with the delegate's details where the report
    had none; `anonymous_key` tells apart the walk-ins nobody knows, `registered`
    the participants who took part by their registration (not walk-ins). An
    attendee's registration is of the attendee's event: saying so lets both tables
    be read through their event indexes, in the same order (PostgreSQL merges them).
    Without `organisations`, the registrations are read from their summaries index alone.
    """
    attended = Attendance.attended.is_(True)
    no_key = sa.cast(sa.null(), Attendance.participant_key.type)
    known = aliased(Delegate)
    registrants = (
        sa.select(
            Attendance.event_id.label("event_id"),
            Registration.delegate_id.label("delegate_id"),
            no_key.label("anonymous_key"),
            Registration.country.label("country"),
            Registration.organisation_kind.label("organisation_kind"),
            sa.true().label("registered"),
        )
        .join(
            Registration,
            sa.and_(
                Registration.event_id == Attendance.event_id, Registration.id == Attendance.registration_id
            ),
        )
        .where(Attendance.event_id.in_(recorded), Registration.event_id.in_(recorded), attended)
    )
    walk_ins = (
        sa.select(
            Attendance.event_id,
            known.id,
            sa.case((known.id.is_(None), Attendance.participant_key)),
            sa.func.coalesce(sa.func.nullif(Attendance.country, ""), known.country, ""),
            sa.func.coalesce(Attendance.organisation_kind, known.organisation_kind),
            sa.false(),
        )
        .outerjoin(known, sa.and_(Attendance.email != "", known.email == Attendance.email))
        .where(Attendance.event_id.in_(recorded), Attendance.registration_id.is_(None), attended)
    )
    registered = sa.select(
        Registration.event_id,
        Registration.delegate_id,
        no_key,
        Registration.country,
        Registration.organisation_kind,
        sa.true(),
    ).where(Registration.event_id.in_(unrecorded), Registration.status == CONFIRMED)
    if organisations:
        registrants = registrants.add_columns(Registration.organisation.label("organisation"))
        walk_ins = walk_ins.add_columns(
            sa.func.coalesce(sa.func.nullif(Attendance.organisation, ""), known.organisation, "")
        )
        registered = registered.add_columns(Registration.organisation)
    return sa.union_all(registrants, walk_ins, registered)


# --- figures per event --------------------------------------------------------------------------


def _figures(events: Sequence[Event]) -> tuple[dict[int, Figures], Breakdowns]:
    """The figures of each event and the breakdowns of them all, in five statements
    whatever the number of events and registrations (when their people are stored, see
    `_people`)."""
    ids = [event.id for event in events]
    figures = {event.id: Figures(event=event) for event in events}
    if not ids:
        return figures, Breakdowns()
    _count_registrations(ids, figures)
    _count_attendance(ids, figures)
    for event_id, median in _medians(ids):
        figures[event_id].median_minutes = float(median)
    taking_part = TakingPart.of(ids, {i for i, row in figures.items() if row.attendance_recorded})
    people = _people(*_versions(ids))
    latest = max(event.start_dt for event in events)
    for event_id, count in db.session.execute(_returning(), {**taking_part.params, "latest": latest}):
        figures[event_id].returning = count
    for event_id, row in figures.items():
        row.participants = row.attended if row.attendance_recorded else row.confirmed
        row.countries = len(
            {country for country, _ in people.get(event_id, NOBODY).participations if country}
        )
    breakdowns = _breakdowns(_shares(people.values()))
    breakdowns.taking_part, breakdowns.people = taking_part, people
    return figures, breakdowns


@cache
def _returning() -> sa.Select[int, int]:
    """How many participants of each event had taken part in an earlier one: attended it,
    or were confirmed for it when its attendance was not recorded (cancelled events aside).
    `latest`: the start of the last event summarised (no later event can be earlier).

    Set-based: the first such start of each delegate taking part, then compared with the
    start of the event they take part in. Their registrations in the events summarised are
    among the participants already; the others are read by index, and attendance by its
    event and registration. (A walk-in's earlier attendance without a registration does not
    count: only registrations say who someone is.)"""
    participant = _participants(organisations=False).cte("participant")
    earlier = aliased(Registration)
    attended = aliased(Attendance)
    held = (
        sa.select(
            Event.id,
            Event.start_dt,
            # A scalar subquery, read for the few rows that need it; PostgreSQL would read
            # every attendance row to hash an EXISTS.
            sa.select(Attendance.id)
            .where(Attendance.event_id == Event.id)
            .limit(1)
            .scalar_subquery()
            .is_not(None)
            .label("recorded"),
        )
        .where(Event.is_cancelled.is_(False), Event.start_dt < sa.bindparam("latest"))
        .subquery("held")
    )
    summarised = sa.and_(participant.c.registered.is_(True), participant.c.event_id == held.c.id)
    elsewhere = (
        sa.select(earlier.delegate_id, held.c.start_dt)
        .join(held, held.c.id == earlier.event_id)
        .outerjoin(
            attended,
            sa.and_(
                attended.event_id == earlier.event_id,
                attended.registration_id == earlier.id,
                attended.attended.is_(True),
            ),
        )
        .where(
            earlier.delegate_id.in_(sa.select(participant.c.delegate_id)),
            # A parameter of its own: an empty list renders otherwise for NOT IN than for IN.
            earlier.event_id.not_in(_events("summarised_events")),
            sa.or_(
                attended.registration_id.is_not(None),
                sa.and_(earlier.status == CONFIRMED, ~held.c.recorded),
            ),
        )
    )
    taking_part = sa.union_all(
        sa.select(participant.c.delegate_id, held.c.start_dt).join(held, summarised), elsewhere
    ).subquery("took_part")
    first = (
        sa.select(taking_part.c.delegate_id, sa.func.min(taking_part.c.start_dt).label("start_dt"))
        .group_by(taking_part.c.delegate_id)
        .subquery("first_participation")
    )
    return (
        sa.select(participant.c.event_id, sa.func.count())
        .join(Event, Event.id == participant.c.event_id)
        .join(first, first.c.delegate_id == participant.c.delegate_id)
        .where(first.c.start_dt < Event.start_dt)
        .group_by(participant.c.event_id)
    )


_STATUS_FIELDS = {
    RegistrationStatus.CONFIRMED: "confirmed",
    RegistrationStatus.WAITLISTED: "waitlisted",
    RegistrationStatus.PENDING: "pending",
    RegistrationStatus.CANCELLED: "cancelled",
    RegistrationStatus.REJECTED: "rejected",
}


def _count_registrations(ids: Sequence[int], figures: dict[int, Figures]) -> None:
    """Registrations by status, and how many of the confirmed ones attended."""
    for event_id, status, count, attended in db.session.execute(_registrations_by_status(), {"events": ids}):
        row = figures[event_id]
        row.registered += count
        setattr(row, _STATUS_FIELDS[status], count)
        row.attended_confirmed += attended


@cache
def _registrations_by_status() -> sa.Select[int, RegistrationStatus, int, int]:
    came = sa.and_(Registration.status == CONFIRMED, Attendance.id.is_not(None))
    return (
        sa.select(
            Registration.event_id, Registration.status, sa.func.count(), sa.func.count(sa.case((came, 1)))
        )
        .outerjoin(
            Attendance,
            sa.and_(
                Attendance.event_id.in_(_events()),
                Attendance.event_id == Registration.event_id,
                Attendance.registration_id == Registration.id,
                Attendance.attended.is_(True),
            ),
        )
        .where(Registration.event_id.in_(_events()))
        .group_by(Registration.event_id, Registration.status)
    )


def _count_attendance(ids: Sequence[int], figures: dict[int, Figures]) -> None:
    for row in db.session.execute(_attendance_by_event(), {"events": ids}):
        target = figures[row.event_id]
        target.attendance_rows, target.attended, target.walk_ins = row.rows, row.attended, row.walk_ins
        target.arrivals = row.arrivals
        target.average_minutes = None if row.average_minutes is None else float(row.average_minutes)


@cache
def _attendance_by_event() -> sa.Select:
    attended = Attendance.attended.is_(True)
    at_the_door = Attendance.source == AttendanceSource.CHECK_IN
    return (
        sa.select(
            Attendance.event_id,
            sa.func.count().label("rows"),
            sa.func.count(sa.case((attended, 1))).label("attended"),
            sa.func.count(sa.case((sa.and_(attended, Attendance.registration_id.is_(None)), 1))).label(
                "walk_ins"
            ),
            sa.func.count(sa.case((sa.and_(attended, at_the_door), 1))).label("arrivals"),
            # A check-in is an arrival, not minutes online: left out of the minutes.
            sa.func.avg(sa.case((sa.and_(attended, ~at_the_door), Attendance.minutes))).label(
                "average_minutes"
            ),
        )
        .where(Attendance.event_id.in_(_events()))
        .group_by(Attendance.event_id)
    )


def _medians(event_ids: Sequence[int]):
    return db.session.execute(_medians_statement(), {"events": event_ids}).all()


@cache
def _medians_statement() -> sa.Select:
    """The median minutes of each event's attendees, by window functions (SQLite and
    PostgreSQL both have them): the middle row, or the mean of the two middle rows."""
    ranked = (
        sa.select(
            Attendance.event_id,
            Attendance.minutes,
            sa.func.row_number()
            .over(partition_by=Attendance.event_id, order_by=Attendance.minutes)
            .label("position"),
            sa.func.count().over(partition_by=Attendance.event_id).label("size"),
        )
        .where(
            Attendance.event_id.in_(_events()),
            Attendance.attended.is_(True),
            Attendance.source != AttendanceSource.CHECK_IN,
        )
        .subquery()
    )
    return (
        sa.select(ranked.c.event_id, sa.func.avg(ranked.c.minutes))
        .where(ranked.c.position.in_([(ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2]))
        .group_by(ranked.c.event_id)
    )


# --- breakdowns: countries, regions, kinds of organisation --------------------------------------------


def _breakdowns(rows: Iterable[tuple[str, OrganisationKind | None, int]]) -> Breakdowns:
    """Countries, regions and kinds of organisation from (country, kind, participants) rows."""
    by_country: Counter = Counter()
    by_kind: Counter = Counter()
    member_states = set()
    for country, kind, count in rows:
        by_country[country or ""] += count
        by_kind[kind] += count
        if country and kind == OrganisationKind.MEMBER_STATE:
            member_states.add(country)
    return Breakdowns(
        countries=_country_shares(by_country),
        regions=_area_shares(by_country, regions.region),
        sub_regions=_area_shares(by_country, regions.sub_region),
        organisation_kinds=_kind_shares(by_kind),
        member_states=len(member_states),
    )


NOT_STATED = _l("Not stated")


def _ranked(shares: Iterable[Share]) -> list[Share]:
    """Largest first; what was not stated last."""
    return sorted(shares, key=lambda share: (not share.key, -share.count, share.label.casefold()))


def _country_shares(by_country: Counter) -> list[Share]:
    return _ranked(
        Share(key=code, label=regions.country_name(code) if code else str(NOT_STATED), count=count)
        for code, count in by_country.items()
    )


def _area_shares(by_country: Counter, area_of) -> list[Share]:
    people: Counter = Counter()
    countries: Counter = Counter()
    names = {}
    for code, count in by_country.items():
        area = area_of(code) if code else None
        key = area.code if area else ""
        names[key] = str(area) if area else str(NOT_STATED)
        people[key] += count
        countries[key] += 1 if code else 0
    return _ranked(
        Share(key=key, label=names[key], count=count, countries=countries[key])
        for key, count in people.items()
    )


def _kind_shares(by_kind: Counter) -> list[Share]:
    return _ranked(
        Share(key=kind.value if kind else "", label=kind.title if kind else str(NOT_STATED), count=count)
        for kind, count in by_kind.items()
    )


def _top_organisations(taking_part: TakingPart | None, limit: int = TOP_ORGANISATIONS) -> list[Share]:
    """The organisations with most participants, spellings that differ only in case or spaces as one."""
    if taking_part is None:
        return []
    rows = db.session.execute(_top_organisations_statement(limit), taking_part.params).all()
    return [Share(key=normalised, label=name.strip(), count=count) for normalised, name, count in rows]


@cache
def _top_organisations_statement(limit: int) -> sa.Select[str, str, int]:
    participant = _participants().subquery("participant")
    key = sa.func.lower(sa.func.trim(participant.c.organisation))
    return (
        sa.select(key, sa.func.min(participant.c.organisation), sa.func.count().label("people"))
        .where(key != "")
        .group_by(key)
        .order_by(sa.desc("people"), key)
        .limit(limit)
    )


# --- the summaries ------------------------------------------------------------------------------------


@overload
def event_summary(event: Event, *, published: Literal[False] = False) -> EventSummary: ...
@overload
def event_summary(event: Event, *, published: bool) -> EventSummary | None: ...
def event_summary(event: Event, *, published: bool = False) -> EventSummary | None:
    """The live figures, in six statements (seven with arrivals at the door); or, with
    `published`, the figures last published (None if they never were)."""
    if published:
        return _published_summaries([event]).get(event.id)
    figures, breakdowns = _figures([event])
    if figures[event.id].arrivals:  # a statement more, for the meetings with a door
        figures[event.id].arrival_times = _arrival_times(event)
    return EventSummary(
        event=event,
        figures=figures[event.id],
        breakdowns=breakdowns,
        top_organisations=_top_organisations(breakdowns.taking_part),
    )


def gender_figures(events: Sequence[Event]) -> GenderFigures | None:
    """Registered and attended by gender, and the heads of delegation (two statements), over
    the events that asked gender; "not collected" (registrations made before the question was
    asked, or erased) apart from "prefer not to say". None if no event asked it. Live figures
    for the console's pages and reports, asked for apart from the summary (whose statements
    stay as counted): they are not part of what is published."""
    asked = [event.id for event in events if "gender" in event.asked_fields]
    if not asked:
        return None
    counts = {row.gender: row for row in db.session.execute(_registrations_by_gender(), {"events": asked})}
    order = [*(member.value for member in Gender), ""]
    shares = [
        GenderShare(
            key=key,
            label=Gender(key).title if key else str(_l("Not collected")),
            registered=counts[key].registered if key in counts else 0,
            attended=counts[key].attended if key in counts else 0,
        )
        for key in order
        if key or key in counts  # "not collected" only where there are some
    ]
    heads = db.session.execute(_heads_of_delegation(), {"events": asked}).one()
    return GenderFigures(
        events=len(asked), shares=shares, heads_of_delegation=heads.registered, heads_attended=heads.attended
    )


def _attended_registration() -> sa.ColumnElement[bool]:
    return sa.exists().where(
        Attendance.event_id == Registration.event_id,
        Attendance.registration_id == Registration.id,
        Attendance.attended.is_(True),
    )


@cache
def _registrations_by_gender() -> sa.Select:
    """Every registration counts as registered, as in the figures (cancelled ones too)."""
    return (
        sa.select(
            Registration.gender,
            sa.func.count().label("registered"),
            sa.func.count(sa.case((_attended_registration(), 1))).label("attended"),
        )
        .where(Registration.event_id.in_(_events()))
        .group_by(Registration.gender)
    )


@cache
def _heads_of_delegation() -> sa.Select:
    return sa.select(
        sa.func.count().label("registered"),
        sa.func.count(sa.case((_attended_registration(), 1))).label("attended"),
    ).where(Registration.event_id.in_(_events()), Registration.head_of_delegation.is_(True))


def answer_breakdowns(event: Event, locale: str) -> list[questions.Breakdown]:
    """How the people registered (confirmed, waiting or awaiting approval) answered each of the
    organisers' choice, yes/no and country questions: live, for the organisers' summary only
    (answers are not published)."""
    asked = questions.counted(event)
    if not asked:
        return []
    answers: Iterable[dict | None] = db.session.scalars(
        sa.select(Registration.answers).where(
            Registration.event_id == event.id, Registration.status.in_(RegistrationStatus.active())
        )
    )
    return questions.breakdowns(asked, answers, locale)


ARRIVAL_STEP = timedelta(minutes=15)


def _arrival_times(event: Event) -> list[tuple[str, int]]:
    """How many arrived at the door in each quarter of an hour, from the first arrival's to
    the last's (the quarters between with none too), in the event's local time."""
    arrivals = db.session.scalars(
        sa.select(Attendance.first_join_dt).where(
            Attendance.event_id == event.id,
            Attendance.source == AttendanceSource.CHECK_IN,
            Attendance.attended.is_(True),
            Attendance.first_join_dt.is_not(None),
        )
    ).all()
    if not arrivals:
        return []
    step = int(ARRIVAL_STEP.total_seconds())
    # The statement leaves out the NULLs the column's type allows.
    quarters = Counter(int(moment.timestamp()) // step * step for moment in cast(list[datetime], arrivals))
    first, last = min(quarters), max(quarters)
    return [
        (datetime.fromtimestamp(start, UTC).astimezone(event.zone).strftime("%H:%M"), quarters.get(start, 0))
        for start in range(first, last + step, step)
    ]


def series_events(series: Series, published_only: bool = False, held_only: bool = False) -> list[Event]:
    """The modules a series summary reports: its events that were not cancelled, in order
    (`held_only`: those that have started)."""
    return [
        event
        for event in series.events
        if not event.is_cancelled
        and (event.is_published or not published_only)
        and (event.has_started() or not held_only)
    ]


def series_summary(series: Series, *, published_only: bool = False, held_only: bool = False) -> SeriesSummary:
    """Six statements, whatever the number of modules. `published_only`: for the public
    page, the published modules alone; `held_only`: for its narrative, those held so far."""
    events = series_events(series, published_only, held_only)
    unpublished: list[Event] = []
    if published_only:
        figures, breakdowns = _published_figures(events)
        unpublished = [event for event in events if event.id not in figures]
        events = [event for event in events if event.id in figures]
    else:
        figures, breakdowns = _figures(events)
    rows, previous = [], None
    for event in events:
        current = figures[event.id]
        rows.append(
            ModuleRow(
                figures=current,
                registered_change=_change(previous.registered, current.registered) if previous else None,
                attended_change=_change(previous.participants, current.participants) if previous else None,
            )
        )
        previous = current
    modules_attended = _modules_attended(breakdowns.people, len(events))
    return SeriesSummary(
        series=series,
        rows=rows,
        unique_participants=sum(people for _, people in modules_attended),
        participations=sum(modules * people for modules, people in modules_attended),
        modules_attended=modules_attended,
        breakdowns=breakdowns,
        unpublished=unpublished,
        published_only=published_only,
    )


def _change(before: int, after: int) -> Change:
    return Change(difference=after - before, percent=(after - before) / before if before else None)


def _modules_attended(people: dict[int, EventPeople], modules: int) -> list[tuple[int, int]]:
    """How many people took part in 1, 2, ... all of the events."""
    delegates: Counter = Counter()
    anonymous: Counter = Counter()
    for event in people.values():
        delegates.update(set(event.delegates))  # a person is once in an event, whatever the rows
        anonymous.update(set(event.anonymous))
    counts = Counter(delegates.values()) + Counter(anonymous.values())
    return [(number, counts.get(number, 0)) for number in range(1, modules + 1)]


# --- the programme over years -------------------------------------------------------------------------


def programme_summary(
    start: date | None = None,
    end: date | None = None,
    *,
    published_only: bool = False,
    now: datetime | None = None,
) -> ProgrammeSummary:
    """The meetings held between two dates (inclusive, each event's own calendar date),
    by kind and year, the delegates they gathered and the recommendations they produced.

    Held: started by now and not cancelled. Four statements; three when the people of every
    meeting were stored at the current version of its participants (see `_people`).
    """
    events, versions, unchanged = _held_events(start, end, published_only, now or utcnow())
    held = len(events)
    if published_only:  # the figures last published, of the meetings that have some
        published = _published(events)
        events = [event for event in events if event.id in published]
        ids = [event.id for event in events]
        per_event = {i: published[i].figures.participants for i in ids}
        recorded = {i for i in ids if published[i].figures.attendance_recorded}
        people = {i: published[i].people for i in ids}
    else:
        ids = [event.id for event in events]
        per_event, recorded = _participations_per_event(ids)
        people = _people({i: versions[i] for i in ids}, unchanged)
    meetings: dict[int, Counter] = defaultdict(Counter)
    for event in events:
        meetings[local_date(event).year][event.kind] += 1
    by_year: Counter = Counter()
    for event in events:
        by_year[local_date(event).year] += per_event.get(event.id, 0)
    unique, breakdowns = _combined(people)
    return ProgrammeSummary(
        start=start,
        end=end,
        events=events,
        years=sorted(meetings),
        kinds=[kind for kind in EventKind if any(counter[kind] for counter in meetings.values())],
        meetings=dict(meetings),
        participations_by_year=dict(by_year),
        participations_by_event=per_event,
        participations=sum(per_event.values()),
        unique_participants=unique,
        recommendations=sum(event.recommendations_count for event in events),
        breakdowns=breakdowns,
        events_without_attendance=len(ids) - len(recorded),
        events_unpublished=held - len(events),
    )


def _held_events(
    start: date | None, end: date | None, published_only: bool, now: datetime
) -> tuple[list[Event], dict[int, int | None], bool]:
    """The events held in the period, the versions of their participants, and whether this
    transaction has changed nothing (see `_unchanged`)."""
    # A day's margin on each side: the exact bounds are each event's local date, checked below.
    query = (
        sa.select(Event, ParticipantsVersion.version, _nothing_written(db.session.get_bind().dialect.name))
        .outerjoin(ParticipantsVersion, ParticipantsVersion.event_id == Event.id)
        .where(Event.is_cancelled.is_(False), Event.start_dt <= now)
    )
    if start:
        query = query.where(Event.start_dt >= _instant(start) - timedelta(days=1))
    if end:
        query = query.where(Event.start_dt < _instant(end) + timedelta(days=2))
    if published_only:
        query = query.where(Event.is_published.is_(True))
    rows = db.session.execute(query.order_by(Event.start_dt, Event.id)).all()
    events = [
        event
        for event, _, _ in rows
        if (start is None or local_date(event) >= start) and (end is None or local_date(event) <= end)
    ]
    return events, {event.id: version for event, version, _ in rows}, _unchanged(rows[0][2] if rows else None)


def _instant(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _participations_per_event(ids: Sequence[int]) -> tuple[dict[int, int], set[int]]:
    """(event id -> participants, the events whose attendance was recorded), read from the
    event indexes alone: attendees where recorded, else confirmed registrations."""
    if not ids:
        return {}, set()
    counts: dict[int, int] = {}
    recorded: set[int] = set()
    for event_id, attended in db.session.execute(_attendees_per_event(), {"events": ids}):
        counts[event_id] = attended
        recorded.add(event_id)
    unrecorded = [i for i in ids if i not in recorded]
    for event_id, confirmed in db.session.execute(_confirmed_per_event(), {"events": unrecorded}):
        counts[event_id] = confirmed
    return counts, recorded


@cache
def _attendees_per_event() -> sa.Select[int, int]:
    return (
        sa.select(Attendance.event_id, sa.func.count(sa.case((Attendance.attended.is_(True), 1))))
        .where(Attendance.event_id.in_(_events()))
        .group_by(Attendance.event_id)
    )


@cache
def _confirmed_per_event() -> sa.Select[int, int]:
    return (
        sa.select(Registration.event_id, sa.func.count())
        .where(Registration.event_id.in_(_events()), Registration.status == CONFIRMED)
        .group_by(Registration.event_id)
    )


@dataclass(frozen=True)
class EventPeople:
    """Who took part in one event: how many by country and kind of organisation, and who."""

    participations: Counter  # (country, kind of organisation) -> participations
    delegates: array  # their ids, 8 bytes each: kept for every event of the programme
    anonymous: array  # the walk-ins nobody knows: their participant keys' keyed hashes


NOBODY = EventPeople(participations=Counter(), delegates=array("q"), anonymous=array("q"))


def _people(versions: dict[int, int | None], unchanged: bool) -> dict[int, EventPeople]:
    """The people of the events (id -> version of their participants): as stored in the
    database from an earlier count at the same version, the others counted in one statement
    (and stored). `unchanged`: whether this transaction has changed nothing, without which
    it neither reads nor stores what is stored (its changes are not in the versions yet)."""
    if not versions:
        return {}
    people = {}
    if unchanged:
        people = {event_id: found for event_id, (_, found) in _stored_people(list(versions)).items()}
    missing = [event_id for event_id in versions if event_id not in people]
    if missing:
        counted = _count_people(missing)
        if unchanged:
            _store_people(counted)
        people.update({event_id: counted_people for event_id, (_, counted_people) in counted.items()})
    return people


def _combined(people: dict[int, EventPeople]) -> tuple[int, Breakdowns]:
    """Different people of the events, and their breakdowns. A person who took part in
    several events is one."""
    delegates = set().union(*(event.delegates for event in people.values()))
    anonymous = set().union(*(event.anonymous for event in people.values()))
    return len(delegates) + len(anonymous), _breakdowns(_shares(people.values()))


def _shares(people: Iterable[EventPeople]) -> list[tuple[str, OrganisationKind | None, int]]:
    participations: Counter = Counter()
    for event in people:
        participations.update(event.participations)
    return [(country, kind, count) for (country, kind), count in participations.items()]


def _versions(ids: Sequence[int]) -> tuple[dict[int, int | None], bool]:
    """The versions of the events' participants, and whether this transaction has changed
    nothing (see `_unchanged`)."""
    statement = _versions_statement(db.session.get_bind().dialect.name)
    rows = db.session.execute(statement, {"events": list(ids)}).all()
    return {event_id: version for event_id, version, _ in rows}, _unchanged(rows[0][2] if rows else None)


@cache
def _versions_statement(dialect: str) -> sa.Select[int, int | None, bool]:
    return (
        sa.select(Event.id, ParticipantsVersion.version, _nothing_written(dialect))
        .outerjoin(ParticipantsVersion, ParticipantsVersion.event_id == Event.id)
        .where(Event.id.in_(_events()))
    )


def _count_people(ids: Sequence[int]) -> dict[int, tuple[int | None, EventPeople]]:
    """event id -> (the version of its participants, its people at that version)."""
    counted = {}
    key = _anonymous_hash_key()
    for row in db.session.execute(_event_people_statement(), {"events": list(ids)}):
        participations: Counter = Counter()
        for detail, count in Counter(row.details or ()).items():
            participations[_country_and_kind(detail)] += count
        counted[row.id] = (
            row.version,
            EventPeople(
                participations=participations,
                delegates=array("q", row.delegates or ()),
                anonymous=array("q", sorted({_hashed(anonymous, key) for anonymous in row.anonymous or ()})),
            ),
        )
    return counted


def _hashed(participant_key: str, key: bytes) -> int:
    """A walk-in's participant key (an email, a name) as 8 bytes that tell walk-ins apart, and
    that the database may keep without keeping the address or the name."""
    digest = hashlib.blake2b(participant_key.encode(), digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little", signed=True)


def _anonymous_hash_key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return hashlib.sha256(
        b"plenary-walk-ins:" + (secret if isinstance(secret, bytes) else secret.encode())
    ).digest()


@lru_cache(maxsize=4096)
def _country_and_kind(detail: str) -> tuple[str, OrganisationKind | None]:
    """(country, kind) from "country|kind" (no kind: empty); a kind never holds a "|"."""
    country, _, kind = detail.rpartition("|")
    return country, OrganisationKind(kind) if kind else None


@cache
def _event_people_statement() -> sa.Select:
    """For each event (`events`), the version of its participants and, read in the same
    snapshot, who they were: the delegates, the walk-ins nobody knows, and each one's country
    and kind of organisation. Whether an event's attendance was recorded is decided in that
    snapshot too: the figures are exactly those of the version.

    One row an event, its participants in JSON lists: grouping them by country and kind
    too took SQLite longer than counting them in Python."""
    events = _events()
    recorded_nowhere = ~sa.select(Attendance.id).where(Attendance.event_id == Event.id).exists()
    unrecorded = sa.select(Event.id).where(Event.id.in_(events), recorded_nowhere)
    participant = _participants_of(events, unrecorded, organisations=False).subquery("participant")
    people = (
        sa.select(
            participant.c.event_id,
            _json_list(participant.c.delegate_id, skip_nulls=True).label("delegates"),
            _json_list(participant.c.anonymous_key, skip_nulls=True).label("anonymous"),
            _json_list(_detail(participant.c.country, participant.c.organisation_kind)).label("details"),
        )
        .group_by(participant.c.event_id)
        .subquery("people")
    )
    return (
        sa.select(Event.id, ParticipantsVersion.version, *people.c[1:])
        .outerjoin(ParticipantsVersion, ParticipantsVersion.event_id == Event.id)
        .outerjoin(people, people.c.event_id == Event.id)
        .where(Event.id.in_(events))
    )


def _detail(country: sa.ColumnElement, kind: sa.ColumnElement) -> sa.ColumnElement:
    """A participant's country and kind of organisation as one string, "country|kind"."""
    as_text = sa.type_coerce(kind, sa.String)
    return sa.func.coalesce(country, "") + "|" + sa.func.coalesce(as_text, "")


def _json_list(column: sa.ColumnElement, skip_nulls: bool = False):
    """The column's values in the group, as one JSON list (a null for each null unless
    `skip_nulls`)."""
    values = _JsonList(column)
    return values.filter(column.is_not(None)) if skip_nulls else values


class _JsonList(sa.sql.functions.FunctionElement):
    type = sa.JSON()
    inherit_cache = True


@compiles(_JsonList, "sqlite")
def _json_group_array(element, compiler, **kw) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonList, "postgresql")
def _json_agg(element, compiler, **kw) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"


# --- whether the figures stored may be used -------------------------------------------------------


def _nothing_written(dialect: str) -> sa.ColumnElement[bool]:
    """As a column of the statement that reads the versions: on PostgreSQL, whether the
    transaction has changed nothing; on SQLite, asked of the connection (`_unchanged`)."""
    if dialect == "postgresql":
        return sa.literal_column("pg_current_xact_id_if_assigned() IS NULL", sa.Boolean)
    return sa.literal(dialect == "sqlite")


def _unchanged(nothing_written: bool | None) -> bool:
    """Whether this transaction has changed nothing: its versions cannot be rolled back."""
    if not nothing_written:
        return False
    connection = db.session.connection()
    return connection.dialect.name != "sqlite" or not sqlite_transaction_wrote(connection)


def forget_kept_figures() -> None:
    """Drop every figure stored (committed): the next summaries count everything, as on the
    first count of a programme."""
    with write_transaction() as session:
        session.execute(
            sa.update(ParticipantsVersion)
            .values(people_version=None, people_ids=None, people_details=None)
            .execution_options(synchronize_session=False)
        )


# --- each event's people, stored in the database for every process ----------------------------------
#
# The programme's people and breakdowns read every participation in every meeting: the slowest
# of the figures (tens of thousands of rows, sorted twice). So each event's people are stored
# on its row of versions with the version of its participants they were counted at (see
# models/participation.py, whose triggers bump it on any change): a change makes the event it
# changed alone be counted again. The breakdowns of an event or a series, and who attended how
# many modules, are read from them too; the job queue counts, each minute, the events changed.
# Each count is stored on the event's row of versions, with the version it
# was counted at: a later version makes it no one's. Read and stored only by a transaction
# that has changed nothing (its own changes are not in the version yet), and stored in a short
# transaction of its own: a reader never waits long for it, nor makes a writer wait long.

STORE_WAIT_MS = 200


@cache
def _stored_people_statement() -> sa.Select:
    known = ParticipantsVersion
    return sa.select(known.event_id, known.version, known.people_ids, known.people_details).where(
        known.event_id.in_(_events()), known.people_version == known.version
    )


def _stored_people(ids: Sequence[int]) -> dict[int, tuple[int | None, EventPeople]]:
    """event id -> (version, people) of the events whose people were stored at their version."""
    fingerprint = _fingerprint()
    stored = {}
    for row in db.session.execute(_stored_people_statement(), {"events": list(ids)}):
        if row.people_details.get("hash") == fingerprint:  # not if SECRET_KEY was changed
            stored[row.event_id] = (row.version, _decoded(row.people_ids, row.people_details))
    return stored


def _store_people(counted: dict[int, tuple[int | None, EventPeople]]) -> None:
    """Store the people counted, each at the version it was counted at, if that is still the
    event's version. (Version None: the event has no row yet; it gets one at version 0, unless
    a change has given it one meanwhile.)"""
    fingerprint = _fingerprint()
    rows: dict[bool, list[dict]] = {True: [], False: []}  # with a row of versions, without
    for event_id, (version, people) in sorted(counted.items()):
        row = {"event": event_id, "counted_at": version or 0, **_encoded(people, fingerprint)}
        rows[version is not None].append(row)
    try:
        with db.engine.connect() as connection, _short_wait(connection), connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {STORE_WAIT_MS}")
            if rows[True]:
                connection.execute(_store_statement(), rows[True])
            if rows[False]:
                connection.execute(_first_row_statement(connection.dialect.name), rows[False])
    except sa.exc.OperationalError as busy:  # counted again by a later reader
        logger.info("the people of %d events not stored: %s", len(counted), busy.orig)


def store_changed_people(batch: int = 500) -> int:
    """Count and store the people of events whose participants changed since they were last
    stored, or that have none stored (up to `batch` of them): the job queue's periodic work, so
    that a reader seldom counts anything. Returns how many events were counted."""
    known = ParticipantsVersion
    stale = (
        sa.select(Event.id)
        .outerjoin(known, known.event_id == Event.id)
        .where(
            Event.is_cancelled.is_(False),
            sa.or_(known.event_id.is_(None), known.people_version.is_distinct_from(known.version)),
        )
        .order_by(Event.id)
        .limit(batch)
    )
    ids = db.session.scalars(stale).all()
    if ids:
        _store_people(_count_people(ids))
    db.session.rollback()
    return len(ids)


@contextmanager
def _short_wait(connection: sa.Connection):
    """SQLite: take the write lock at once, waiting STORE_WAIT_MS for it at most."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.execution_options(**{BEGIN_IMMEDIATE: True})
    driver = connection.connection.driver_connection  # a statement here would begin a transaction
    assert driver is not None  # an open connection has its driver's
    driver.execute(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


@cache
def _store_statement() -> sa.Update:
    known = ParticipantsVersion
    return (
        sa.update(known)
        .where(known.event_id == sa.bindparam("event"), known.version == sa.bindparam("counted_at"))
        .values(
            people_version=sa.bindparam("counted_at"),
            people_ids=sa.bindparam("ids"),
            people_details=sa.bindparam("details", type_=sa.JSON),
        )
    )


@cache
def _first_row_statement(dialect: str) -> sa.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(ParticipantsVersion)
        .values(
            event_id=sa.bindparam("event"),
            version=0,
            people_version=0,
            people_ids=sa.bindparam("ids"),
            people_details=sa.bindparam("details", type_=sa.JSON),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )


def _encoded(people: EventPeople, fingerprint: str) -> dict:
    numbers = array("q", people.delegates)
    numbers.extend(people.anonymous)
    if sys.byteorder == "big":  # stored little-endian, whatever the host that reads them
        numbers.byteswap()
    details = {
        "hash": fingerprint,
        "delegates": len(people.delegates),
        "participations": [
            [country, kind.value if kind else None, count]
            for (country, kind), count in people.participations.items()
        ],
    }
    return {"ids": numbers.tobytes(), "details": details}


def _decoded(ids: bytes, details: dict) -> EventPeople:
    numbers = array("q")
    numbers.frombytes(ids)
    if sys.byteorder == "big":
        numbers.byteswap()
    split = details["delegates"]
    participations = Counter(
        {
            (country, OrganisationKind(kind) if kind else None): count
            for country, kind, count in details["participations"]
        }
    )
    return EventPeople(participations=participations, delegates=numbers[:split], anonymous=numbers[split:])


def _fingerprint() -> str:
    """Which key the walk-ins' hashes were made with."""
    return hashlib.sha256(_anonymous_hash_key()).hexdigest()[:16]


# --- the published figures ---------------------------------------------------------------------------
#
# The public summaries (pages, PDFs, API) show the figures an organiser last published, stored
# with who published them and when (models.PublishedFigures): an import or a check-in changes
# what the organisers see in the console at once, and what the public sees when they publish.
# Stored: the event's figures, its top organisations, and its people (their breakdown, and who
# they were, so that a series or the programme counts a person once across events).

# The figures whose change the console points out ("changed since published").
HEADLINE = ("participants", "countries", "attended", "arrivals", "walk_ins", "returning")
_FIGURE_FIELDS = frozenset(item.name for item in fields(Figures)) - {"event"}


@dataclass(frozen=True)
class Published:
    """An event's figures as published: `published_by` is an email, "system" or empty."""

    row: PublishedFigures
    figures: Figures
    people: EventPeople
    top_organisations: list[Share]


@dataclass(frozen=True)
class Publication:
    """An event's published figures beside its live ones, for the organisers."""

    published_dt: datetime
    published_by: str
    published: Figures
    current: Figures

    @property
    def changed(self) -> bool:
        return any(getattr(self.published, name) != getattr(self.current, name) for name in HEADLINE)


def publication(summary: EventSummary) -> Publication | None:
    """How the published figures of the summary's event compare with its live ones; None if
    they were never published."""
    found = _published([summary.event]).get(summary.event.id)
    if found is None:
        return None
    return Publication(found.row.published_dt, found.row.published_by, found.figures, summary.figures)


def to_publish(summary: SeriesSummary) -> list[tuple[Event, bool]]:
    """The modules held whose public figures are not the live ones: (event, whether they
    were ever published), in one statement."""
    held = [row.figures for row in summary.rows if row.figures.event.has_started()]
    published = _published([figures.event for figures in held])
    return [
        (figures.event, figures.event.id in published)
        for figures in held
        if figures.event.id not in published
        or Publication(utcnow(), "", published[figures.event.id].figures, figures).changed
    ]


def publish_figures(event: Event, *, by: Account | None = None) -> EventSummary:
    """Publish the event's live figures: the public summaries show them from now on."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        _check_figures_publishable(event)
        return _publish(session, event, by)


def _check_figures_publishable(event: Event) -> None:
    if event.is_cancelled:
        raise SummaryError(_l("A cancelled event has no figures to publish."), conflict=True)
    if not event.has_started():
        raise SummaryError(_l("The figures can be published once the event has taken place."), conflict=True)


def _publish(session, event: Event, by: Account | None) -> EventSummary:
    summary = event_summary(event)
    row = session.get(PublishedFigures, event.id) or PublishedFigures(event_id=event.id)
    _store_published(row, summary)
    entry = audit.record(
        "event.figures_published",
        event,
        f"{event.title}: figures published",
        actor=by,
        participants=summary.figures.participants,
        countries=summary.figures.countries,
    )
    row.published_dt, row.account_id, row.published_by = utcnow(), entry.account_id, entry.actor
    session.add(row)
    summary.published_dt = row.published_dt
    return summary


def _store_published(row: PublishedFigures, summary: EventSummary) -> None:
    encoded = _encoded(summary.breakdowns.people.get(summary.event.id, NOBODY), _fingerprint())
    row.figures = {
        "figures": {name: getattr(summary.figures, name) for name in sorted(_FIGURE_FIELDS)},
        "top_organisations": [[share.key, share.label, share.count] for share in summary.top_organisations],
        "people": encoded["details"],
    }
    row.people_ids = encoded["ids"]


def _published(events: Sequence[Event]) -> dict[int, Published]:
    """The published figures of those of the events that have some, in one statement."""
    by_id = {event.id: event for event in events}
    if not by_id:
        return {}
    rows = db.session.scalars(sa.select(PublishedFigures).where(PublishedFigures.event_id.in_(list(by_id))))
    found = {}
    for row in rows:
        event = by_id[row.event_id]
        if row.figures is None:
            # Published by the migration, not counted yet (the job queue does it within the
            # minute): the live figures, which were public until then.
            live = event_summary(event)
            people = live.breakdowns.people.get(event.id, NOBODY)
            found[event.id] = Published(row, live.figures, people, live.top_organisations)
            continue
        stored = row.figures
        figures = Figures(event=event, **{k: v for k, v in stored["figures"].items() if k in _FIGURE_FIELDS})
        people = _decoded(row.people_ids or b"", stored["people"])
        tops = [Share(key=key, label=label, count=count) for key, label, count in stored["top_organisations"]]
        found[event.id] = Published(row, figures, people, tops)
    return found


def unpublished_summary(event: Event) -> EventSummary:
    """The public summary of an event whose figures were never published: no figures."""
    return EventSummary(event=event, figures=None, breakdowns=None, top_organisations=[])  # type: ignore[arg-type]


def _published_summaries(events: Sequence[Event]) -> dict[int, EventSummary]:
    summaries = {}
    for event_id, found in _published(events).items():
        breakdowns = _breakdowns(_shares([found.people]))
        breakdowns.people = {event_id: found.people}
        summaries[event_id] = EventSummary(
            event=found.figures.event,
            figures=found.figures,
            breakdowns=breakdowns,
            top_organisations=found.top_organisations,
            published_dt=found.row.published_dt,
        )
    return summaries


def _published_figures(events: Sequence[Event]) -> tuple[dict[int, Figures], Breakdowns]:
    """As `_figures`, the figures last published, of the events that have some."""
    published = _published(events)
    people = {event_id: found.people for event_id, found in published.items()}
    breakdowns = _breakdowns(_shares(people.values()))
    breakdowns.people = people
    return {event_id: found.figures for event_id, found in published.items()}, breakdowns


def count_figures_published_by_upgrade(batch: int = 50) -> int:
    """Count and store the figures of the events the migration published without counting
    them (it cannot import the app): the job queue's periodic work. Returns how many."""
    waiting = sa.select(PublishedFigures.event_id).where(PublishedFigures.figures.is_(None)).limit(batch)
    ids = db.session.scalars(waiting).all()
    db.session.rollback()
    for event_id in ids:
        with write_transaction() as session:
            row = session.get(PublishedFigures, event_id, with_for_update=True, populate_existing=True)
            if row is not None and row.figures is None:
                _store_published(row, event_summary(session.get_one(Event, event_id)))
    return len(ids)


# --- the published summary and the list of participants ---------------------------------------------


class SummaryError(ValueError):
    """A summary the rules refuse to save or publish; the message is shown to the organiser."""

    def __init__(self, message, *, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.conflict = conflict  # a state conflict (409) rather than bad input (400)

    def __str__(self) -> str:
        return str(self.message)


def save_summary(target: Event | Series, text: str, *, publish: bool | None = None) -> Event | Series:
    """Save the summary's paragraph of an event or a series; publish or unpublish it
    when `publish` says so. Recorded in the audit log."""
    text = (text or "").strip()
    if len(text) > SUMMARY_TEXT_MAX:
        raise SummaryError(_l("The summary is too long (at most %(max)d characters).", max=SUMMARY_TEXT_MAX))
    kind = type(target).__name__.lower()
    with write_transaction() as session:
        target = lock_row(session, type(target), target.id)
        if publish:
            _check_publishable(target, text)
            # The text was written from the figures the organiser sees: they go public with it.
            for event in [target] if isinstance(target, Event) else series_events(target):
                if event.has_started():
                    _publish(session, event, None)
        changed = text != target.summary_text
        target.summary_text = text
        if publish is not None:
            changed = changed or publish != target.summary_published
            target.summary_published = publish
        verb = {True: "published", False: "unpublished", None: "saved"}[publish]
        if changed:
            audit.record(
                f"{kind}.summary_{verb}",
                target,
                f"{target.title}: summary {verb}",
                characters=len(text),
                published=target.summary_published,
            )
    return target


def _check_publishable(target: Event | Series, text: str) -> None:
    if not text:
        raise SummaryError(_l("Write the summary before publishing it."))
    if target.is_cancelled:
        raise SummaryError(_l("A cancelled event or series has no summary to publish."), conflict=True)
    events = [target] if isinstance(target, Event) else series_events(target)
    if not any(event.has_started() for event in events):
        raise SummaryError(_l("The summary can be published once the event has taken place."), conflict=True)


@dataclass(frozen=True)
class ListedParticipant:
    name: str
    organisation: str
    country: str


def participant_list(event: Event) -> list[ListedParticipant]:
    """The people who agreed to appear on the public list of participants: confirmed,
    and, where attendance was recorded, attended. Name, organisation and country only."""
    recorded = sa.select(Attendance.id).where(Attendance.event_id == event.id).exists()
    rows = db.session.execute(
        sa.select(Registration.name, Registration.organisation, Registration.country)
        .where(
            Registration.event_id == event.id,
            Registration.status == CONFIRMED,
            Registration.consent_participant_list.is_(True),
            sa.or_(~recorded, attendance.attended(event.id)),
        )
        .order_by(Registration.name, Registration.id)
    ).all()
    return [
        ListedParticipant(
            name=name, organisation=organisation, country=regions.country_name(country) if country else ""
        )
        for name, organisation, country in rows
    ]
