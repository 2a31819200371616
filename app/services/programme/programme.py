"""Running the programme: series and events, their agenda and speakers.

Each function is one unit of work and records what it changed in the audit
log. An edit carries the version of the row the organiser saw: if someone
else saved in between, the edit is refused rather than applied over theirs.
A new time or place goes through `events.reschedule` (registrants get an
updated calendar entry) and a new capacity through `registrations.set_capacity`
(the waiting list moves up), inside the edit's unit of work, so no edit can skip
telling the people concerned and an edit is saved whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import flag_modified

from ...database import Base, lock_row, utcnow, write_transaction
from ...models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Event,
    EventFormat,
    EventKind,
    Mailout,
    Registration,
    Series,
    Speaker,
    SpeakerGender,
    SpeakerRole,
)
from .. import audit
from ..mail.event_notices import EventChangeError, cancel_event, reschedule
from ..mail.reminders import Reminder
from ..registration import registrations


class ProgrammeError(ValueError):
    """A change the rules refuse. `field` names the form field the message belongs to, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class Gone(ProgrammeError):
    """The row was deleted by someone else meanwhile."""

    def __init__(self):
        super().__init__(_l("This was deleted by someone else meanwhile."))


class EditConflict(ProgrammeError):
    """The row changed since the organiser opened the form."""

    def __init__(self):
        super().__init__(_l("This was changed by someone else since you opened the form; reload the page."))


# --- time -------------------------------------------------------------------------------


def zone_or_error(name: str, field_name: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgrammeError(_l("Choose a time zone from the list."), field_name) from None


def local_instant(local: datetime, zone_name: str, field_name: str = "start") -> datetime:
    """A wall-clock time in a zone, as a UTC instant.

    A time the clocks skip (spring forward) or show twice (fall back) is refused:
    guessing would put the event an hour off for everyone.
    """
    zone = zone_or_error(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ProgrammeError(
            _l("%(zone)s skips this time when the clocks change: choose another.", zone=zone_name), field_name
        )
    if first.utcoffset() != second.utcoffset():
        raise ProgrammeError(
            _l("%(zone)s has this time twice when the clocks change: choose another.", zone=zone_name),
            field_name,
        )
    return instant


# --- what the forms give ------------------------------------------------------------------


@dataclass
class SeriesDetails:
    title: str
    description: str = ""
    chair: str = ""
    organiser: str = ""
    is_published: bool = True
    # None: the programme's default reminders.
    reminder_schedule: list[Reminder] | None = None
    # Months after the last event until registrations are anonymised.
    retention_months: int = 24
    # The standard fields its events' forms ask ({"gender": True}: required); None: none.
    form_fields: dict | None = None


@dataclass
class EventDetails:
    """An event as the form describes it; instants already in UTC."""

    title: str
    start_dt: datetime
    end_dt: datetime
    timezone: str = "UTC"
    series_id: int | None = None
    kind: EventKind = EventKind.WEBINAR
    format: EventFormat = EventFormat.ONLINE
    theme: str = ""
    place: str = ""
    join_url: str = ""
    join_passcode: str = ""
    dial_in: str = ""
    capacity: int | None = None
    registration_opens_dt: datetime | None = None
    registration_closes_dt: datetime | None = None
    requires_approval: bool = False
    # None: the series' reminders, else the programme's default.
    reminder_schedule: list[Reminder] | None = None
    description: str = ""
    outcomes: str = ""
    recommendations_count: int = 0
    # False: a change of time, place or join link is a correction nobody is told of.
    notify_registrants: bool = True
    # The standard fields its form asks ({"gender": True}: required); None: its series'.
    form_fields: dict | None = None

    # Changed on an existing event only through reschedule / set_capacity.
    MOVE_FIELDS = ("start_dt", "end_dt", "format", "place", "join_url", "join_passcode", "dial_in")
    PLAIN_FIELDS = (
        "title",
        "timezone",
        "series_id",
        "kind",
        "theme",
        "registration_opens_dt",
        "registration_closes_dt",
        "requires_approval",
        "description",
        "outcomes",
        "recommendations_count",
        "form_fields",
    )

    def check(self) -> None:
        zone_or_error(self.timezone)
        if self.end_dt <= self.start_dt:
            raise ProgrammeError(_l("The event must end after it starts."), "end")
        opens, closes = self.registration_opens_dt, self.registration_closes_dt
        if opens and closes and closes <= opens:
            raise ProgrammeError(_l("Registration must close after it opens."), "registration_closes")
        if self.capacity is not None and self.capacity < 0:
            raise ProgrammeError(_l("The capacity cannot be negative."), "capacity")
        if self.recommendations_count < 0:
            raise ProgrammeError(_l("The number cannot be negative."), "recommendations_count")


@dataclass
class ItemDetails:
    title: str
    kind: AgendaItemKind = AgendaItemKind.SESSION
    description: str = ""
    # Optional, UTC: an end needs a start, and both fall within the event.
    start_dt: datetime | None = None
    end_dt: datetime | None = None
    room: str = ""

    def check(self, event: Event) -> None:
        start, end = self.start_dt, self.end_dt
        if end is not None and start is None:
            raise ProgrammeError(_l("Give the start time too."), "start")
        for name, instant in (("start", start), ("end", end)):
            if instant is not None and not event.start_dt <= instant <= event.end_dt:
                raise ProgrammeError(_l("Choose a time within the event."), name)
        if start is not None and end is not None and end <= start:
            raise ProgrammeError(_l("The item must end after it starts."), "end")


@dataclass
class SpeakerDetails:
    name: str
    role: SpeakerRole = SpeakerRole.SPEAKER
    title: str = ""
    organisation: str = ""
    gender: SpeakerGender = SpeakerGender.NOT_GIVEN


@dataclass
class EventChange:
    """What saving an event's form did, for the organiser's notice."""

    event: Event
    moved: bool = False
    notified: bool = False
    # The waiting list being moved into new seats by the job queue (its progress), if any.
    promotion: Mailout | None = None


def _schedule(reminders: list[Reminder] | None, stored: list | None) -> list | None:
    """The stored form of a schedule; a note written earlier stays with its offset."""
    if reminders is None:
        return None
    notes = {item["minutes"]: item.get("note", "") for item in stored or []}
    return [
        Reminder(r.minutes, r.note or notes.get(r.minutes, "")).as_dict()
        for r in sorted(reminders, key=lambda r: -r.minutes)
    ]


M = TypeVar("M", bound=Base)  # a mapped class


def locked(session: OrmSession, model: type[M], row_id: int) -> M:
    """`lock_row`, or Gone when someone deleted the row since the page was loaded."""
    try:
        return lock_row(session, model, row_id)
    except NoResultFound:
        raise Gone() from None


def _check_version(row, version: int | None) -> None:
    if version is None or row.version != version:
        raise EditConflict()


def _series_or_error(session: OrmSession, series_id: int | None) -> None:
    if series_id is not None and session.get(Series, series_id) is None:
        raise ProgrammeError(_l("Choose a series from the list."), "series")


# --- series -------------------------------------------------------------------------------


def create_series(details: SeriesDetails) -> Series:
    with write_transaction() as session:
        series = Series(title=details.title)
        _apply_series(series, details)
        session.add(series)
        session.flush()
        audit.record("series.create", series, details.title)
    return series


def update_series(series: Series, details: SeriesDetails, version: int | None) -> Series:
    with write_transaction() as session:
        series = locked(session, Series, series.id)
        _check_version(series, version)
        before = _snapshot(
            series,
            ("title", "description", "chair", "organiser", "is_published", "retention_months", "form_fields"),
        )
        _apply_series(series, details)
        changed = [name for name, value in before.items() if getattr(series, name) != value]
        audit.record("series.update", series, series.title, changed=changed)
    return series


def _apply_series(series: Series, details: SeriesDetails) -> None:
    series.title = details.title
    series.description = details.description
    series.chair = details.chair
    series.organiser = details.organiser
    series.is_published = details.is_published
    series.reminder_schedule = _schedule(details.reminder_schedule, series.reminder_schedule)
    series.retention_months = details.retention_months
    series.form_fields = details.form_fields


def cancel_series(series: Series, note: str = "") -> list[Event]:
    """Cancel the series and each of its events still on; returns the events cancelled now."""
    with write_transaction() as session:
        series = locked(session, Series, series.id)
        cancelled = []
        for event_id in sorted(event.id for event in series.events):
            event = locked(session, Event, event_id)
            if cancel_event(event, note):
                cancelled.append(event)
        if not series.is_cancelled:
            series.is_cancelled = True
            audit.record(
                "series.cancel",
                series,
                f"{series.title}: cancelled with {len(cancelled)} events",
                events=[event.id for event in cancelled],
                note=note.strip(),
            )
    return cancelled


def delete_series(series: Series) -> None:
    """Delete a series with its events, documents and agenda, unless someone registered for one."""
    with write_transaction() as session:
        series = locked(session, Series, series.id)
        events = list(series.events)
        for event in events:
            _refuse_if_used(session, event)
        stored = [d.stored_name for d in series.documents] + [
            d.stored_name for event in events for d in event.documents
        ]
        audit.record(
            "series.delete",
            series,
            series.title,
            events=[{"id": event.id, "title": event.title} for event in events],
        )
        for event in events:
            session.delete(event)
        session.flush()  # the events go before their series (the key is RESTRICT)
        session.delete(series)
    _remove_files(stored)


# --- events -------------------------------------------------------------------------------


def create_event(details: EventDetails, published: bool = False) -> Event:
    """A new event, unpublished unless asked: the agenda and documents usually come next."""
    details.check()
    with write_transaction() as session:
        _series_or_error(session, details.series_id)
        event = Event(is_published=published, capacity=details.capacity)
        for name in details.MOVE_FIELDS + details.PLAIN_FIELDS:
            setattr(event, name, getattr(details, name))
        event.reminder_schedule = _schedule(details.reminder_schedule, None)
        session.add(event)
        session.flush()
        audit.record("event.create", event, details.title, start_dt=details.start_dt.isoformat())
    return event


def update_event(
    event: Event, details: EventDetails, version: int | None, *, now: datetime | None = None
) -> EventChange:
    """Save the event's form in one unit of work: its fields, a move (registrants told),
    then a new capacity (the waiting list moves up)."""
    details.check()
    with write_transaction() as session:
        event = locked(session, Event, event.id)
        _check_version(event, version)
        _keep_seconds(event, details)
        _series_or_error(session, details.series_id)
        capacity_changes = details.capacity != event.capacity
        taken = event.seats_within_capacity
        if capacity_changes and details.capacity is not None and details.capacity < taken:
            raise ProgrammeError(_capacity_too_low(taken, details.capacity), "capacity")
        before = _snapshot(event, details.PLAIN_FIELDS + ("reminder_schedule",))
        for name in details.PLAIN_FIELDS:
            setattr(event, name, getattr(details, name))
        event.reminder_schedule = _schedule(details.reminder_schedule, event.reminder_schedule)
        if capacity_changes:
            # set_capacity writes the column outside the ORM; this makes the save bump the
            # version, so that a form still showing the old capacity is refused.
            flag_modified(event, "capacity")
        change = EventChange(event=event)
        if any(getattr(event, name) != getattr(details, name) for name in details.MOVE_FIELDS):
            change.moved = _move(event, details, now)
            change.notified = change.moved and details.notify_registrants
        changed = [name for name, value in before.items() if getattr(event, name) != value]
        if changed:
            audit.record("event.update", event, event.title, changed=changed)
        if capacity_changes:
            change.promotion = _set_capacity(event, details.capacity, now)
    return change


def _keep_seconds(event: Event, details: EventDetails) -> None:
    """The form shows minutes: an instant it did not change keeps the seconds it had
    (an event imported at 10:00:30 is not "moved" by saving its form)."""
    for name in ("start_dt", "end_dt", "registration_opens_dt", "registration_closes_dt"):
        stored, sent = getattr(event, name), getattr(details, name)
        if stored and sent and sent.second == 0 and stored.replace(second=0, microsecond=0) == sent:
            setattr(details, name, stored)


def _move(event: Event, details: EventDetails, now: datetime | None) -> bool:
    if event.is_cancelled:
        raise ProgrammeError(_l("A cancelled event cannot be moved."), "start")
    try:
        return reschedule(
            event,
            details.start_dt,
            details.end_dt,
            place=details.place,
            join_url=details.join_url,
            join_passcode=details.join_passcode,
            dial_in=details.dial_in,
            format=details.format,
            notify=details.notify_registrants,
            now=now,
        )
    except EventChangeError as error:  # checked above already; kept as a field error
        raise ProgrammeError(str(error), "start") from error


def _set_capacity(event: Event, capacity: int | None, now: datetime | None) -> Mailout | None:
    try:
        return registrations.set_capacity(event, capacity, now=now)
    except registrations.RegistrationError as error:  # shown on its field; nothing is saved
        raise ProgrammeError(str(error), "capacity") from error


def _capacity_too_low(taken: int, capacity: int):
    return _l(
        "%(taken)d seats are already taken: cancel registrations before lowering the capacity "
        "to %(capacity)d.",
        taken=taken,
        capacity=capacity,
    )


def set_published(owner: Event | Series, published: bool) -> Event | Series:
    """Show a series or an event on the public pages, or take it off them."""
    with write_transaction() as session:
        owner = locked(session, type(owner), owner.id)
        if owner.is_published != published:
            owner.is_published = published
            kind = "event" if isinstance(owner, Event) else "series"
            audit.record(f"{kind}.publish" if published else f"{kind}.unpublish", owner, owner.title)
    return owner


def registration_count(session: OrmSession, event: Event) -> int:
    """Registrations of every status, and attendance records: the history deletion would lose."""
    registered = session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.event_id == event.id)
    )
    attended = session.scalar(sa.select(sa.func.count(Attendance.id)).where(Attendance.event_id == event.id))
    return (registered or 0) + (attended or 0)


def _refuse_if_used(session: OrmSession, event: Event) -> None:
    count = registration_count(session, event)
    if count:
        raise ProgrammeError(
            _l(
                "“%(title)s” has %(count)d registrations or attendance records, so it cannot be deleted. "
                "Cancel it instead: registrants are told and the history is kept.",
                title=event.title,
                count=count,
            )
        )


def delete_event(event: Event) -> None:
    """Delete an event nobody registered for, with its agenda and documents (files too)."""
    with write_transaction() as session:
        event = locked(session, Event, event.id)
        _refuse_if_used(session, event)
        stored = [document.stored_name for document in event.documents]
        audit.record("event.delete", event, event.title, start_dt=event.start_dt.isoformat())
        session.delete(event)
    _remove_files(stored)


# --- agenda and speakers ------------------------------------------------------------------


def move_in(siblings: list, item, step: int) -> bool:
    """Swap an item with its neighbour (step -1: up, +1: down); positions become 0..n-1."""
    ordered = sorted(siblings, key=lambda sibling: (sibling.position, sibling.id))
    index = ordered.index(item)
    target = index + step
    if not 0 <= target < len(ordered):
        return False
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered):
        sibling.position = position
    return True


def _next_position(siblings: list) -> int:
    return max((sibling.position for sibling in siblings), default=-1) + 1


@dataclass(frozen=True)
class _Listed:
    """Rows kept in order under a parent: the agenda of an event, the speakers of an agenda item."""

    model: type[Any]
    parent_model: type[Any]
    parent_key: str  # the row's column naming its parent
    siblings: str  # the parent's list of these rows, in order
    action: str  # the row's name in the audit log
    label: str  # the row's attribute that names it to people

    def summary(self, parent, row) -> str:
        return f"{parent.title}: {getattr(row, self.label)}"


AGENDA = _Listed(AgendaItem, Event, "event_id", "agenda_items", "agenda_item", "title")
SPEAKERS = _Listed(Speaker, AgendaItem, "agenda_item_id", "speakers", "speaker", "name")


def add_agenda_item(event: Event, details: ItemDetails) -> AgendaItem:
    details.check(event)
    return _add(AGENDA, event, details)


def update_agenda_item(item: AgendaItem, details: ItemDetails) -> AgendaItem:
    details.check(item.event)
    return _update(AGENDA, item, details)


def move_agenda_item(item: AgendaItem, step: int) -> bool:
    return _move_listed(AGENDA, item, step)


def remove_agenda_item(item: AgendaItem) -> None:
    _remove(AGENDA, item)


def add_speaker(item: AgendaItem, details: SpeakerDetails) -> Speaker:
    return _add(SPEAKERS, item, details)


def update_speaker(speaker: Speaker, details: SpeakerDetails) -> Speaker:
    return _update(SPEAKERS, speaker, details)


def move_speaker(speaker: Speaker, step: int) -> bool:
    return _move_listed(SPEAKERS, speaker, step)


def remove_speaker(speaker: Speaker) -> None:
    _remove(SPEAKERS, speaker)


def _add(kind: _Listed, parent, details):
    with write_transaction() as session:
        parent = locked(session, kind.parent_model, parent.id)  # one position per row, whoever adds at once
        siblings = getattr(parent, kind.siblings)
        row = kind.model(position=_next_position(siblings), **_values(details))
        siblings.append(row)
        session.flush()
        audit.record(f"{kind.action}.create", row, kind.summary(parent, row), **{kind.parent_key: parent.id})
    return row


def _update(kind: _Listed, row, details):
    with write_transaction() as session:
        row = locked(session, kind.model, row.id)
        for name, value in _values(details).items():
            setattr(row, name, value)
        parent = session.get_one(kind.parent_model, getattr(row, kind.parent_key))
        audit.record(f"{kind.action}.update", row, kind.summary(parent, row), **{kind.parent_key: parent.id})
    return row


def _move_listed(kind: _Listed, row, step: int) -> bool:
    with write_transaction() as session:
        parent = locked(session, kind.parent_model, getattr(row, kind.parent_key))
        row = locked(session, kind.model, row.id)
        moved = move_in(getattr(parent, kind.siblings), row, step)
        if moved:
            audit.record(f"{kind.action}.move", row, kind.summary(parent, row), position=row.position)
    return moved


def _remove(kind: _Listed, row) -> None:
    with write_transaction() as session:
        parent = locked(session, kind.parent_model, getattr(row, kind.parent_key))
        row = locked(session, kind.model, row.id)
        audit.record(f"{kind.action}.delete", row, kind.summary(parent, row), **{kind.parent_key: parent.id})
        getattr(parent, kind.siblings).remove(row)


def _remove_files(stored_names: list[str | None]) -> None:
    from .documents import remove_files  # documents builds on this module

    remove_files(stored_names)


def _values(details) -> dict:
    return {f.name: getattr(details, f.name) for f in fields(details)}


def _snapshot(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def upcoming_first(events: list[Event], now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Events not yet over, soonest first; then past ones, latest first."""
    now = now or utcnow()
    upcoming = sorted((e for e in events if e.end_dt > now), key=lambda e: e.start_dt)
    past = sorted((e for e in events if e.end_dt <= now), key=lambda e: e.start_dt, reverse=True)
    return upcoming, past
