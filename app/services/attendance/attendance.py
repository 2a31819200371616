"""Attendance: check-in at the door, and participant reports imported in three steps.

1. `start_import` reads the report (see participant_reports), matches each person to a
   registration of the event (by email, then by name) and keeps the result in an
   AttendanceImport in PREVIEW: nothing is recorded yet. A report whose columns are
   not recognised waits for the organiser to map them (`map_columns`).
2. The organiser checks the preview: links unmatched people by hand, records them as
   walk-ins or ignores them (`save_choices`), then confirms (`confirm_import`).
3. A queued job (`run_import`) writes the Attendance rows in batches, one upsert per
   batch keyed by participant, so that a second report of the same event recomputes
   rows instead of adding any. The same file twice is refused by its SHA-256.

Check-in writes the same rows, keyed "reg:<registration id>", from the door.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import defer, selectinload

from ...database import insert_for, lock_row, utcnow, write_transaction
from ...extensions import db
from ...formatting import instant_in
from ...models import (
    Account,
    Attendance,
    AttendanceImport,
    AttendanceSource,
    Delegate,
    Event,
    EventFormat,
    ImportStatus,
    Registration,
    RegistrationStatus,
    registrations_matching,
)
from .. import audit
from ..webhooks import webhooks
from . import decisions
from . import participant_reports as reports
from . import report_clues as clues

log = logging.getLogger(__name__)

# Rows written per unit of work: SQLite's write lock is released between batches.
BATCH_SIZE = 2000
MAX_THRESHOLD = 24 * 60
# A request carrying a report (MAX_REPORT_BYTES) may be this much larger, in the console and
# the API alike: room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024

# What becomes of a participant of a report. Nobody is a walk-in by default: an unmatched
# participant is UNDECIDED until the organiser chooses (see decisions.py).
MATCH, WALK_IN, IGNORE, UNDECIDED = "match", "walk_in", "ignore", "undecided"
# How a participant was matched to a registration.
BY_EMAIL, BY_NAME, BY_HAND = "email", "name", "hand"


class AttendanceError(ValueError):
    """A change the rules refuse; `status` is the HTTP status that says so."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class Conflict(AttendanceError):
    status = 409


class AlreadyImported(Conflict):
    def __init__(self, earlier: AttendanceImport, zone):
        when = instant_in(earlier.created_dt, zone)
        super().__init__(
            _l(
                "This report was already imported on %(when)s: importing it again would change nothing.",
                when=when,
            )
        )
        self.earlier = earlier


# --- check-in --------------------------------------------------------------------------------


def check_in(registration: Registration, *, by: Account, now: datetime | None = None) -> bool:
    """Mark a registrant present at the door. Returns False if they already were.

    A check-in records the time of arrival, and nothing else: no minutes of presence are
    invented (the departure, if the desk records it, comes with `check_out`).
    """
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        event = registration.event
        _check_in_allowed(event)
        if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
            raise Conflict(
                _l(
                    "%(name)s's registration is %(status)s.",
                    name=registration.name,
                    status=registration.status.title,
                )
            )
        row = _attendance_of(session, registration)
        if row is not None and row.attended:
            return False
        if row is None:
            row = Attendance(
                event_id=event.id,
                registration_id=registration.id,
                participant_key=registrant_key(registration.id),
                name=registration.name,
                email=registration.email,
            )
            session.add(row)
        row.source = AttendanceSource.CHECK_IN
        row.attended = True
        row.minutes = row.minutes or 0
        row.first_join_dt = now or utcnow()
        row.last_leave_dt = None
        audit.record(
            "attendance.check_in",
            registration,
            f"{registration.name}, {event.title}: checked in",
            actor=by,
            event_id=event.id,
        )
    return True


def undo_check_in(registration: Registration, *, by: Account) -> bool:
    """Take back a check-in made by mistake. Returns False if there was none."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        row = _attendance_of(session, registration)
        if row is None or row.source != AttendanceSource.CHECK_IN:
            return False
        session.delete(row)
        audit.record(
            "attendance.check_in_undo",
            registration,
            f"{registration.name}, {registration.event.title}: check-in taken back",
            actor=by,
            event_id=registration.event_id,
        )
    return True


def check_out(registration: Registration, *, by: Account, now: datetime | None = None) -> bool:
    """Record that a checked-in registrant left: the time of departure, and the minutes
    between arrival and departure. Returns False if they had already checked out."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        row = _attendance_of(session, registration)
        if row is None or row.source != AttendanceSource.CHECK_IN or not row.attended:
            raise Conflict(_l("%(name)s has not checked in.", name=registration.name))
        if row.last_leave_dt is not None:
            return False
        left = now or utcnow()
        if row.first_join_dt is not None and left < row.first_join_dt:
            raise Conflict(_l("The departure cannot come before the arrival."))
        row.last_leave_dt = left
        if row.first_join_dt is not None:
            row.minutes = int((left - row.first_join_dt).total_seconds() // 60)
        audit.record(
            "attendance.check_out",
            registration,
            f"{registration.name}, {registration.event.title}: checked out",
            actor=by,
            event_id=registration.event_id,
        )
    return True


def _check_in_allowed(event: Event) -> None:
    if event.is_cancelled:
        raise Conflict(_l("The event is cancelled."))
    if event.format == EventFormat.ONLINE:
        raise Conflict(_l("This event is held online: import its participant report instead."))


def _attendance_of(session: OrmSession, registration: Registration) -> Attendance | None:
    return session.scalars(
        sa.select(Attendance).where(
            Attendance.event_id == registration.event_id,
            Attendance.participant_key == registrant_key(registration.id),
        )
    ).one_or_none()


def attended(event_id: int) -> sa.Exists:
    """Whether the registration of the query it is put in attended the event (a correlated
    EXISTS on its Attendance row)."""
    return sa.exists().where(
        Attendance.event_id == event_id,
        Attendance.registration_id == Registration.id,
        Attendance.attended.is_(True),
    )


def registrant_key(registration_id: int) -> str:
    return f"reg:{registration_id}"


# --- the threshold -----------------------------------------------------------------------------


def set_threshold(event: Event, minutes: int, *, by: Account) -> bool:
    """Minutes online from which a participant counts as attended; rows already imported are
    decided again (check-ins stay attended). Returns whether anything changed."""
    if not 0 <= minutes <= MAX_THRESHOLD:
        raise AttendanceError(_l("Choose a number of minutes from 0 to %(max)d.", max=MAX_THRESHOLD))
    with write_transaction() as session:
        return _set_threshold(session, event, minutes, by)


def _set_threshold(session: OrmSession, event: Event, minutes: int, by: Account) -> bool:
    event = lock_row(session, Event, event.id)
    if event.attendance_min_minutes == minutes:
        return False
    # Outside the ORM's versioned UPDATE: this is no edit of the event's details.
    session.execute(
        sa.update(Event)
        .where(Event.id == event.id)
        .values(attendance_min_minutes=minutes)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(Attendance)
        .where(Attendance.event_id == event.id, Attendance.source != AttendanceSource.CHECK_IN)
        .values(attended=Attendance.minutes >= minutes)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["attendance_min_minutes"])
    audit.record(
        "event.attendance_threshold",
        event,
        f"{event.title}: attended from {minutes} minutes online",
        actor=by,
        minutes=minutes,
    )
    return True


# --- importing a report: the preview ---------------------------------------------------------


def check_importable(event: Event, now: datetime | None = None) -> None:
    """A report can be imported once the event has started, and not for a cancelled event."""
    if event.is_cancelled:
        raise Conflict(_l("The event is cancelled."))
    if event.start_dt > (now or utcnow()):
        raise Conflict(
            _l(
                "The event has not started yet: its attendance can be imported from %(when)s.",
                when=instant_in(event.start_dt, event.zone),
            )
        )


def start_import(
    event: Event,
    filename: str,
    data: bytes,
    zone: str | None = None,
    *,
    by: Account | None,
    day_first: bool | None = None,
    replaces: AttendanceImport | None = None,
) -> AttendanceImport:
    """Read a report and keep it, matched, for the organiser to check. Nothing is recorded yet.
    `replaces`: an imported report of the event this corrected file is to take the place of.

    `zone`: the zone of the report's times as the organiser gives it; without it, the zone the
    report states, else the event's. The file is kept so that the preview can read it again
    with another zone or order of day and month (`read_again`).
    Raises ReportError for a file we cannot read, AlreadyImported for a file imported before.
    """
    sha = hashlib.sha256(data).hexdigest()
    table = reports.read_table(data, filename)
    reading = _reading(event, zone, day_first)
    try:
        report, unknown = _read(table, reading), None
    except reports.UnknownColumns as error:
        report, unknown = None, error
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)  # one import of an event at a time
        check_importable(event)
        if replaces is not None:
            replaces = _replaceable(session, event, replaces.id)
        earlier = session.scalars(
            sa.select(AttendanceImport)
            .where(
                AttendanceImport.event_id == event.id,
                AttendanceImport.file_sha256 == sha,
                AttendanceImport.status.in_((ImportStatus.IMPORTING, ImportStatus.DONE)),
            )
            .order_by(AttendanceImport.created_dt)
        ).first()
        if earlier is not None:
            raise AlreadyImported(earlier, event.zone)
        # An unconfirmed preview of the same file gives way to this one.
        session.execute(
            sa.update(AttendanceImport)
            .where(
                AttendanceImport.event_id == event.id,
                AttendanceImport.file_sha256 == sha,
                AttendanceImport.status == ImportStatus.PREVIEW,
            )
            .values(status=ImportStatus.DISCARDED, report_file=None)
            .execution_options(synchronize_session=False)
        )
        imported = AttendanceImport(
            event_id=event.id,
            account_id=by.id if by is not None else None,  # None: fetched by the worker
            filename=(filename or "report")[:255],
            file_sha256=sha,
            source=AttendanceSource.OTHER,
            status=ImportStatus.PREVIEW,
            column_map={"zone": reading["zone"], READING: reading},
            report_file=data,
            replaces_id=replaces.id if replaces is not None else None,
        )
        if report is not None:
            _fill(session, imported, report)
        else:
            assert unknown is not None  # a report is read, or its columns are unknown
            # Until its columns are mapped, an import keeps the report's table itself.
            imported.participants = [list(unknown.header), *([line, cells] for line, cells in unknown.rows)]
        session.add(imported)
    return imported


# Under this key of an import's column_map: how its report was read (see `_reading`).
READING = "reading"
# Rows left out listed in the preview; the count covers them all.
LEFT_OUT_KEPT = 500


def _reading(event: Event, zone: str | None, day_first: bool | None = None) -> dict:
    """What the organiser gave for reading a report, with what the event says."""
    if zone is not None:
        clues.zone_named(zone)  # a zone the form or the API let through, or ValueError
    return {
        "zone": zone or event.timezone,
        "zone_given": zone is not None,
        "day": event.start_dt.astimezone(event.zone).date().isoformat(),
        "day_first": day_first,
    }


def _read(table: reports.Table, reading: dict, mapping=None) -> reports.Report:
    options = {
        "zone_given": reading["zone_given"],
        "day": date.fromisoformat(reading["day"]),
        "day_first": reading["day_first"],
    }
    zone = clues.zone_named(reading["zone"])
    if mapping is None:
        return reports.read_report(table, zone, **options)
    found = reports.unknown_columns(table.rows)
    if not isinstance(found, reports.UnknownColumns):
        raise found
    return reports.read_mapped(found.header, found.rows, mapping, zone, **options)


def read_again(
    imported: AttendanceImport, zone: str | None, day_first: bool | None, *, by: Account
) -> AttendanceImport:
    """Read the kept file again with another zone (None: the report's own, else the event's)
    or order of day and month (None: decided from the file). The preview's choices start over."""
    if imported.status != ImportStatus.PREVIEW:
        raise Conflict(_l("This report is no longer waiting to be checked: nothing was changed."))
    if imported.report_file is None:
        raise Conflict(_l("This report’s file is no longer kept: upload it again."))
    reading = _reading(imported.event, zone, day_first)
    table = reports.read_table(imported.report_file, imported.filename)
    mapping = imported.column_map.get(MAPPING)
    report = _read(table, reading, mapping)
    with write_transaction() as session:
        imported = _previewed(session, imported)
        imported.column_map = {**imported.column_map, "zone": reading["zone"], READING: reading}
        _fill(session, imported, report)
        if mapping is not None:
            imported.column_map = {**imported.column_map, MAPPING: mapping}
    return imported


def dates_to_choose(imported: AttendanceImport) -> bool:
    """Whether the report's dates read either way and nothing told which: the organiser says."""
    return imported.column_map.get(READING, {}).get("dates_from") == reports.DATES_ASKED


def awaiting_mapping(imported: AttendanceImport) -> bool:
    return imported.status == ImportStatus.PREVIEW and not _mapped(imported)


def _mapped(imported: AttendanceImport) -> bool:
    return "name" in imported.column_map


def entries_of(imported: AttendanceImport) -> list[dict]:
    """The participants of an import: none while it holds a table whose columns are not chosen."""
    return imported.participants if _mapped(imported) else []


def map_columns(
    imported: AttendanceImport, mapping: dict[str, int | None], *, by: Account
) -> AttendanceImport:
    """Read the report with the columns the organiser chose. Raises ReportError."""
    if not awaiting_mapping(imported):
        raise Conflict(_l("This report's columns are already chosen."))
    header, *rows = imported.participants
    reading = imported.column_map.get(READING) or _reading(imported.event, imported.column_map["zone"])
    table = reports.Table([(header[0], header[1]), *((line, cells) for line, cells in rows)])
    report = _read(table, reading, mapping)
    with write_transaction() as session:
        imported = lock_row(session, AttendanceImport, imported.id)
        if not awaiting_mapping(imported):
            raise Conflict(_l("This report's columns are already chosen."))
        _fill(session, imported, report)
        imported.column_map = {**imported.column_map, MAPPING: mapping}
    return imported


# Under this key: the organiser's choice of columns, to read the file again with it.
MAPPING = "mapping"


def _replaceable(session: OrmSession, event: Event, import_id: int) -> AttendanceImport:
    """An import of the event whose attendance is recorded, locked: one to remove or replace."""
    imported = lock_row(session, AttendanceImport, import_id)
    if imported.event_id != event.id or imported.status != ImportStatus.DONE:
        raise Conflict(
            _l(
                "Only a report whose attendance is recorded can be removed or replaced; "
                "this one is: %(status)s.",
                status=imported.status.title,
            )
        )
    return imported


def _fill(session: OrmSession, imported: AttendanceImport, report: reports.Report) -> None:
    entries = matched_entries(session, imported.event_id, report)
    imported.source = report.source
    reading = {
        **imported.column_map.get(READING, {}),
        "zone_from": report.zone_from,
        "dates": report.dates,
        "dates_from": report.dates_from,
        "left_out": [list(item) for item in report.left_out[:LEFT_OUT_KEPT]],
        "left_out_count": len(report.left_out),
        "waiting_room": report.waiting_room,
    }
    imported.column_map = {"zone": report.zone, READING: reading, **report.columns}
    _store(imported, entries)


def matched_entries(session: OrmSession, event_id: int, report: reports.Report) -> list[dict]:
    """The report's people in a fixed order, matched to the event's registrations, the others
    grouped and given suggestions; nothing is stored."""
    entries = [_entry(participant) for participant in report.participants]
    entries.sort(key=lambda entry: (reports.name_key(entry["name"]), entry["email"]))
    registrations, taken = _match(session, event_id, entries)
    decisions.suggest(entries, [row for row in registrations if row[0] not in taken])
    return entries


def _entry(participant: reports.Participant) -> dict:
    return {
        "name": participant.name,
        "email": participant.email,
        "join": _iso(participant.first_join),
        "leave": _iso(participant.last_leave),
        "seconds": participant.seconds,
        "spans": (
            [[int(start.timestamp()), int(end.timestamp())] for start, end in participant.spans]
            if participant.spans is not None
            else None
        ),
        "rows": participant.rows,
        "kind": participant.kind,
        "country": participant.country,
        "reg": None,
        "how": None,
        "decision": UNDECIDED,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _store(imported: AttendanceImport, entries: list[dict]) -> None:
    # A new list: the JSON column notices a replaced value, not a changed one.
    imported.participants = list(entries)
    count_people(imported, entries)
    imported.rows_total = len(entries)


def count_people(imported: AttendanceImport, entries: list[dict]) -> None:
    """The figures the list of an event's imports shows, from the import's entries."""
    imported.matched_count = sum(1 for entry in entries if entry["reg"] is not None)
    imported.unmatched_count = len(entries) - imported.matched_count
    imported.walk_in_count = sum(1 for entry in entries if entry["decision"] == WALK_IN)


def _match(session: OrmSession, event_id: int, entries: list[dict]) -> tuple[list, set[int]]:
    """Registrations by email (any case), then by name or Latin-script name (case, accents,
    punctuation and word order ignored); a name shared by two registrations matches neither.
    Returns the event's registrations (id, name as a report would write it, email) and the
    ids of those matched."""
    registrations = session.execute(
        sa.select(Registration.id, Registration.name, Registration.latin_name, Delegate.email)
        .join(Delegate, Delegate.id == Registration.delegate_id)
        .where(Registration.event_id == event_id)
    ).all()
    by_email = {email.lower(): reg_id for reg_id, _, _, email in registrations}
    by_name: dict[str, list[int]] = {}
    reg_id: int | None  # below, None for an entry whose email matches nobody
    for reg_id, name, latin_name, _ in registrations:
        for key in {reports.name_key(name), reports.name_key(latin_name)} - {""}:
            by_name.setdefault(key, []).append(reg_id)
    taken: set[int] = set()
    for entry in entries:
        reg_id = by_email.get(entry["email"]) if entry["email"] else None
        if reg_id is not None:
            _link(entry, reg_id, BY_EMAIL)
            taken.add(reg_id)
    for entry in entries:
        if entry["reg"] is not None:
            continue
        for key in reports.name_keys(entry["name"]):
            if key not in by_name:
                continue
            candidates = by_name[key]
            if len(candidates) == 1 and candidates[0] not in taken:
                _link(entry, candidates[0], BY_NAME)
                taken.add(candidates[0])
            break
    named = [(reg_id, latin_name or name, email) for reg_id, name, latin_name, email in registrations]
    return named, taken


def _link(entry: dict, reg_id: int | None, how: str | None) -> None:
    entry["reg"], entry["how"] = reg_id, how
    entry["decision"] = MATCH if reg_id is not None else UNDECIDED


@dataclass(frozen=True)
class Summary:
    participants: int
    rows: int
    by_email: int
    by_name: int
    by_hand: int
    walk_ins: int
    ignored: int
    undecided: int
    attended: int
    below: int

    @property
    def matched(self) -> int:
        return self.by_email + self.by_name + self.by_hand


def summarise(entries: list[dict], threshold: int) -> Summary:
    """The figures of a report as decided so far: the undecided are counted apart, not as
    attended or below the threshold."""
    kept = [entry for entry in entries if entry["decision"] in (MATCH, WALK_IN)]
    attended = sum(1 for entry in kept if reports.minutes_of(entry["seconds"]) >= threshold)
    return Summary(
        participants=len(entries),
        rows=sum(entry["rows"] for entry in entries),
        by_email=sum(1 for entry in entries if entry["how"] == BY_EMAIL),
        by_name=sum(1 for entry in entries if entry["how"] == BY_NAME),
        by_hand=sum(1 for entry in entries if entry["how"] == BY_HAND),
        walk_ins=sum(1 for entry in entries if entry["decision"] == WALK_IN),
        ignored=sum(1 for entry in entries if entry["decision"] == IGNORE),
        undecided=sum(1 for entry in entries if entry["decision"] == UNDECIDED),
        attended=attended,
        below=len(kept) - attended,
    )


def is_open_choice(entry: dict) -> bool:
    """Whether the organiser decides for this participant: not matched automatically."""
    return entry["how"] not in (BY_EMAIL, BY_NAME)


def linkable_registrations(imported: AttendanceImport) -> list[Registration]:
    """Registrations of the event that no participant of the report matched automatically."""
    matched = {entry["reg"] for entry in imported.participants if not is_open_choice(entry)}
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == imported.event_id)
        .options(selectinload(Registration.delegate))  # the choices show each one's email
        .order_by(Registration.name, Registration.id)
    ).all()
    return [registration for registration in registrations if registration.id not in matched]


# --- importing a report: the organiser's choices, and the confirmation -------------------------


class Undecided(Conflict):
    """Confirming while some unmatched participants are not decided."""

    def __init__(self, count: int):
        super().__init__(
            _l(
                "%(num)d unmatched people are not decided yet: choose for each (or for a whole group) "
                "whether they are walk-ins or left out, or import and leave the undecided out.",
                num=count,
            )
        )
        self.count = count


def save_choices(
    imported: AttendanceImport,
    choices: dict[int, str],
    others: str | None,
    threshold: int | None = None,
    *,
    by: Account,
) -> AttendanceImport:
    """Record what becomes of the unmatched participants and the threshold, without importing.

    `choices`: {index of a participant: "walk_in" | "ignore" | "undecided" | "reg:<id>"};
    `others` is the choice for the unmatched participants not listed (None: as they are);
    `threshold` None keeps the event's.
    """
    with write_transaction() as session:
        imported = _previewed(session, imported)
        _apply_choices(session, imported, choices, others, threshold, by)
    return imported


def confirm_import(
    imported: AttendanceImport,
    choices: dict[int, str],
    others: str | None,
    threshold: int | None = None,
    *,
    by: Account,
    leave_out_undecided: bool = False,
) -> AttendanceImport:
    """Save the choices and start writing the attendance, in batches, on the queue; a
    corrected file takes the place of the import it replaces at once, in this unit of work.

    Raises Undecided while unmatched people are undecided, unless they are to be left out.
    """
    with write_transaction() as session:
        imported = _previewed(session, imported)
        if dates_to_choose(imported):
            raise AttendanceError(
                _l("Say first whether the report’s dates are written day first or month first.")
            )
        _apply_choices(session, imported, choices, others, threshold, by)
        _settle_undecided(imported, leave_out_undecided)
        _record_choices(imported, by)
        if imported.replaces_id is not None:
            from .corrections import replace_now  # corrections builds on this module

            replace_now(session, imported, by)
            return imported
        imported.status = ImportStatus.IMPORTING
        imported.report_file = None  # read for the last time: what is imported is in participants
        imported.rows_done = 0
        imported.rows_total = len(_grouped(imported.participants))
    _enqueue(imported.id)
    return imported


def _settle_undecided(imported: AttendanceImport, leave_out: bool) -> None:
    undecided = [entry for entry in imported.participants if entry["decision"] == UNDECIDED]
    if not undecided:
        return
    if not leave_out:
        raise Undecided(len(undecided))
    entries = [dict(entry) for entry in imported.participants]
    for entry in entries:
        if entry["decision"] == UNDECIDED:
            entry["decision"] = IGNORE
    _store(imported, entries)


def decide_group(imported: AttendanceImport, group: str, choice: str, *, by: Account) -> int:
    """One choice for every unmatched person of a group (walk-ins, left out, or undecided
    again); links made by hand stay. Returns how many people it decided for."""
    if group not in decisions.GROUPS or choice not in UNMATCHED_DECISIONS:
        raise AttendanceError(_l("Choose a group and what becomes of its people."))
    indexes = decisions.indexes_in_group(imported.participants, group, is_open_choice)
    save_choices(imported, dict.fromkeys(indexes, choice), None, by=by)
    return len(indexes)


def decide_one(imported: AttendanceImport, index: int, choice: str, *, by: Account) -> AttendanceImport:
    """One person's choice (accepting a suggestion is "reg:<id>"), the others as they are."""
    return save_choices(imported, {index: choice}, None, by=by)


def discard_import(imported: AttendanceImport, *, by: Account | None) -> AttendanceImport:
    with write_transaction() as session:
        imported = _previewed(session, imported, mapped=False)
        imported.status = ImportStatus.DISCARDED
        imported.report_file = None
        imported.finished_dt = utcnow()
    return imported


def _previewed(session: OrmSession, imported: AttendanceImport, mapped: bool = True) -> AttendanceImport:
    imported = lock_row(session, AttendanceImport, imported.id)
    if imported.status != ImportStatus.PREVIEW:
        status = imported.status.title
        raise Conflict(_l("This report is no longer waiting to be checked: %(status)s.", status=status))
    if mapped and awaiting_mapping(imported):
        raise Conflict(_l("Choose the report's columns first."))
    return imported


def _apply_choices(
    session: OrmSession,
    imported: AttendanceImport,
    choices: dict[int, str],
    others: str | None,
    threshold: int | None,
    by: Account,
) -> None:
    entries = [dict(entry) for entry in imported.participants]
    linkable = {registration.id for registration in linkable_registrations(imported)}
    decide_entries(entries, choices, others, linkable)
    _store(imported, entries)
    if threshold is not None and threshold != imported.event.attendance_min_minutes:
        if not 0 <= threshold <= MAX_THRESHOLD:
            raise AttendanceError(_l("Choose a number of minutes from 0 to %(max)d.", max=MAX_THRESHOLD))
        _set_threshold(session, imported.event, threshold, by)


UNMATCHED_DECISIONS = (WALK_IN, IGNORE, UNDECIDED)


def decide_entries(
    entries: list[dict], choices: dict[int, str], others: str | None, linkable: set[int]
) -> None:
    """Apply the organiser's choices to the unmatched entries, in place (see save_choices);
    `linkable`: the registrations a participant may be linked to by hand."""
    if others not in (None, *UNMATCHED_DECISIONS):
        raise AttendanceError(_l("Choose what becomes of the other unmatched participants."))
    for index in choices:
        if not 0 <= index < len(entries) or not is_open_choice(entries[index]):
            raise AttendanceError(_l("A participant chosen is not in this report's unmatched list."))
    for index, entry in enumerate(entries):
        if not is_open_choice(entry):
            continue
        choice = choices.get(index, others)
        if choice is None:
            continue
        if choice in UNMATCHED_DECISIONS:
            _link(entry, None, None)
            entry["decision"] = choice
            continue
        reg_id = _registration_of(choice)
        if reg_id not in linkable:
            raise AttendanceError(_l("A registration chosen is not one of this event's unmatched ones."))
        _link(entry, reg_id, BY_HAND)


def _registration_of(choice: str) -> int | None:
    prefix, _, number = choice.partition(":")
    return int(number) if prefix == "reg" and number.isdigit() else None


def _record_choices(imported: AttendanceImport, by: Account) -> None:
    event = imported.event
    linked = {entry["reg"] for entry in imported.participants if entry["how"] == BY_HAND}
    query = sa.select(Registration.id, Registration.name).where(Registration.id.in_(linked))
    names = dict(db.session.execute(query).all())
    for entry in imported.participants:
        if entry["how"] == BY_HAND:
            audit.record(
                "attendance.link",
                imported,
                f"{event.title}: “{entry['name']}” of the report linked to {names[entry['reg']]}",
                actor=by,
                event_id=event.id,
                registration_id=entry["reg"],
                participant=entry["name"],
            )
    walk_ins = [entry["name"] for entry in imported.participants if entry["decision"] == WALK_IN]
    if walk_ins:
        audit.record(
            "attendance.walk_ins",
            imported,
            f"{event.title}: {len(walk_ins)} participants without registration recorded as walk-ins",
            actor=by,
            event_id=event.id,
            count=len(walk_ins),
            names=walk_ins[:50],
        )


def _enqueue(import_id: int) -> None:
    from .tasks import import_attendance

    try:
        import_attendance(import_id)
    except Exception:  # the page offers to start it again; the job resumes where it stopped
        log.exception("could not enqueue the import of attendance report %s", import_id)


def resume_import(imported: AttendanceImport) -> None:
    """Queue again an import that stopped (a lost job): it continues from its last batch."""
    if imported.status != ImportStatus.IMPORTING:
        raise Conflict(_l("This report is not being imported."))
    _enqueue(imported.id)


# --- importing a report: the job ---------------------------------------------------------------


def run_import(import_id: int) -> int:
    """Write the attendance of a confirmed import, batch by batch. Idempotent: run again, it
    resumes after the last batch written; on an import that is not IMPORTING it does nothing.
    Returns the number of rows written."""
    imported = db.session.get(AttendanceImport, import_id, populate_existing=True)
    if imported is None or imported.status != ImportStatus.IMPORTING:
        return 0
    try:
        rows, superseded = _rows_to_write(imported)
        figures = summarise(imported.participants, imported.event.attendance_min_minutes)
        while True:
            with write_transaction() as session:
                progress = _progress(session, import_id)
                if progress.status != ImportStatus.IMPORTING:
                    return progress.rows_done
                start = progress.rows_done
                batch = rows[start : start + BATCH_SIZE]
                _upsert(session, batch)
                replaced = [superseded[row["participant_key"]] for row in batch]
                _drop_superseded(session, progress.event_id, replaced)
                progress.rows_done = start + len(batch)
                progress.rows_total = len(rows)
                if progress.rows_done >= len(rows):
                    _finish(progress, figures)
                    return len(rows)
    except Exception as error:
        log.exception("the import of attendance report %s failed", import_id)
        db.session.rollback()
        _fail(import_id, error)
        return 0


def _progress(session: OrmSession, import_id: int) -> AttendanceImport:
    """The import, locked for one batch, without its participants: the job read them once,
    and a large report's JSON is worth not decoding again for every batch."""
    return session.scalars(
        sa.select(AttendanceImport)
        .options(defer(AttendanceImport.participants))
        .where(AttendanceImport.id == import_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _rows_to_write(imported: AttendanceImport) -> tuple[list[dict], dict[str, list[str]]]:
    """The Attendance rows of this import, each merged with what earlier imports of the event
    said of the same person; and, per row, the keys of walk-in rows it replaces."""
    event = imported.event
    valid = set(db.session.scalars(sa.select(Registration.id).where(Registration.event_id == event.id)))
    current = _grouped(imported.participants, valid)
    previous: dict[str, dict] = {}
    entries: list  # an earlier import's participants
    for entries in db.session.scalars(
        sa.select(AttendanceImport.participants)
        .where(
            AttendanceImport.event_id == event.id,
            AttendanceImport.status == ImportStatus.DONE,
            AttendanceImport.id != imported.id,
        )
        .order_by(AttendanceImport.id)
    ):
        for key, person in _grouped(entries, valid).items():
            previous[key] = _across(previous[key], person) if key in previous else person
    threshold = event.attendance_min_minutes
    now = utcnow()
    rows: list[dict] = []
    superseded: dict[str, list[str]] = {}
    for key, person in current.items():
        replaced = _other_keys(person) if person["reg"] is not None else []
        for other in (key, *replaced):
            if other in previous:
                person = _across(person, previous[other])
        rows.append(attendance_row(event.id, key, person, imported, threshold, now))
        superseded[key] = replaced
    return rows, superseded


def attendance_row(
    event_id: int, key: str, person: dict, imported: AttendanceImport, threshold: int, now: datetime
) -> dict:
    """The Attendance row of a person of a report (see `_grouped`), as `_upsert` writes it."""
    minutes = reports.minutes_of(person["seconds"])
    return {
        "event_id": event_id,
        "registration_id": person["reg"],
        "participant_key": key,
        "name": person["name"][: reports.NAME_MAX],
        "email": person["email"],
        "source": imported.source,
        "import_id": imported.id,
        "first_join_dt": person["join"],
        "last_leave_dt": person["leave"],
        "minutes": minutes,
        "attended": minutes >= threshold,
        "organisation": "",
        # The report's country of someone not registered, for the charts.
        "country": person.get("country", "") if person["reg"] is None else "",
        "created_dt": now,
    }


def participant_key(entry: dict, reg_id: int | None) -> str:
    """ "reg:<registration id>", else the email, else "name:<name as compared>"."""
    if reg_id is not None:
        return registrant_key(reg_id)
    if entry.get("same_as"):  # a walk-in the organiser merged into another
        return entry["same_as"]
    if entry["email"]:
        return entry["email"]
    return f"name:{reports.name_key(entry['name'])}"


def _other_keys(person: dict) -> list[str]:
    """The keys the same person had as a walk-in of an earlier report."""
    keys = [f"name:{reports.name_key(person['name'])}"]
    if person["email"]:
        keys.insert(0, person["email"])
    return keys


def _grouped(entries: list[dict], valid: set[int] | None = None) -> dict[str, dict]:
    """One person per participant key: two participants linked to one registration (a laptop
    and a phone) are two connections of the same person."""
    people: dict[str, dict] = {}
    for entry in entries:
        if entry["decision"] not in (MATCH, WALK_IN):
            continue
        reg_id = entry["reg"] if valid is None or entry["reg"] in valid else None
        key = participant_key(entry, reg_id)
        person = {
            "reg": reg_id,
            "name": entry["name"],
            "email": entry["email"],
            "join": _instant(entry["join"]),
            "leave": _instant(entry["leave"]),
            "seconds": entry["seconds"],
            "spans": entry["spans"],
            "country": entry.get("country", ""),
            # Merged by the organiser into another walk-in, whose name and address stand.
            "alias": bool(entry.get("same_as")),
        }
        people[key] = _within(people[key], person) if key in people else person
    return people


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _within(one: dict, other: dict) -> dict:
    """Two connections in one report: their time adds up, overlaps counted once."""
    return _combined(one, other, lambda a, b: a + b)


def _across(one: dict, other: dict) -> dict:
    """The same person in two reports: the reports may overlap, so without the intervals the
    longer figure is kept rather than the sum."""
    return _combined(one, other, max)


def _combined(one: dict, other: dict, without_spans) -> dict:
    if one.get("alias") and not other.get("alias"):
        one, other = other, one
    joins = [moment for moment in (one["join"], other["join"]) if moment]
    leaves = [moment for moment in (one["leave"], other["leave"]) if moment]
    if one["spans"] is not None and other["spans"] is not None:
        in_seconds: list[tuple[int, int]] = [(start, end) for start, end in one["spans"] + other["spans"]]
        spans = [list(span) for span in reports.union(in_seconds)]
        seconds = sum(end - start for start, end in spans)
    else:
        spans, seconds = None, without_spans(one["seconds"], other["seconds"])
    return {
        "reg": one["reg"] if one["reg"] is not None else other["reg"],
        "name": one["name"],
        "email": one["email"] or other["email"],
        "join": min(joins) if joins else None,
        "leave": max(leaves) if leaves else None,
        "seconds": seconds,
        "spans": spans,
        "country": one.get("country") or other.get("country", ""),
        "alias": one.get("alias", False) and other.get("alias", False),
    }


def _upsert(session: OrmSession, rows: list[dict]) -> None:
    if not rows:
        return
    table = Attendance.__table__  # Core, not the ORM's bulk path: thousands of rows a batch
    insert = insert_for(session)(table)
    new, old = insert.excluded, table.c
    checked_in = old.source == AttendanceSource.CHECK_IN
    longer_check_in = sa.and_(checked_in, old.minutes > new.minutes)
    # Arrived at the door before joining online: the arrival is the first join.
    earlier_arrival = sa.and_(
        checked_in,
        old.first_join_dt.is_not(None),
        sa.or_(new.first_join_dt.is_(None), old.first_join_dt < new.first_join_dt),
    )
    # A check-in is the stronger record: a report adds to it, never takes it back.
    statement = insert.on_conflict_do_update(
        index_elements=["event_id", "participant_key"],
        set_={
            "registration_id": new.registration_id,
            "name": new.name,
            "email": new.email,
            "import_id": new.import_id,
            "first_join_dt": sa.case((earlier_arrival, old.first_join_dt), else_=new.first_join_dt),
            "last_leave_dt": new.last_leave_dt,
            "source": sa.case((checked_in, old.source), else_=new.source),
            "minutes": sa.case((longer_check_in, old.minutes), else_=new.minutes),
            "attended": sa.case((checked_in, sa.true()), else_=new.attended),
        },
    )
    session.execute(statement, rows)


def _drop_superseded(session: OrmSession, event_id: int, keys: list[list[str]]) -> None:
    """Walk-in rows of earlier reports for people now linked to their registration."""
    doomed = {key for group in keys for key in group}
    if doomed:
        session.execute(
            sa.delete(Attendance)
            .where(
                Attendance.event_id == event_id,
                Attendance.registration_id.is_(None),
                Attendance.participant_key.in_(doomed),
            )
            .execution_options(synchronize_session=False)
        )


def _finish(imported: AttendanceImport, figures: Summary) -> None:
    imported.status = ImportStatus.DONE
    imported.finished_dt = utcnow()
    imported.matched_count = figures.matched
    imported.unmatched_count = figures.participants - figures.matched
    imported.walk_in_count = figures.walk_ins
    webhooks.emit("attendance.imported", imported)
    event = imported.event
    account = db.session.get(Account, imported.account_id) if imported.account_id else None
    audit.record(
        "attendance.import",
        imported,
        f"{event.title}: {imported.source.title} “{imported.filename}”, {figures.participants} participants, "
        f"{figures.matched} registrants, {figures.walk_ins} walk-ins, {figures.attended} attended",
        actor=account,
        event_id=event.id,
        filename=imported.filename,
        source=imported.source,
        rows=figures.rows,
        participants=figures.participants,
        matched=figures.matched,
        by_email=figures.by_email,
        by_name=figures.by_name,
        by_hand=figures.by_hand,
        walk_ins=figures.walk_ins,
        ignored=figures.ignored,
        attended=figures.attended,
        below_threshold=figures.below,
        written=imported.rows_done,
    )


def _fail(import_id: int, error: Exception) -> None:
    try:
        with write_transaction() as session:
            imported = lock_row(session, AttendanceImport, import_id)
            imported.status = ImportStatus.FAILED
            imported.error = f"{type(error).__name__}: {error}"[:1000]
            imported.finished_dt = utcnow()
    except Exception:
        log.exception("could not mark attendance report %s as failed", import_id)


# --- what the pages show --------------------------------------------------------------------------


CHECK_IN_LIMIT = 25


def check_in_candidates(event: Event, search: str = "", limit: int = CHECK_IN_LIMIT):
    """Registrants still expecting the event (and anyone checked in), with their attendance:
    [(registration, attendance or None)], by name, those matching the search."""
    statement = (
        sa.select(Registration, Attendance)
        .join(Delegate, Delegate.id == Registration.delegate_id)
        .outerjoin(
            Attendance,
            sa.and_(
                Attendance.event_id == Registration.event_id, Attendance.registration_id == Registration.id
            ),
        )
        .where(
            Registration.event_id == event.id,
            sa.or_(Registration.status.in_(RegistrationStatus.live()), Attendance.id.is_not(None)),
        )
        .order_by(Registration.search_text, Registration.id)
        .limit(limit)
    )
    if search:
        statement = statement.where(registrations_matching(search, addresses=True, by_word=True))
    return db.session.execute(statement).all()


def check_in_counts(event: Event) -> dict[str, int]:
    checked_in = (
        db.session.scalar(
            sa.select(sa.func.count(Attendance.id)).where(
                Attendance.event_id == event.id, Attendance.source == AttendanceSource.CHECK_IN
            )
        )
        or 0
    )
    return {"checked_in": checked_in, "confirmed": _confirmed(event)}


def _confirmed(event: Event) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(
                Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        or 0
    )


def attendance_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(
            Attendance.attended,
            Attendance.registration_id.is_not(None),
            sa.func.count(Attendance.id),
        )
        .where(Attendance.event_id == event.id)
        .group_by(Attendance.attended, Attendance.registration_id.is_not(None))
    ).all()
    figures = {(attended, registered): count for attended, registered, count in rows}
    attended_registrants = figures.get((True, True), 0)
    no_shows = (
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                ~attended(event.id),
            )
        )
        or 0
    )
    return {
        "attended": attended_registrants + figures.get((True, False), 0),
        "registrants": attended_registrants,
        "walk_ins": figures.get((True, False), 0),
        "below": figures.get((False, True), 0) + figures.get((False, False), 0),
        "no_shows": no_shows,
        "confirmed": _confirmed(event),
    }


def attendance_list(event: Event):
    """A query of the event's attendance, those who attended first, for a page."""
    return (
        sa.select(Attendance)
        .where(Attendance.event_id == event.id)
        .order_by(Attendance.attended.desc(), Attendance.name, Attendance.id)
    )


def imports_of(event: Event) -> list[AttendanceImport]:
    return list(
        db.session.scalars(
            sa.select(AttendanceImport)
            .where(AttendanceImport.event_id == event.id)
            # The list shows each import's figures, not its (perhaps 20,000) participants.
            .options(defer(AttendanceImport.participants), selectinload(AttendanceImport.account))
            .order_by(AttendanceImport.created_dt.desc(), AttendanceImport.id.desc())
        )
    )
