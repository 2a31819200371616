"""Taking back what an import recorded: a whole report removed or replaced by a corrected
file, a single walk-in removed or merged with the person they were.

Every import keeps its matched participants (AttendanceImport.participants), so an event's
attendance from reports can always be counted again from the imports that stand: a correction
changes what an import says (its status, or an entry's decision), then `recount` rebuilds the
event's rows in the same unit of work. Check-ins are not from reports: they stay, without
what a report had added to them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import lock_row, utcnow, write_transaction
from ...models import (
    Account,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    Event,
    ImportStatus,
    Registration,
)
from .. import audit
from .attendance import (
    BATCH_SIZE,
    BY_HAND,
    IGNORE,
    MATCH,
    WALK_IN,
    AttendanceError,
    Conflict,
    _across,
    _finish,
    _grouped,
    _other_keys,
    _replaceable,
    _upsert,
    attendance_counts,
    attendance_row,
    count_people,
    participant_key,
    summarise,
)


class NotFound(AttendanceError):
    status = 404


# --- a whole report -----------------------------------------------------------------------------


def remove_import(imported: AttendanceImport, *, by: Account) -> AttendanceImport:
    """Take back an imported report: its attendance and its walk-ins go; what another report
    or a check-in recorded of the same people stays. Raises Conflict if it is not imported
    (a second removal) or while a report of the event is being imported."""
    with write_transaction() as session:
        event = _locked_event(session, imported.event_id)
        imported = _replaceable(session, event, imported.id)
        before = attendance_counts(event)
        imported.status = ImportStatus.REMOVED
        recount(session, event)
        after = attendance_counts(event)
        audit.record(
            "attendance.import_removed",
            imported,
            f"{event.title}: “{imported.filename}” removed; "
            f"attended {before['attended']} → {after['attended']}",
            actor=by,
            event_id=event.id,
            filename=imported.filename,
            attended_before=before["attended"],
            attended_after=after["attended"],
        )
    return imported


def replace_now(session: OrmSession, imported: AttendanceImport, by: Account) -> None:
    """Within the confirmation of a corrected file: the report it replaces stops counting and
    this one counts, the event's attendance counted again, in the caller's unit of work."""
    event = _locked_event(session, imported.event_id)
    assert imported.replaces_id is not None  # its caller's condition: a corrected file
    old = _replaceable(session, event, imported.replaces_id)
    old.status = ImportStatus.REPLACED
    figures = summarise(imported.participants, event.attendance_min_minutes)
    imported.status = ImportStatus.DONE
    imported.rows_total = imported.rows_done = len(_grouped(imported.participants))
    recount(session, event)
    _finish(imported, figures)
    audit.record(
        "attendance.import_replaced",
        old,
        f"{event.title}: “{old.filename}” replaced by “{imported.filename}”",
        actor=by,
        event_id=event.id,
        filename=old.filename,
        replaced_by=imported.id,
        replacement=imported.filename,
    )


def _locked_event(session: OrmSession, event_id: int) -> Event:
    """The event, locked as an import of it is (one change of its attendance at a time)."""
    event = lock_row(session, Event, event_id)
    running = session.scalar(
        sa.select(AttendanceImport.id)
        .where(AttendanceImport.event_id == event.id, AttendanceImport.status == ImportStatus.IMPORTING)
        .limit(1)
    )
    if running is not None:
        raise Conflict(_l("A report of this event is being imported: try again once it is done."))
    return event


# --- counting an event's attendance again from its reports -------------------------------------


def recount(session: OrmSession, event: Event) -> int:
    """Rebuild the rows the event's imported reports give, as the imports that stand say
    them now. A person still there keeps their row (and its id: a walk-in's page stays where
    it was). Returns the number of rows written."""
    people, origin = _people(session, event)
    existing = session.execute(
        sa.select(Attendance.id, Attendance.participant_key).where(
            Attendance.event_id == event.id, Attendance.source != AttendanceSource.CHECK_IN
        )
    ).all()
    gone = [row_id for row_id, key in existing if key not in people]
    for start in range(0, len(gone), BATCH_SIZE):
        session.execute(
            sa.delete(Attendance)
            .where(Attendance.id.in_(gone[start : start + BATCH_SIZE]))
            .execution_options(synchronize_session=False)
        )
    # A check-in counts the whole event: without what a report added, it is what it was.
    session.execute(
        sa.update(Attendance)
        .where(
            Attendance.event_id == event.id,
            Attendance.source == AttendanceSource.CHECK_IN,
            Attendance.import_id.is_not(None),
        )
        .values(import_id=None, minutes=0, last_leave_dt=None)  # a check-in records no minutes
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    threshold = event.attendance_min_minutes
    rows = [
        attendance_row(event.id, key, person, origin[key], threshold, now) for key, person in people.items()
    ]
    for start in range(0, len(rows), BATCH_SIZE):
        _upsert(session, rows[start : start + BATCH_SIZE])
    session.expire_all()
    return len(rows)


def _people(session: OrmSession, event: Event) -> tuple[dict[str, dict], dict[str, AttendanceImport]]:
    """Each person of the event's standing reports, and the latest report that names them."""
    valid = _registration_ids(session, event)
    people: dict[str, dict] = {}
    origin: dict[str, AttendanceImport] = {}
    for imported in _standing(session, event):
        for key, person in _grouped(imported.participants, valid).items():
            people[key] = _across(people[key], person) if key in people else person
            origin[key] = imported
    # A walk-in of one report linked to their registration in another is one person.
    for key in [key for key, person in people.items() if person["reg"] is not None]:
        for other in _other_keys(people[key]):
            if other in people and people[other]["reg"] is None:
                people[key] = _across(people[key], people.pop(other))
                origin.pop(other)
    return people, origin


def _standing(session: OrmSession, event: Event) -> list[AttendanceImport]:
    return list(
        session.scalars(
            sa.select(AttendanceImport)
            .where(AttendanceImport.event_id == event.id, AttendanceImport.status == ImportStatus.DONE)
            .order_by(AttendanceImport.id)
        )
    )


def _registration_ids(session: OrmSession, event: Event) -> set[int]:
    return set(session.scalars(sa.select(Registration.id).where(Registration.event_id == event.id)))


# --- a single walk-in -------------------------------------------------------------------------


def remove_walk_in(event: Event, attendance_id: int, *, by: Account) -> None:
    """Take back a walk-in: each report that named them leaves them out from now on."""
    with write_transaction() as session:
        event = _locked_event(session, event.id)
        row = _walk_in(session, event, attendance_id)
        name, key = row.name, row.participant_key
        _change_entries(session, event, key, _left_out)
        recount(session, event)
        audit.record(
            "attendance.walk_in_removed",
            event,
            f"{event.title}: walk-in “{name}” removed",
            actor=by,
            event_id=event.id,
            participant=name,
        )


def merge_walk_in(
    event: Event,
    attendance_id: int,
    *,
    registration_id: int | None = None,
    walk_in_id: int | None = None,
    by: Account,
) -> None:
    """A walk-in is the same person as a registration of the event, or as another walk-in:
    their time online is combined, spans that overlap counted once."""
    if (registration_id is None) == (walk_in_id is None):
        raise AttendanceError(_l("Choose the registration or the other walk-in this person is."))
    with write_transaction() as session:
        event = _locked_event(session, event.id)
        row = _walk_in(session, event, attendance_id)
        name, key = row.name, row.participant_key
        if registration_id is not None:
            registration = session.get(Registration, registration_id)
            if registration is None or registration.event_id != event.id:
                raise NotFound(_l("That registration is not one of this event's."))
            into, change = registration.name, _linked_to(registration.id)
        else:
            other = _walk_in(session, event, walk_in_id)
            if other.id == row.id:
                raise AttendanceError(_l("A walk-in cannot be merged with themselves."))
            into, change = other.name, _same_as(other.participant_key)
        _change_entries(session, event, key, change)
        recount(session, event)
        audit.record(
            "attendance.walk_in_merged",
            event,
            f"{event.title}: walk-in “{name}” merged with {into}",
            actor=by,
            event_id=event.id,
            participant=name,
            registration_id=registration_id,
            into=into,
        )


def _walk_in(session: OrmSession, event: Event, attendance_id: int | None) -> Attendance:
    row = session.get(Attendance, attendance_id) if attendance_id is not None else None
    if row is None or row.event_id != event.id or row.registration_id is not None:
        raise NotFound(_l("There is no such walk-in at this event."))
    return row


def _left_out(entry: dict) -> None:
    entry.update(decision=IGNORE, reg=None, how=None)


def _linked_to(reg_id: int) -> Callable[[dict], None]:
    def change(entry: dict) -> None:
        entry.update(decision=MATCH, reg=reg_id, how=BY_HAND)

    return change


def _same_as(key: str) -> Callable[[dict], None]:
    def change(entry: dict) -> None:
        entry.update(decision=WALK_IN, reg=None, how=None, same_as=key)

    return change


def _change_entries(session: OrmSession, event: Event, key: str, change: Callable[[dict], None]) -> None:
    """Change, in every standing report of the event, the entries that are the person `key`."""
    valid = _registration_ids(session, event)
    for imported in _standing(session, event):
        entries = [dict(entry) for entry in imported.participants]
        touched = False
        for entry in entries:
            if entry["decision"] not in (MATCH, WALK_IN):
                continue
            reg_id = entry["reg"] if entry["reg"] in valid else None
            if participant_key(entry, reg_id) == key:
                change(entry)
                touched = True
        if touched:
            imported.participants = entries  # a new list: the JSON column notices a replaced value
            count_people(imported, entries)
