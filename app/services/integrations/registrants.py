"""Every confirmed registrant of an event linked to a Zoom webinar or meeting is a registrant
there too, with their own join link; whoever stops being confirmed (cancelled, rejected,
erased) is cancelled there.

Kept in step by reconciling, not by replaying changes: `sync_event` compares the event's
registrations with what Zoom was told (PlatformRegistrant rows) and makes the calls missing.
So a lost task, a change made by a bulk UPDATE, or a failed call costs a delay, never a wrong
state: the periodic sweep (tasks.py) reconciles every linked upcoming event, and a commit that
changes a registration asks for its event at once (the listeners at the bottom, so that the
registration domain, below this one, need not know of it).

A failed call never blocks anything: the person keeps the shared link (join_links.py), the
row is tried again with backoff, and the event's console page shows the problem.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import (
    Delegate,
    Event,
    MeetingLink,
    MeetingState,
    Platform,
    PlatformRegistrant,
    Registration,
    RegistrationStatus,
)
from ..claims import Backoff
from .credentials import NotConfigured
from .http import NotFound, PlatformError, RateLimited
from .meetings import record_problem
from .zoom import ZoomClient

log = logging.getLogger(__name__)

# Calls made by one run of the task; a run that leaves more asks for another.
BATCH = 200
# A worker's claim on a row: past it, a row a crashed worker held is taken again.
CLAIM = timedelta(minutes=5)
BACKOFF = Backoff.doubling(timedelta(minutes=1), timedelta(hours=6))


@dataclass
class Work:
    row_id: int
    registration_id: int
    add: bool  # True: register them; False: cancel them
    email: str
    name: str
    registrant_id: str


@dataclass
class Progress:
    added: int = 0
    cancelled: int = 0
    failed: int = 0
    more: bool = False


def syncable(session: OrmSession, event_id: int, now: datetime) -> MeetingLink | None:
    """The event's Zoom meeting, if its registrants are to be kept in step: linked, and the
    event neither cancelled nor over."""
    return session.scalars(
        sa.select(MeetingLink)
        .join(Event, Event.id == MeetingLink.event_id)
        .where(MeetingLink.event_id == event_id, _kept_in_step(now))
    ).first()


def _kept_in_step(now: datetime) -> sa.ColumnElement[bool]:
    """A meeting (its event joined) whose registrants are kept in step: on Zoom, which still
    has it, and the event neither cancelled nor over."""
    return sa.and_(
        MeetingLink.platform == Platform.ZOOM,
        MeetingLink.state != MeetingState.GONE,
        Event.is_cancelled.is_(False),
        Event.end_dt > now,
    )


def sync_event(event_id: int, *, client: ZoomClient | None = None, now: datetime | None = None) -> Progress:
    """Make the calls that bring Zoom's registrants of the event in step, BATCH at most."""
    now = now or utcnow()
    progress = Progress()
    with write_transaction() as session:
        meeting = syncable(session, event_id, now)
        if meeting is None:
            return progress
        meeting_id, kind, number = meeting.id, meeting.meeting_kind, meeting.meeting_id
        work = _claim(session, meeting, now)
    if not work:
        return progress
    try:
        client = client or ZoomClient.from_app()
    except NotConfigured:
        _release(work, now, "Zoom's credentials are not set.")
        progress.failed = len(work)
        return progress
    for index, item in enumerate(work):
        try:
            if item.add:
                first, _, last = item.name.partition(" ")
                answer = client.add_registrant(kind, number, item.email, first, last)
                _done(item, True, str(answer.get("registrant_id") or ""), str(answer.get("join_url") or ""))
                progress.added += 1
            else:
                with contextlib.suppress(NotFound):  # deleted on Zoom already: what we wanted
                    client.cancel_registrant(kind, number, item.registrant_id)
                _done(item, False, item.registrant_id, "")
                progress.cancelled += 1
        except NotFound as error:  # the meeting itself is gone (an add on a deleted webinar)
            record_problem(meeting_id, error)
            _release(work[index:], now, str(error))
            progress.failed += len(work) - index
            return progress
        except RateLimited as error:
            _release(work[index:], now, str(error))
            progress.failed += len(work) - index
            return progress
        except PlatformError as error:
            _failed(item, now, str(error))
            progress.failed += 1
    progress.more = len(work) == BATCH
    return progress


def _claim(session: OrmSession, meeting: MeetingLink, now: datetime) -> list[Work]:
    """Rows for the confirmed who have none yet, then the rows out of step and due, claimed."""
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    session.execute(
        sa.insert(PlatformRegistrant).from_select(
            ["registration_id", "meeting_link_id", "on_platform", "updated_dt"],
            sa.select(
                Registration.id,
                sa.literal(meeting.id),
                sa.false(),
                sa.literal(now, PlatformRegistrant.updated_dt.type),
            )
            .where(Registration.event_id == meeting.event_id, confirmed)
            .where(~sa.exists().where(PlatformRegistrant.registration_id == Registration.id)),
        )
    )
    rows = session.execute(
        sa.select(PlatformRegistrant, Registration.status, Delegate.email, Registration.name)
        .join(Registration, Registration.id == PlatformRegistrant.registration_id)
        .join(Delegate, Delegate.id == Registration.delegate_id)
        .where(
            PlatformRegistrant.meeting_link_id == meeting.id,
            PlatformRegistrant.on_platform != confirmed,
            sa.or_(PlatformRegistrant.next_attempt_dt.is_(None), PlatformRegistrant.next_attempt_dt <= now),
        )
        .order_by(PlatformRegistrant.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=PlatformRegistrant)
    ).all()
    work = []
    for row, status, email, name in rows:
        row.next_attempt_dt = now + CLAIM
        work.append(
            Work(
                row.id,
                row.registration_id,
                status == RegistrationStatus.CONFIRMED,
                email,
                name,
                row.registrant_id,
            )
        )
    return work


def _done(item: Work, on_platform: bool, registrant_id: str, join_url: str) -> None:
    with write_transaction() as session:
        row = session.get(PlatformRegistrant, item.row_id)
        if row is None:  # the registration was deleted meanwhile
            return
        row.on_platform, row.registrant_id, row.join_url = on_platform, registrant_id[:100], join_url[:1000]
        row.attempts, row.next_attempt_dt, row.last_error, row.updated_dt = 0, None, "", utcnow()


def _failed(item: Work, now: datetime, error: str) -> None:
    with write_transaction() as session:
        row = session.get(PlatformRegistrant, item.row_id)
        if row is None:
            return
        row.attempts += 1
        row.next_attempt_dt = now + (BACKOFF.delay(row.attempts) or BACKOFF.cap or CLAIM)
        row.last_error, row.updated_dt = error[:1000], utcnow()


def _release(work: list[Work], now: datetime, error: str) -> None:
    """Claims given back, each counted as a failed attempt (tried again after the backoff)."""
    for item in work:
        _failed(item, now, error)


@dataclass
class Standing:
    """What the event's page says of the registrants on the platform (no link in it)."""

    on_platform: int
    failing: int
    last_error: str


def standing(meeting: MeetingLink) -> Standing:
    rows = db.session.execute(
        sa.select(
            sa.func.count().filter(PlatformRegistrant.on_platform.is_(True)),
            sa.func.count().filter(PlatformRegistrant.last_error != ""),
            sa.func.max(PlatformRegistrant.last_error),
        ).where(PlatformRegistrant.meeting_link_id == meeting.id)
    ).one()
    return Standing(rows[0] or 0, rows[1] or 0, rows[2] or "")


def events_to_sync(now: datetime | None = None, *, among: set[int] | None = None) -> list[int]:
    """Every event (or those of `among`) whose registrants are kept in step on a platform now."""
    statement = (
        sa.select(MeetingLink.event_id)
        .join(Event, Event.id == MeetingLink.event_id)
        .where(_kept_in_step(now or utcnow()))
    )
    if among is not None:  # the usual case, one registration: one lookup by the unique index
        statement = statement.where(MeetingLink.event_id.in_(among))
    return list(db.session.scalars(statement))
