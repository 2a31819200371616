"""Changes to an event that its registrants must hear about: a new time, place or join link,
a cancellation.

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
from ...models import Event, EventFormat, MailoutKind, Registration, RegistrationStatus
from .. import audit
from . import mailings, mailouts, notifications
from .reminders import rearm


class EventChangeError(ValueError):
    """A change the rules refuse; the message says why."""


def _registrants(event_id: int, confirmed_only: bool = False) -> sa.Select:
    """Everyone still expecting the event: confirmed, waitlisted or awaiting approval
    (only the confirmed for news that only they receive: the join link)."""
    statuses = [RegistrationStatus.CONFIRMED] if confirmed_only else RegistrationStatus.live()
    return (
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(statuses))
        .order_by(Registration.id)
    )


def _tell_registrants(
    session: OrmSession, event: Event, kind: MailoutKind, confirmed_only: bool = False, **params
) -> int:
    """Record the notice of `kind` to the event's registrants; returns how many they are."""
    count = session.scalar(
        sa.select(sa.func.count()).select_from(
            _registrants(event.id, confirmed_only).order_by(None).subquery()
        )
    )
    if count:
        mailouts.start(
            session, kind, event, count, sequence=event.sequence, confirmed_only=confirmed_only, **params
        )
    return count or 0  # COUNT(*) gives a row, which mypy cannot know


# Registrants are told when the time, the format, the place or the join details change; the
# rest of an event (its title, description, agenda, speakers) is no news worth an email.
# The join details are sent only to the confirmed: nobody else hears that they changed.
CONFIRMED_ONLY_FIELDS = set(notifications.JOIN_DETAIL_FIELDS)


def _changes(event: Event, new: dict) -> dict:
    """{field: {"old": ..., "new": ...}} of what the registrants are told changed, as JSON
    for the notice: the time as the UTC instants of its start and end."""
    changes = {}
    old_when = [event.start_dt.isoformat(), event.end_dt.isoformat()]
    new_when = [new["start_dt"].isoformat(), new["end_dt"].isoformat()]
    if (event.start_dt, event.end_dt) != (new["start_dt"], new["end_dt"]):
        changes["when"] = {"old": old_when, "new": new_when}
    for field in ("format", "place", *notifications.JOIN_DETAIL_FIELDS):
        old_value, new_value = getattr(event, field), new[field]
        if old_value != new_value:
            changes[field] = {"old": old_value, "new": new_value}  # an EventFormat is a str
    return changes


def reschedule(
    event: Event,
    start_dt: datetime,
    end_dt: datetime,
    *,
    place: str | None = None,
    join_url: str | None = None,
    join_passcode: str | None = None,
    dial_in: str | None = None,
    format: EventFormat | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> bool:
    """Move an event or change where or how it happens. Unless `notify` is False (the
    organiser corrects a slip nobody relied on), registrants are told what changed, from
    what to what, with an updated calendar entry for the confirmed (same UID, higher
    SEQUENCE); a new join link is news only to the confirmed. The calendar entry's
    SEQUENCE goes up either way, so that calendars that fetch the feed update.

    Returns whether anything changed.

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
            "format": event.format if format is None else format,
            "place": event.place if place is None else place,
            "join_url": event.join_url if join_url is None else join_url,
            "join_passcode": event.join_passcode if join_passcode is None else join_passcode,
            "dial_in": event.dial_in if dial_in is None else dial_in,
        }
        changes = _changes(event, new)
        if not changes:
            return False
        for field, value in new.items():
            setattr(event, field, value)
        event.sequence += 1
        rearm(session, event, now or utcnow())
        told = 0
        if notify:
            confirmed_only = set(changes) <= CONFIRMED_ONLY_FIELDS
            told = _tell_registrants(
                session, event, MailoutKind.EVENT_CHANGED, confirmed_only, changes=changes
            )
        audit.record(
            "event.reschedule",
            event,
            f"{event.title}: {', '.join(sorted(changes))} changed, {told} registrants told",
            changed=sorted(changes),
            start_dt=event.start_dt.isoformat(),
            end_dt=event.end_dt.isoformat(),
            sequence=event.sequence,
            notify=notify,
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
        mailings.cancel_scheduled_of(session, event)
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
        _registrants(mailout.event_id, mailout.params.get("confirmed_only", False))
        .where(Registration.id > after)
        .with_only_columns(Registration.id)
        .limit(limit)
    )
    return [(registration_id,) for registration_id in ids]


def _write_notices(send, session: OrmSession, mailout, rows: list) -> int:
    """Each registrant still expecting the event told, the confirmed with a calendar entry.
    The emails are written now and composed by the worker that sends them (two INSERTs each)."""
    recipients = _registrants(mailout.event_id, mailout.params.get("confirmed_only", False))
    registrations = session.scalars(recipients.where(Registration.id.in_([row[0] for row in rows])))
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
    lambda registration, confirmed, params: notifications.queue_event_changed(
        registration, with_calendar=confirmed, changes=params.get("changes")
    ),
)
CANCELLED_WRITER = _notice_writer(
    "event_cancelled",
    lambda registration, confirmed, params: notifications.queue_event_cancelled(
        registration, with_calendar=confirmed, note=params.get("note", "")
    ),
)
