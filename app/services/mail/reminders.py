"""Reminders before an event: which are due, and sending each one once.

A reminder is due at `start - minutes`. It goes to the registrants confirmed
by then, and is skipped once its moment is more than a quarter of its offset
behind (nobody wants "starts in 1 hour" after the event began), so a worker
that was down catches up on what is still useful and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import insert_for, utcnow, write_transaction
from ...extensions import db
from ...models import Event, Registration, RegistrationStatus, SentReminder
from . import notifications

MINUTES_PER_DAY = 24 * 60
# The 1-day and 1-hour reminders carry the join link; a week ahead it is not needed yet.
JOIN_LINK_FROM_MINUTES = MINUTES_PER_DAY
LONGEST_OFFSET = 60 * MINUTES_PER_DAY
MAX_REMINDERS = 6
NOTE_MAX = 1000


class ScheduleError(ValueError):
    """A reminder schedule the rules refuse; the message says why."""


@dataclass(frozen=True)
class Reminder:
    minutes: int
    note: str = ""

    @property
    def offset(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def window(self) -> timedelta:
        """How late the reminder may still go out."""
        return self.offset / 4

    @property
    def carries_join_link(self) -> bool:
        return self.minutes <= JOIN_LINK_FROM_MINUTES

    def as_dict(self) -> dict:
        return {"minutes": self.minutes, "note": self.note}


DEFAULT_SCHEDULE = (Reminder(7 * MINUTES_PER_DAY), Reminder(MINUTES_PER_DAY), Reminder(60))


def schedule_for(event: Event) -> list[Reminder]:
    """The event's own schedule, else its series', else the default (7 days, 1 day, 1 hour)."""
    stored = event.reminder_schedule
    if stored is None and event.series is not None:
        stored = event.series.reminder_schedule
    if stored is None:
        return list(DEFAULT_SCHEDULE)
    return sorted(
        (Reminder(int(item["minutes"]), item.get("note", "")) for item in stored), key=lambda r: -r.minutes
    )


def parse_offset(text: str) -> int:
    """'7d', '36h', '90m' (or a bare number of minutes) as minutes."""
    text = text.strip().lower()
    units = {"d": MINUTES_PER_DAY, "h": 60, "m": 1}
    unit = units.get(text[-1:]) if text else None
    number = text[:-1] if unit else text
    if not number.isdigit():
        raise ScheduleError(_l("“%(text)s” is not an offset such as 7d, 24h or 60m", text=text))
    return int(number) * (unit or 1)


def validate_schedule(reminders: list[Reminder]) -> list[Reminder]:
    minutes = [r.minutes for r in reminders]
    if len(reminders) > MAX_REMINDERS:
        raise ScheduleError(_l("at most %(max)d reminders", max=MAX_REMINDERS))
    if len(set(minutes)) != len(minutes):
        raise ScheduleError(_l("two reminders at the same offset"))
    for reminder in reminders:
        if not 5 <= reminder.minutes <= LONGEST_OFFSET:
            raise ScheduleError(_l("a reminder goes between 5 minutes and 60 days before the start"))
        if len(reminder.note) > NOTE_MAX:
            raise ScheduleError(_l("a reminder's note has at most %(max)d characters", max=NOTE_MAX))
    return sorted(reminders, key=lambda r: -r.minutes)


def set_schedule(target: Event, reminders: list[Reminder] | None) -> None:
    """Set an event's (or a series') schedule; None falls back to the default."""
    with write_transaction():
        target = db.session.merge(target)
        if reminders is None:
            target.reminder_schedule = None
        else:
            target.reminder_schedule = [r.as_dict() for r in validate_schedule(reminders)]


def rearm(session: OrmSession, event: Event, now: datetime) -> None:
    """After a move, the reminders whose new moment is still ahead will go out again."""
    for reminder in schedule_for(event):
        if event.start_dt - reminder.offset > now:
            session.execute(
                sa.delete(SentReminder).where(
                    SentReminder.event_id == event.id, SentReminder.minutes_before == reminder.minutes
                )
            )


def _due(event: Event, now: datetime) -> list[tuple[Reminder, datetime]]:
    due = []
    for reminder in schedule_for(event):
        moment = event.start_dt - reminder.offset
        if moment <= now < min(moment + reminder.window, event.start_dt):
            due.append((reminder, moment))
    return due


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due now, each (registration, reminder) once. Returns how many."""
    now = now or utcnow()
    events = db.session.scalars(
        sa.select(Event).where(
            Event.is_published.is_(True),
            Event.is_cancelled.is_(False),
            Event.start_dt > now,
            Event.start_dt <= now + timedelta(minutes=LONGEST_OFFSET),
        )
    ).all()
    sent = 0
    for event_id, due in [(event.id, _due(event, now)) for event in events]:
        for reminder, moment in due:
            sent += _send_reminder(event_id, reminder, moment, now)
    return sent


def _send_reminder(event_id: int, reminder: Reminder, moment: datetime, now: datetime) -> int:
    with write_transaction() as session:
        event = session.get(Event, event_id)
        if event is None or event.is_cancelled or not event.is_published:
            return 0
        registrations = session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.status_changed_dt <= moment,  # confirmed before the moment
            )
            .order_by(Registration.id)
        ).all()
        sent = 0
        insert = insert_for(session)
        for registration in registrations:
            # RETURNING, not rowcount: drivers disagree on the rowcount of ON CONFLICT DO NOTHING.
            claimed = session.scalar(
                insert(SentReminder)
                .values(
                    registration_id=registration.id,
                    event_id=event_id,
                    minutes_before=reminder.minutes,
                    due_dt=moment,
                    created_dt=now,
                )
                .on_conflict_do_nothing(index_elements=["registration_id", "minutes_before"])
                .returning(SentReminder.id)
            )
            if claimed is not None:
                notifications.queue_reminder(registration, reminder)
                sent += 1
    return sent
