"""Registering, cancelling, and the waiting list.

Seats are taken with one guarded UPDATE (`confirmed_count < capacity`) inside
a unit of work that holds the write lock on SQLite and the event row's lock
on PostgreSQL, so capacity holds under any number of concurrent requests.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ..database import insert_for, lock_row, utcnow, write_transaction
from ..models import Delegate, Event, Message, Registration, RegistrationStatus, Series
from ..models.people import new_manage_key
from . import audit, notifications

# A repeated registration re-sends the manage link at most this often.
RESEND_LINK_AFTER = timedelta(minutes=10)


class RegistrationError(Exception):
    """A registration the rules refuse; the message is shown to the delegate."""


class EventNotOpen(RegistrationError):
    def __init__(self, event: Event):
        super().__init__(event.title)
        self.event = event
        self.window = event.registration_window()


class NotCancellable(RegistrationError):
    pass


@dataclass
class Applicant:
    """What the registration form collects, already validated and normalised."""

    email: str
    name: str
    organisation: str = ""
    organisation_kind: str = "other"
    country: str = ""
    job_title: str = ""
    language: str = "en"
    consent_participant_list: bool = False
    answers: dict = field(default_factory=dict)

    def details(self) -> dict:
        return {name: getattr(self, name) for name in Registration.DETAIL_FIELDS}


@dataclass
class Outcome:
    """What happened to one event of a registration form.

    `registration` is None when the address was already registered: the page
    then says only what it would say to anyone.
    """

    event: Event
    registration: Registration | None = None
    status: RegistrationStatus | None = None
    waitlist_position: int | None = None

    @property
    def is_neutral(self) -> bool:
        return self.registration is None


def register(event: Event, applicant: Applicant, *, now: datetime | None = None) -> Outcome:
    """Register a delegate for one event."""
    return register_for_events([event], applicant, now=now)[0]


def register_for_series(
    series: Series, events: list[Event], applicant: Applicant, *, now: datetime | None = None
) -> list[Outcome]:
    """One form, one transaction, one registration per chosen event of the series."""
    if not events:
        raise RegistrationError("no event chosen")
    if any(event.series_id != series.id for event in events):
        raise RegistrationError("an event chosen is not part of this series")
    return register_for_events(events, applicant, now=now)


def register_for_events(
    events: list[Event], applicant: Applicant, *, now: datetime | None = None
) -> list[Outcome]:
    event_ids = sorted({event.id for event in events})  # one lock order: no deadlocks
    batch_key = secrets.token_hex(8) if len(event_ids) > 1 else None
    with write_transaction() as session:
        delegate = _delegate_for(session, applicant, now or utcnow())
        outcomes = []
        for event_id in event_ids:
            event = lock_row(session, Event, event_id)
            # Read the clock only once the event is locked, so that the waiting
            # list's order (by status_changed_dt) is the order of arrival.
            outcomes.append(_register_one(session, event, delegate, applicant, batch_key, now or utcnow()))
        if any(not outcome.is_neutral for outcome in outcomes):
            delegate.set_details(applicant.details())
    return outcomes


def _delegate_for(session: OrmSession, applicant: Applicant, now: datetime) -> Delegate:
    """The delegate with this address, created if new (safe against a concurrent insert)."""
    session.execute(
        insert_for(session)(Delegate)
        .values(email=applicant.email, created_dt=now, **applicant.details())
        .on_conflict_do_nothing(index_elements=["email"])
    )
    return session.scalars(sa.select(Delegate).where(Delegate.email == applicant.email)).one()


def _register_one(
    session: OrmSession,
    event: Event,
    delegate: Delegate,
    applicant: Applicant,
    batch_key: str | None,
    now: datetime,
) -> Outcome:
    if not event.is_published or not event.registration_window(now).accepts_registrations:
        raise EventNotOpen(event)
    registration = session.scalars(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.delegate_id == delegate.id
        )
    ).one_or_none()
    if registration is not None and registration.status in RegistrationStatus.active():
        _answer_repeat(session, registration, now)
        return Outcome(event=event)
    status = _initial_status(session, event)
    if registration is None:
        registration = Registration(event=event, delegate=delegate)
        session.add(registration)
    else:
        registration.manage_key = new_manage_key()  # links of the old registration die
    registration.set_details(applicant.details())
    registration.consent_privacy_dt = now
    registration.consent_participant_list = applicant.consent_participant_list
    registration.answers = applicant.answers
    registration.batch_key = batch_key
    registration.created_dt = now
    _set_status(registration, status, now)
    session.flush()
    return _announce(session, registration)


def _initial_status(session: OrmSession, event: Event) -> RegistrationStatus:
    if event.requires_approval:
        return RegistrationStatus.PENDING
    if take_seat(session, event):
        return RegistrationStatus.CONFIRMED
    return RegistrationStatus.WAITLISTED


def _announce(session: OrmSession, registration: Registration) -> Outcome:
    outcome = Outcome(event=registration.event, registration=registration, status=registration.status)
    if registration.status == RegistrationStatus.CONFIRMED:
        notifications.send_confirmation(registration)
    elif registration.status == RegistrationStatus.WAITLISTED:
        outcome.waitlist_position = waitlist_position(session, registration)
        notifications.send_waitlisted(registration, outcome.waitlist_position)
    else:
        notifications.send_pending(registration)
    return outcome


def _answer_repeat(session: OrmSession, registration: Registration, now: datetime) -> None:
    """Re-send the manage link to the address, not to whoever filled in the form."""
    if registration.status == RegistrationStatus.REJECTED:
        return
    recent = session.scalar(
        sa.select(sa.func.count(Message.id)).where(
            Message.registration_id == registration.id,
            Message.kind == "registration_reminder_link",
            Message.created_dt > now - RESEND_LINK_AFTER,
        )
    )
    if not recent:
        notifications.send_already_registered(registration)


def _set_status(registration: Registration, status: RegistrationStatus, now: datetime) -> None:
    registration.status = status
    registration.status_changed_dt = now


def take_seat(session: OrmSession, event: Event) -> bool:
    """Take one seat if one is free: a single guarded UPDATE, so never more than capacity."""
    result = session.execute(
        sa.update(Event)
        .where(
            Event.id == event.id,
            sa.or_(Event.capacity.is_(None), Event.confirmed_count < Event.capacity),
        )
        .values(confirmed_count=Event.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["confirmed_count"])
    return result.rowcount == 1


def release_seat(session: OrmSession, event: Event) -> None:
    session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["confirmed_count"])


def waitlist_position(session: OrmSession, registration: Registration) -> int:
    """1 for the next person to be promoted."""
    ahead = session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            sa.or_(
                Registration.status_changed_dt < registration.status_changed_dt,
                sa.and_(
                    Registration.status_changed_dt == registration.status_changed_dt,
                    Registration.id < registration.id,
                ),
            ),
        )
    )
    return ahead + 1


def promote_waitlist(session: OrmSession, event: Event, now: datetime | None = None) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served, and tell each person."""
    now = now or utcnow()
    promoted: list[Registration] = []
    if event.is_cancelled or event.has_started(now):
        return promoted
    while True:
        # SKIP LOCKED: two cancellations at once promote two different people.
        candidate = session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.status_changed_dt, Registration.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None or not take_seat(session, event):
            return promoted
        _set_status(candidate, RegistrationStatus.CONFIRMED, now)
        session.flush()
        notifications.send_confirmation(candidate, promoted=True)
        promoted.append(candidate)


def cancel(registration: Registration, *, now: datetime | None = None) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the waiting list. Returns who was promoted."""
    now = now or utcnow()
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        event = registration.event
        if registration.status == RegistrationStatus.CANCELLED:
            return []
        if not registration.is_active:
            raise NotCancellable("this registration can no longer be cancelled")
        if event.has_started(now):
            raise NotCancellable("the event has already started")
        held_seat = registration.status == RegistrationStatus.CONFIRMED
        _set_status(registration, RegistrationStatus.CANCELLED, now)
        session.flush()
        notifications.send_cancelled(registration)
        promoted = []
        if held_seat:
            release_seat(session, event)
            promoted = promote_waitlist(session, event, now)
    return promoted


def update_details(registration: Registration, applicant: Applicant) -> Registration:
    """Change what a registrant declared, and confirm it by email if anything changed.

    The address stays: it identifies the delegate.
    """
    with write_transaction() as session:
        registration = session.get(Registration, registration.id, populate_existing=True)
        before = (registration.details(), registration.consent_participant_list)
        registration.set_details(applicant.details())
        registration.consent_participant_list = applicant.consent_participant_list
        registration.delegate.set_details(applicant.details())
        if (registration.details(), registration.consent_participant_list) != before:
            notifications.send_details_changed(registration)
    return registration


def approve(registration: Registration, *, now: datetime | None = None) -> Registration:
    """An organiser accepts a pending registration: a seat if one is free, else the waiting list."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        if registration.status != RegistrationStatus.PENDING:
            raise RegistrationError("only a registration awaiting approval can be approved")
        event = lock_row(session, Event, registration.event_id)
        moment = now or utcnow()
        if take_seat(session, event):
            _set_status(registration, RegistrationStatus.CONFIRMED, moment)
            notifications.send_confirmation(registration, approved=True)
        else:
            _set_status(registration, RegistrationStatus.WAITLISTED, moment)
            session.flush()
            notifications.send_waitlisted(registration, waitlist_position(session, registration))
    return registration


def reject(registration: Registration, reason: str = "", *, now: datetime | None = None) -> Registration:
    """An organiser turns down a pending or waitlisted registration, optionally saying why."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
            raise RegistrationError("only a pending or waitlisted registration can be rejected")
        _set_status(registration, RegistrationStatus.REJECTED, now or utcnow())
        notifications.send_rejected(registration, reason.strip())
    return registration


def set_capacity(event: Event, capacity: int | None, *, now: datetime | None = None) -> list[Registration]:
    """Change how many seats an event has. More seats go to the waiting list, in order,
    each person emailed; fewer than are already taken is refused. Returns who was promoted."""
    if capacity is not None and capacity < 0:
        raise RegistrationError(_l("The capacity cannot be negative."))
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if capacity is not None and capacity < event.confirmed_count:
            raise RegistrationError(
                _l(
                    "%(taken)d seats are already taken: cancel registrations before lowering the capacity "
                    "to %(capacity)d.",
                    taken=event.confirmed_count,
                    capacity=capacity,
                )
            )
        if capacity == event.capacity:
            return []
        # Outside the ORM's versioned UPDATE: the seat counter's guard reads this column.
        session.execute(
            sa.update(Event)
            .where(Event.id == event.id)
            .values(capacity=capacity)
            .execution_options(synchronize_session=False)
        )
        session.expire(event, ["capacity"])
        audit.record("event.capacity", event, f"{event.title}: capacity {capacity}", capacity=capacity)
        return promote_waitlist(session, event, now)
