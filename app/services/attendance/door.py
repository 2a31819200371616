"""Check-in by scanning: the QR code of a badge or of a confirmation email, read at the door.

The code (links.check_in_code) names the event and the registration, signed; this module
refuses one this site did not make, one for another event, and one whose registration is
cancelled, rejected or erased, then checks the person in as the check-in list does
(attendance.check_in). Scanning someone again says when they arrived and counts nothing.

The check-in page queues its scans while the network is down and sends them when it is back,
each with an id of its own (`client_id`): a scan sent twice (an answer lost on the way, the
queue sent again from a second tab) is recorded once, in `DoorScan`, and answered the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...database import lock_row, utcnow, write_transaction
from ...models import Account, DoorScan, Event, Registration
from ..links import read_check_in_code
from .attendance import AttendanceError, Conflict, _attendance_of, check_in
from .badges import BadgeLines, badge_lines

# A queued scan keeps the time it was read, if it is no older than this (a phone's clock that
# is wrong by more, or a queue forgotten overnight, gets the time the scan arrives).
QUEUED_FOR_AT_MOST = timedelta(hours=12)
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
CHECKED_IN, ALREADY = "checked_in", "already"


@dataclass(frozen=True)
class Scan:
    registration: Registration
    outcome: str  # CHECKED_IN or ALREADY
    arrived_dt: datetime | None
    lines: BadgeLines


def scan(
    event: Event,
    code: str,
    *,
    by: Account,
    client_id: str | None = None,
    scanned_dt: datetime | None = None,
    now: datetime | None = None,
) -> Scan:
    """Check in the holder of `code` at `event`; refused (AttendanceError) as said above."""
    found = read_check_in_code(code)
    if found is None:
        raise AttendanceError(_l("This is not a check-in code of this site: refused."))
    if found.event_id != event.id:
        raise Conflict(_l("This code is for another event."))
    if client_id is not None and not CLIENT_ID.fullmatch(client_id):
        raise AttendanceError(_l("The scan's id is not valid."))
    now = now or utcnow()
    with write_transaction() as session:
        registration = session.get(Registration, found.registration_id)
        if (
            registration is None
            or registration.event_id != event.id
            or registration.anonymised_dt is not None
        ):
            raise Conflict(_l("This registration no longer exists."))
        # Under the registration's lock: the same scan sent twice at once is recorded once.
        registration = lock_row(session, Registration, registration.id)
        earlier = _earlier_scan(session, event, client_id)
        if earlier is not None and earlier.registration_id != registration.id:
            raise Conflict(_l("This scan's id was already used for someone else."))
        if earlier is None:
            checked_in = check_in(registration, by=by, now=_arrival(scanned_dt, now))
            outcome = CHECKED_IN if checked_in else ALREADY
            if client_id is not None:
                session.add(
                    DoorScan(
                        event_id=event.id,
                        client_id=client_id,
                        registration_id=registration.id,
                        scanned_dt=scanned_dt or now,
                        recorded_dt=now,
                        outcome=outcome,
                    )
                )
        else:
            outcome = earlier.outcome
        row = _attendance_of(session, registration)
        arrived = row.first_join_dt if row is not None else None
        lines = badge_lines(registration)
    return Scan(registration, outcome, arrived, lines)


def _earlier_scan(session, event: Event, client_id: str | None) -> DoorScan | None:
    if client_id is None:
        return None
    return session.scalars(
        sa.select(DoorScan).where(DoorScan.event_id == event.id, DoorScan.client_id == client_id)
    ).one_or_none()


def _arrival(scanned_dt: datetime | None, now: datetime) -> datetime:
    if scanned_dt is None or not now - QUEUED_FOR_AT_MOST <= scanned_dt <= now + timedelta(minutes=1):
        return now
    return min(scanned_dt, now)
