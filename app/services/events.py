"""Changes to an event that its registrants must hear about: a new time or place, a cancellation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from ..database import lock_row, utcnow, write_transaction
from ..models import Event, Registration, RegistrationStatus
from . import notifications
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
    calendar entry for the confirmed (same UID, higher SEQUENCE). Returns whether anything changed."""
    if start_dt.tzinfo is None or end_dt.tzinfo is None:
        raise EventChangeError("start and end must be instants with a time zone")
    if end_dt <= start_dt:
        raise EventChangeError("the event must end after it starts")
    now = now or utcnow()
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if event.is_cancelled:
            raise EventChangeError("a cancelled event cannot be moved")
        new = {
            "start_dt": start_dt,
            "end_dt": end_dt,
            "place": event.place if place is None else place,
            "join_url": event.join_url if join_url is None else join_url,
        }
        if all(getattr(event, field) == value for field, value in new.items()):
            return False
        for field, value in new.items():
            setattr(event, field, value)
        event.sequence += 1
        rearm(session, event, now)
        for registration in _registrants(session, event):
            confirmed = registration.status == RegistrationStatus.CONFIRMED
            notifications.send_event_changed(registration, with_calendar=confirmed)
    return True


def cancel_event(event: Event, note: str = "") -> Event:
    """Cancel the event; everyone registered is told, the confirmed with a calendar CANCEL."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if event.is_cancelled:
            return event
        event.is_cancelled = True
        event.sequence += 1
        for registration in _registrants(session, event):
            confirmed = registration.status == RegistrationStatus.CONFIRMED
            notifications.send_event_cancelled(registration, with_calendar=confirmed, note=note.strip())
    return event
