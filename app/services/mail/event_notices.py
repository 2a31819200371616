"""Changes to an event that its registrants must hear about: a new time or place, a cancellation.

The change and the notice to its registrants commit together, the notice as a mailout
(services/mail/mailouts.py): the job queue writes its emails, a batch at a time, after the
commit (writing 2,000 of them took seconds of the request). The emails are composed when
they are sent, from the event as it is then.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import lock_row, utcnow, write_transaction
from ...extensions import db
from ...models import Event, MailoutKind, Registration, RegistrationStatus
from .. import audit
from . import mailouts, notifications
from .reminders import rearm


class EventChangeError(ValueError):
    """A change the rules refuse; the message says why."""


def _registrants(event_id: int) -> sa.Select:
    """Everyone still expecting the event: confirmed, waitlisted or awaiting approval."""
    return (
        sa.select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status.in_(RegistrationStatus.live()),
        )
        .order_by(Registration.id)
    )


def _tell_registrants(session: OrmSession, event: Event, kind: MailoutKind, **params) -> int:
    """Record the notice of `kind` to the event's registrants; returns how many they are."""
    count = (
        session.scalar(
            sa.select(sa.func.count()).select_from(_registrants(event.id).order_by(None).subquery())
        )
        or 0
    )
    if count:
        mailouts.start(session, kind, event, count, sequence=event.sequence, **params)
    return count


def reschedule(
    event: Event,
    start_dt: datetime,
    end_dt: datetime,
    *,
    place: str | None = None,
    join_url: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Move an event or change where it happens. Registrants are told, with an updated
    calendar entry for the confirmed (same UID, higher SEQUENCE). Returns whether anything changed.

    Its own unit of work, or part of the caller's: an edit of the event's other fields and
    its move commit together."""
    if start_dt.tzinfo is None or end_dt.tzinfo is None:
        raise EventChangeError(_l("The start and the end need a time zone."))
    if end_dt <= start_dt:
        raise EventChangeError(_l("The event must end after it starts."))
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if event.is_cancelled:
            raise EventChangeError(_l("A cancelled event cannot be moved."))
        new = {
            "start_dt": start_dt,
            "end_dt": end_dt,
            "place": event.place if place is None else place,
            "join_url": event.join_url if join_url is None else join_url,
        }
        changed = {field: value for field, value in new.items() if getattr(event, field) != value}
        if not changed:
            return False
        for field, value in changed.items():
            setattr(event, field, value)
        event.sequence += 1
        rearm(session, event, now or utcnow())
        told = _tell_registrants(session, event, MailoutKind.EVENT_CHANGED)
        audit.record(
            "event.reschedule",
            event,
            f"{event.title}: {', '.join(sorted(changed))} changed, {told} registrants told",
            changed=sorted(changed),
            start_dt=event.start_dt.isoformat(),
            end_dt=event.end_dt.isoformat(),
            sequence=event.sequence,
            told=told,
        )
    return True


def cancel_event(event: Event, note: str = "") -> bool:
    """Cancel the event; everyone registered is told, the confirmed with a calendar CANCEL.
    Returns whether the event was still on.

    Its own unit of work, or part of the caller's: a whole series is cancelled at once."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if event.is_cancelled:
            return False
        event.is_cancelled = True
        event.sequence += 1
        told = _tell_registrants(session, event, MailoutKind.EVENT_CANCELLED, note=note.strip())
        audit.record(
            "event.cancel",
            event,
            f"{event.title}: cancelled, {told} registrants told",
            note=note.strip(),
            told=told,
        )
    return True


# --- the notices: the job queue's part (services/mail/mailouts.py) ----------------------------------


def _next_registrants(mailout, after: int, limit: int) -> list:
    ids = db.session.scalars(
        _registrants(mailout.event_id)
        .where(Registration.id > after)
        .with_only_columns(Registration.id)
        .limit(limit)
    )
    return [(registration_id,) for registration_id in ids]


def _write_notices(send, session: OrmSession, mailout, rows: list) -> int:
    """Each registrant still expecting the event told, the confirmed with a calendar entry.
    The emails are written now and composed by the worker that sends them (two INSERTs each)."""
    registrations = session.scalars(
        _registrants(mailout.event_id).where(Registration.id.in_([row[0] for row in rows]))
    )
    count = 0
    for registration in registrations:
        send(registration, registration.status == RegistrationStatus.CONFIRMED, mailout.params)
        count += 1
    return count


def _notice_writer(kind: str, send) -> mailouts.Writer[Any]:
    return mailouts.Writer(
        recipients=_next_registrants,
        compose=lambda _mailout, rows: rows,
        write=partial(_write_notices, send),
        message_kind=lambda _mailout: kind,
    )


CHANGED_WRITER = _notice_writer(
    "event_changed",
    lambda registration, confirmed, _params: notifications.queue_event_changed(
        registration, with_calendar=confirmed
    ),
)
CANCELLED_WRITER = _notice_writer(
    "event_cancelled",
    lambda registration, confirmed, params: notifications.queue_event_cancelled(
        registration, with_calendar=confirmed, note=params.get("note", "")
    ),
)
