"""Changes to an event that its registrants must hear about: a new time or place, a cancellation."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ..database import lock_row, utcnow, write_transaction
from ..models import Event, Registration, RegistrationStatus
from . import audit, notifications
from .reminders import rearm


class EventChangeError(ValueError):
    """A change the rules refuse; the message says why."""


def _registrants(session: OrmSession, event: Event) -> list[Registration]:
    """Everyone still expecting the event: confirmed, waitlisted or awaiting approval."""
    return list(
        session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(RegistrationStatus.live()),
            )
            .order_by(Registration.id)
        )
    )


def _tell(session: OrmSession, event: Event, queue_email) -> int:
    """Queue `queue_email(registration, with_calendar=...)` for each registrant, a calendar
    entry for the confirmed only; returns how many were told."""
    registrants = _registrants(session, event)
    for registration in registrants:
        queue_email(registration, with_calendar=registration.status == RegistrationStatus.CONFIRMED)
    return len(registrants)


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
        told = _tell(session, event, notifications.queue_event_changed)
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
        told = _tell(session, event, partial(notifications.queue_event_cancelled, note=note.strip()))
        audit.record(
            "event.cancel",
            event,
            f"{event.title}: cancelled, {told} registrants told",
            note=note.strip(),
            told=told,
        )
    return True
