"""Registering, cancelling, and the waiting list.

Seats are taken with one guarded UPDATE (`confirmed_count < capacity`) inside
a unit of work that holds the write lock on SQLite and the event row's lock
on PostgreSQL, so capacity holds under any number of concurrent requests.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import contains_eager

from ...database import insert_for, lock_row, persistent, rowcount, utcnow, write_transaction
from ...extensions import db
from ...models import (
    Account,
    Delegate,
    Event,
    Mailout,
    MailoutKind,
    Message,
    PrivacyNotice,
    Registration,
    RegistrationStatus,
    Series,
)
from ...models.people import new_manage_key
from .. import audit
from ..fields import SENSITIVE_COLUMNS
from ..mail import mailouts, notifications
from ..webhooks import webhooks
from . import questions

# Emails a visitor can have sent again and again to any address (a repeated registration, a
# request for the links): each goes at most once per registration (per person for the links)
# every RESEND_LINK_AFTER, and no person gets more than LINK_EMAILS_PER_HOUR of them an hour,
# whoever asks and from wherever. What asks gets the same answer either way.
RESEND_LINK_AFTER = timedelta(minutes=10)
REMINDER_LINK, MANAGE_LINKS = "registration_reminder_link", notifications.MANAGE_LINKS
MY_REGISTRATIONS = notifications.MY_REGISTRATIONS
LINK_EMAILS = (REMINDER_LINK, MANAGE_LINKS, MY_REGISTRATIONS)
# The most registrations one email of links lists (the latest events first).
MAX_LINKS = 50

# The statements of every registration, built once (building one cost more than running
# it) and on the tables: the ORM's handling of each cost more than the database's work.
# Kept by measure (issue 18 §1 keeps a shortcut only where removing it costs more than 10%
# of the journey): on 2026-12-07 the same registration through the ORM (the Registration
# added and flushed, the Delegate returned by the upsert, the existence check a select of
# the Registration) took the whole journey from 21.1-23.2 to 24.3-27.7 ms of CPU in process
# on SQLite (+15-19%, against a form page rendered per visitor; more against the kept one;
# on PostgreSQL +2% and +45%, too noisy to say). See docs/benchmarks.md.
# (A mapped class's table is a Table: SQLAlchemy types it as any FromClause.)
EVENTS, REGISTRATIONS = cast(sa.Table, Event.__table__), cast(sa.Table, Registration.__table__)
EXISTING = sa.select(REGISTRATIONS.c.id).where(
    REGISTRATIONS.c.event_id == sa.bindparam("event_id"),
    REGISTRATIONS.c.delegate_id == sa.bindparam("delegate_id"),
)
TAKE_SEAT = (
    sa.update(EVENTS)
    .where(
        EVENTS.c.id == sa.bindparam("event_id"),
        sa.or_(EVENTS.c.capacity.is_(None), EVENTS.c.confirmed_count < EVENTS.c.capacity),
    )
    .values(confirmed_count=EVENTS.c.confirmed_count + 1)
)
# A seat beyond the capacity, which only `seat_over_capacity` takes, on an organiser's
# explicit decision: only when no seat is free, and counted in `protocol_seats`, which the
# capacity's CHECK allows beyond it.
TAKE_SEAT_OVER_CAPACITY = (
    sa.update(EVENTS)
    .where(
        EVENTS.c.id == sa.bindparam("event_id"),
        EVENTS.c.capacity.is_not(None),
        EVENTS.c.confirmed_count >= EVENTS.c.capacity,
    )
    .values(
        confirmed_count=EVENTS.c.confirmed_count + 1,
        protocol_seats=EVENTS.c.protocol_seats + 1,
    )
)
# The version in force: what the delegate has just agreed to (read by the INSERT itself).
PRIVACY_NOTICE_IN_FORCE = sa.select(sa.func.max(PrivacyNotice.version)).scalar_subquery()
NEW_REGISTRATION = (
    sa.insert(REGISTRATIONS)
    .values(privacy_notice_version=PRIVACY_NOTICE_IN_FORCE)
    .returning(REGISTRATIONS.c.id, REGISTRATIONS.c.privacy_notice_version)
)
# The event of a registration, locked: taken before the registration's own lock (see
# `_locked_with_event`).
EVENT_OF_REGISTRATION = (
    sa.select(Event)
    .where(
        Event.id
        == sa.select(REGISTRATIONS.c.event_id)
        .where(REGISTRATIONS.c.id == sa.bindparam("registration_id"))
        .scalar_subquery()
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)
WAITING = (
    sa.select(sa.func.count())
    .select_from(REGISTRATIONS)
    .where(
        REGISTRATIONS.c.event_id == sa.bindparam("event_id"),
        REGISTRATIONS.c.status == RegistrationStatus.WAITLISTED,
    )
)


class RegistrationError(Exception):
    """A registration the rules refuse; the message is shown to the delegate."""


class EventNotOpen(RegistrationError):
    def __init__(self, event: Event):
        super().__init__(event.title)
        self.event = event
        self.window = event.registration_window()


class UnknownEvent(RegistrationError):
    """No event (or no published one) has the id asked for."""


class NotCancellable(RegistrationError):
    pass


class AlreadyRegistered(RegistrationError):
    """An organiser adds an address that already has a registration for the event."""


class StaleEdit(RegistrationError):
    """The details were changed by someone else since the form was opened."""


class UnknownRegistrations(RegistrationError):
    """A bulk action named registrations that are not in the list it was sent from."""


@dataclass
class Applicant:
    """What the registration form collects, already validated and normalised."""

    email: str
    name: str
    organisation: str = ""
    organisation_kind: str = "other"
    latin_name: str = ""
    country: str = ""
    job_title: str = ""
    language: str = "en"
    consent_participant_list: bool = False
    answers: dict = field(default_factory=dict)
    # The series form: the answers to each chosen event's own questions, by event id (`answers`
    # then holds those to the series' questions, asked once for all).
    event_answers: dict[int, dict] = field(default_factory=dict)
    # The standard fields (enums.StandardField), None where the form did not ask them: an edit
    # from a form without a field keeps what was given before.
    salutation: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    gender: str | None = None
    representing_country: str | None = None
    representing_organisation: str | None = None
    head_of_delegation: bool | None = None
    interpretation_language: str | None = None
    accessibility_needs: str | None = None
    dietary_needs: str | None = None
    dietary_other: str | None = None
    visa_letter_needed: bool | None = None

    def answers_for(self, event_id: int) -> dict:
        """What was answered for a registration to `event_id`: the form's answers and, from the
        series form, those to the event's own questions."""
        return {**self.answers, **self.event_answers.get(event_id, {})}

    def details(self) -> dict:
        """The person's details, as a Delegate keeps them."""
        return self._given(Delegate.DETAIL_FIELDS)

    def declared(self) -> dict:
        """What the registration keeps: the person's details and what this event's form asked."""
        return self._given(Registration.DETAIL_FIELDS)

    def _given(self, fields: tuple[str, ...]) -> dict:
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


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
    # Whether an email went to the address: the per-address rate limits count only those.
    emailed: bool = False
    # Read while the unit of work is open: after its commit, reading `event.id`
    # would load the whole event again.
    event_id: int = field(init=False)
    registration_id: int | None = field(init=False)

    def __post_init__(self) -> None:
        self.event_id = self.event.id
        self.registration_id = self.registration.id if self.registration is not None else None

    @property
    def is_neutral(self) -> bool:
        return self.registration is None


def register(event: Event, applicant: Applicant, *, now: datetime | None = None) -> Outcome:
    """Register a delegate for one event."""
    return register_for_events([event], applicant, now=now)[0]


def register_for_published(event_id: int, applicant: Applicant, *, now: datetime | None = None) -> Outcome:
    """Register a delegate for the published event `event_id` (UnknownEvent if there is none).

    The event is first read with its row locked: the web form needs no look at it
    before, so a registration is one transaction, not a read and then a write."""
    return _register([event_id], applicant, now, published_only=True)[0]


def register_for_series(
    series: Series, events: list[Event], applicant: Applicant, *, now: datetime | None = None
) -> list[Outcome]:
    """One form, one transaction, one registration per chosen event of the series."""
    if not events:
        raise RegistrationError(_l("Choose at least one event."))
    if any(event.series_id != series.id for event in events):
        raise RegistrationError(_l("An event chosen is not part of this series."))
    # Each registration answers the series' questions and its event's own (`event_answers`).
    return _register([event.id for event in events], applicant, now)


def register_for_events(
    events: list[Event], applicant: Applicant, *, now: datetime | None = None
) -> list[Outcome]:
    return _register([event.id for event in events], applicant, now)


def _register(
    event_ids: list[int],
    applicant: Applicant,
    now: datetime | None,
    published_only: bool = False,
) -> list[Outcome]:
    """InvalidAnswers (nothing registered) if the answers do not fit an event's questions."""
    event_ids = sorted(set(event_ids))  # one lock order: no deadlocks
    batch_key = secrets.token_hex(8) if len(event_ids) > 1 else None
    with write_transaction() as session:
        delegate = _delegate_for(session, applicant, now or utcnow())
        outcomes = []
        for event_id in event_ids:
            event = _locked_event(session, event_id, published_only)
            answers = questions.checked_for(session, event, applicant.answers_for(event_id))
            # Read the clock only once the event is locked, so that the waiting
            # list's order (by status_changed_dt) is the order of arrival.
            outcomes.append(
                _register_one(
                    session, event, delegate, replace(applicant, answers=answers), batch_key, now or utcnow()
                )
            )
    return outcomes


def _locked_event(session: OrmSession, event_id: int, published_only: bool) -> Event:
    try:
        event = lock_row(session, Event, event_id)
    except NoResultFound:
        raise UnknownEvent(event_id) from None
    if published_only and not event.is_published:
        raise UnknownEvent(event_id)
    return event


def _delegate_for(session: OrmSession, applicant: Applicant, now: datetime) -> Delegate:
    """The delegate with this address, created with the applicant's details if new (safe
    against a concurrent insert); a known delegate is returned as stored.

    A public form does not prove who typed the address, so it never changes a known
    delegate's details: only their own manage link or an organiser does. What was typed
    is kept on the registration.

    One statement either way: on a known address the "update" rewrites the address
    with itself, only so that RETURNING gives the existing row."""
    values = {"email": applicant.email, "created_dt": now, **applicant.details()}
    row = session.execute(_delegate_upsert(insert_for(session)), values).one()
    return persistent(session, Delegate, row._asdict())


@cache
def _delegate_upsert(insert) -> sa.Insert:
    """Built once per database (building it cost more than running it)."""
    table = Delegate.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=["email"], set_={"email": statement.excluded.email}
    ).returning(*table.c)


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
    registration = _existing(session, event, delegate)
    if registration is not None and registration.status in RegistrationStatus.active():
        return Outcome(event=event, emailed=_answer_repeat(session, registration, now))
    return _enter(session, event, delegate, registration, applicant, batch_key, now)


def _existing(session: OrmSession, event: Event, delegate: Delegate) -> Registration | None:
    registration_id = session.scalar(EXISTING, {"event_id": event.id, "delegate_id": delegate.id})
    return session.get(Registration, registration_id) if registration_id else None


def _enter(
    session: OrmSession,
    event: Event,
    delegate: Delegate,
    registration: Registration | None,
    applicant: Applicant,
    batch_key: str | None,
    now: datetime,
) -> Outcome:
    """A new registration (or a cancelled one renewed), through capacity, waiting list and approval."""
    status = _initial_status(session, event)
    # Under the event's lock, everyone waiting is ahead of whoever joins now.
    position = (
        1 + (session.scalar(WAITING, {"event_id": event.id}) or 0)
        if status == RegistrationStatus.WAITLISTED
        else None
    )
    values = {
        **NOT_ASKED,
        **applicant.declared(),
        "consent_privacy_dt": now,
        "consent_participant_list": applicant.consent_participant_list,
        "answers": applicant.answers,
        "batch_key": batch_key,
        "created_dt": now,
        "status": status,
        "status_changed_dt": now,
        "manage_key": new_manage_key(),  # a renewed registration's old links die with its old key
    }
    if registration is None:
        registration = _insert_registration(
            session, {**values, "event_id": event.id, "delegate_id": delegate.id}
        )
    else:
        values["privacy_notice_version"] = PRIVACY_NOTICE_IN_FORCE
        for name, value in values.items():
            setattr(registration, name, value)
    with session.no_autoflush:
        outcome = _announce(session, registration, position)
        webhooks.emit("registration.created", registration)
    return outcome


# A new registration's standard fields its form did not ask (every column, for `persistent`).
NOT_ASKED: dict = {
    name: None if name in ("head_of_delegation", "visa_letter_needed") else ""
    for name in ("salutation", "given_name", "family_name", *Registration.DECLARED_FIELDS)
}


def _insert_registration(session: OrmSession, values: dict) -> Registration:
    """One INSERT, and the new registration made persistent from what it wrote (the unit
    of work's flush of the same object cost a third of a registration's time; kept by the
    measure above the statements)."""
    values = {"version": 1, "added_by_id": None, "anonymised_dt": None, **values}
    written = session.execute(NEW_REGISTRATION, values).one()
    return persistent(session, Registration, {**values, **written._asdict()})


def _initial_status(session: OrmSession, event: Event) -> RegistrationStatus:
    if event.requires_approval:
        return RegistrationStatus.PENDING
    if take_seat(session, event):
        return RegistrationStatus.CONFIRMED
    return RegistrationStatus.WAITLISTED


def _announce(session: OrmSession, registration: Registration, position: int | None = None) -> Outcome:
    outcome = Outcome(
        event=registration.event, registration=registration, status=registration.status, emailed=True
    )
    if registration.status == RegistrationStatus.CONFIRMED:
        notifications.queue_confirmation(registration)
    elif registration.status == RegistrationStatus.WAITLISTED:
        outcome.waitlist_position = position or waitlist_position(session, registration)
        notifications.queue_waitlisted(registration, outcome.waitlist_position)
    else:
        notifications.queue_pending(registration)
    return outcome


def _answer_repeat(session: OrmSession, registration: Registration, now: datetime) -> bool:
    """Re-send the manage link to the address, not to whoever filled in the form; whether it went."""
    if registration.status == RegistrationStatus.REJECTED:
        return False
    sent = _link_emails_in_the_last_hour(session, registration.delegate_id, now)
    again = any(
        kind == REMINDER_LINK and registration_id == registration.id and created > now - RESEND_LINK_AFTER
        for registration_id, kind, created in sent
    )
    if again or len(sent) >= current_app.config["LINK_EMAILS_PER_HOUR"]:
        return False
    notifications.queue_already_registered(registration)
    return True


def send_manage_links(email: str, *, now: datetime | None = None) -> bool:
    """Email the person with this (normalised) address the links to each of their registrations
    whose data is still kept, in one email. Nothing for an address we do not know, whose data is
    gone, or that has had its share of such emails: whoever asks learns nothing either way.
    Returns whether an email was written."""
    now = now or utcnow()
    with write_transaction() as session:
        kept = _kept_registrations(session, Delegate.email == email)
        if not kept or not _may_send_links(session, kept[0].delegate_id, now, MANAGE_LINKS):
            return False
        notifications.queue_manage_links(_newest(kept), kept)
    return True


def send_my_registrations_link(email: str, *, now: datetime | None = None) -> bool:
    """Email the person with this (normalised) address one link to the list of their
    registrations, on the same terms as `send_manage_links` (and counted with it): nothing for
    an unknown address, one whose data is gone, or one that has had its share of such emails.
    Returns whether an email was written."""
    now = now or utcnow()
    with write_transaction() as session:
        kept = _kept_registrations(session, Delegate.email == email)
        if not kept or not _may_send_links(session, kept[0].delegate_id, now, MY_REGISTRATIONS):
            return False
        notifications.queue_my_registrations(_newest(kept))
    return True


def registrations_of(delegate: Delegate) -> Sequence[Registration]:
    """The person's registrations whose data is kept, the latest event first (their list)."""
    return _kept_registrations(db.session(), Registration.delegate_id == delegate.id)


def change_language_of_all(delegate: Delegate, language: str) -> int:
    """The language of the emails of every registration the person has whose data is kept, and
    of the person (their next registration's form); how many registrations changed."""
    with write_transaction() as session:
        delegate = lock_row(session, Delegate, delegate.id)
        delegate.language = language
        changed = 0
        for registration in _kept_registrations(session, Registration.delegate_id == delegate.id):
            if registration.language != language:
                registration.language = language
                registration.version += 1
                changed += 1
    return changed


def _kept_registrations(session: OrmSession, whose) -> Sequence[Registration]:
    return session.scalars(
        sa.select(Registration)
        .join(Registration.delegate)
        .join(Registration.event)
        .where(whose, Registration.anonymised_dt.is_(None))
        .options(contains_eager(Registration.event))
        .order_by(Event.start_dt.desc(), Registration.id.desc())
        .limit(MAX_LINKS)
    ).all()


def _newest(registrations: Sequence[Registration]) -> Registration:
    """The newest registration speaks for the person: their name and language as last given."""
    return max(registrations, key=lambda registration: (registration.created_dt, registration.id))


def _may_send_links(session: OrmSession, delegate_id: int, now: datetime, kind: str) -> bool:
    sent = _link_emails_in_the_last_hour(session, delegate_id, now)
    again = any(sent_kind == kind and created > now - RESEND_LINK_AFTER for _id, sent_kind, created in sent)
    return not again and len(sent) < current_app.config["LINK_EMAILS_PER_HOUR"]


def _link_emails_in_the_last_hour(
    session: OrmSession, delegate_id: int, now: datetime
) -> Sequence[sa.Row[int | None, str, datetime]]:
    """(registration, kind, when) of each email with links written to the person this past hour."""
    return session.execute(
        sa.select(Message.registration_id, Message.kind, Message.created_dt)
        .join(Registration, Message.registration_id == Registration.id)
        .where(
            Registration.delegate_id == delegate_id,
            Message.kind.in_(LINK_EMAILS),
            Message.created_dt > now - timedelta(hours=1),
        )
    ).all()


def _locked_with_event(session: OrmSession, registration_id: int) -> tuple[Registration, Event]:
    """The registration and its event, both locked, the event first.

    One order everywhere (event, then its registrations, as registering and the waiting
    list take them), so that two units of work never hold one each while waiting for the
    other: an organiser promoting someone while a cancellation promotes the same person
    would otherwise deadlock."""
    event = session.scalars(EVENT_OF_REGISTRATION, {"registration_id": registration_id}).one()
    return lock_row(session, Registration, registration_id), event


def _set_status(registration: Registration, status: RegistrationStatus, now: datetime) -> None:
    registration.status = status
    registration.status_changed_dt = now


def take_seat(session: OrmSession, event: Event) -> bool:
    """Take one seat if one is free: a single guarded UPDATE, so never more than capacity."""
    result = session.execute(TAKE_SEAT, {"event_id": event.id})
    session.expire(event, ["confirmed_count"])
    return rowcount(result) == 1


def release_seat(session: OrmSession, event: Event) -> None:
    """Give a seat back; while the event is over capacity the seat was one beyond it, so
    nobody can take it (`take_seat` waits until the count is under the capacity)."""
    session.execute(
        sa.update(Event)
        .where(Event.id == event.id, Event.confirmed_count > 0)
        .values(
            confirmed_count=Event.confirmed_count - 1,
            protocol_seats=sa.case((Event.protocol_seats > 0, Event.protocol_seats - 1), else_=0),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["confirmed_count", "protocol_seats"])


def confirmed_registration(registration_id: int, event_id: int) -> Registration | None:
    """The registration, if it is for that event and its seat is confirmed (no longer once
    cancelled, or erased)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        return None
    return registration if registration.status == RegistrationStatus.CONFIRMED else None


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
    return (ahead or 0) + 1


def promote_waitlist(
    session: OrmSession, event: Event, now: datetime | None = None, limit: int | None = None
) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served, and tell each person;
    at most `limit` of them (the queue's batch: services/registration/audience.py)."""
    now = now or utcnow()
    promoted: list[Registration] = []
    if event.is_cancelled or event.has_started(now):
        return promoted
    while limit is None or len(promoted) < limit:
        # A plain lock, not SKIP LOCKED: every caller holds the event's lock, so no other
        # promotion runs meanwhile; a row held for a moment by someone else (an organiser's
        # edit) is waited for, so that the first in line is the one promoted.
        candidate = session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.status_changed_dt, Registration.id)
            .limit(1)
            .with_for_update()
        ).first()
        if candidate is None or not take_seat(session, event):
            return promoted
        _set_status(candidate, RegistrationStatus.CONFIRMED, now)
        session.flush()
        notifications.queue_confirmation(candidate, promoted=True)
        promoted.append(candidate)
    return promoted


def cancel(
    registration: Registration, *, now: datetime | None = None, by: Account | None = None
) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the waiting list. Returns who was promoted.

    `by`: the organiser who cancels on the delegate's behalf (recorded in the audit log).
    """
    now = now or utcnow()
    with write_transaction() as session:
        registration, event = _locked_with_event(session, registration.id)
        if registration.status == RegistrationStatus.CANCELLED:
            return []
        if not registration.is_active:
            raise NotCancellable(_l("Only a registration still expecting the event can be cancelled."))
        if event.has_started(now):
            raise NotCancellable(_l("The event has already started: it is too late to cancel."))
        held_seat = registration.status == RegistrationStatus.CONFIRMED
        _set_status(registration, RegistrationStatus.CANCELLED, now)
        session.flush()
        notifications.queue_cancelled(registration)
        webhooks.emit("registration.cancelled", registration)
        _record(by, "cancel", registration, "cancelled")
        promoted = []
        if held_seat:
            release_seat(session, event)
            promoted = promote_waitlist(session, event, now)
    return promoted


def update_details(
    registration: Registration, applicant: Applicant, *, with_answers: bool = False
) -> Registration:
    """Change what a registrant declared, and confirm it by email if anything changed.

    `with_answers`: the form asked the event's questions too (the manage form), so
    `applicant.answers` replaces the answers to them, checked as at registration
    (InvalidAnswers, nothing changed); the answers to retired questions stay.
    The address stays: it identifies the delegate.
    """
    with write_transaction() as session:
        registration = session.get_one(Registration, registration.id, populate_existing=True)
        answers = None
        if with_answers:
            asked = questions.for_event(registration.event, session=session)
            answers = questions.kept_with(
                registration, asked, questions.check_answers(asked, applicant.answers)
            )
        _change_details(registration, applicant, answers)
    return registration


def _change_details(registration: Registration, applicant: Applicant, answers: dict | None = None) -> bool:
    """Apply the declared details (and `answers`, unless None); if anything changed, bump the
    version and confirm by email."""
    before = (registration.details(), registration.consent_participant_list, registration.answers or {})
    registration.set_details(applicant.declared())
    registration.consent_participant_list = applicant.consent_participant_list
    registration.delegate.set_details(applicant.details())
    if answers is not None:
        registration.answers = answers
    if (registration.details(), registration.consent_participant_list, registration.answers or {}) == before:
        return False
    registration.version += 1
    notifications.queue_details_changed(
        registration, lambda locale: questions.answer_lines(registration, locale)
    )
    return True


def approve(
    registration: Registration, *, now: datetime | None = None, by: Account | None = None
) -> Registration:
    """An organiser accepts a pending registration: a seat if one is free, else the waiting list."""
    with write_transaction() as session:
        registration, event = _locked_with_event(session, registration.id)
        if registration.status != RegistrationStatus.PENDING:
            raise RegistrationError(_l("Only a registration awaiting approval can be approved."))
        moment = now or utcnow()
        if take_seat(session, event):
            _set_status(registration, RegistrationStatus.CONFIRMED, moment)
            notifications.queue_confirmation(registration, approved=True)
        else:
            _set_status(registration, RegistrationStatus.WAITLISTED, moment)
            session.flush()
            notifications.queue_waitlisted(registration, waitlist_position(session, registration))
        _record(by, "approve", registration, "approved")
    return registration


def reject(
    registration: Registration,
    reason: str = "",
    *,
    now: datetime | None = None,
    by: Account | None = None,
) -> Registration:
    """An organiser turns down a pending or waitlisted registration, optionally saying why."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
            raise RegistrationError(
                _l("Only a registration awaiting approval or on the waiting list can be rejected.")
            )
        _set_status(registration, RegistrationStatus.REJECTED, now or utcnow())
        notifications.queue_rejected(registration, reason.strip())
        _record(by, "reject", registration, "rejected", reason=reason.strip())
    return registration


def set_capacity(event: Event, capacity: int | None, *, now: datetime | None = None) -> Mailout | None:
    """Change how many seats an event has. More seats go to the waiting list, in order, each
    person emailed, by the job queue once this commits (however long the list: see
    audience.py); fewer than are already taken is refused. Returns the promotion's mailout
    (its progress), None if nobody moves."""
    if capacity is not None and capacity < 0:
        raise RegistrationError(_l("The capacity cannot be negative."))
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if capacity is not None and capacity < event.seats_within_capacity:
            raise RegistrationError(
                _l(
                    "%(taken)d seats are already taken: cancel registrations before lowering the capacity "
                    "to %(capacity)d.",
                    taken=event.seats_within_capacity,
                    capacity=capacity,
                )
            )
        if capacity == event.capacity:
            return None
        # Outside the ORM's versioned UPDATE: the seat counter's guard reads this column. The
        # seats given over capacity are those still beyond the new one.
        beyond: sa.ColumnElement[int] | int = 0
        if capacity is not None:
            beyond = sa.case((Event.confirmed_count > capacity, Event.confirmed_count - capacity), else_=0)
        session.execute(
            sa.update(Event)
            .where(Event.id == event.id)
            .values(capacity=capacity, protocol_seats=beyond)
            .execution_options(synchronize_session=False)
        )
        session.expire(event, ["capacity", "protocol_seats"])
        audit.record("event.capacity", event, f"{event.title}: capacity {capacity}", capacity=capacity)
        return start_promotion(session, event, now)


def start_promotion(session: OrmSession, event: Event, now: datetime | None = None) -> Mailout | None:
    """In the caller's unit of work, which holds the event's lock: the waiting list to be
    moved into the free seats by the queue (audience.PROMOTION); None if nobody would move."""
    if event.is_cancelled or event.has_started(now or utcnow()):
        return None
    free = None if event.capacity is None else event.capacity - event.confirmed_count
    if free is not None and free <= 0:
        return None
    waiting = session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED
        )
    )
    total = waiting if free is None else min(waiting or 0, free)
    return mailouts.start(session, MailoutKind.PROMOTION, event, total) if total else None


# --- what organisers do to registrations, each recorded in the audit log ------------------


def _record(by: Account | None, verb: str, registration: Registration, what: str, **details) -> None:
    if by is None:  # the delegate's own change
        return
    audit.record(
        f"registration.{verb}",
        registration,
        f"{registration.name}, {registration.event.title}: {what}",
        actor=by,
        event_id=registration.event_id,
        status=registration.status,
        **details,
    )


def promote(registration: Registration, *, by: Account, now: datetime | None = None) -> Registration:
    """Give a free seat to this person on the waiting list, ahead of those before them."""
    with write_transaction() as session:
        registration, event = _locked_with_event(session, registration.id)
        if registration.status != RegistrationStatus.WAITLISTED:
            raise RegistrationError(_l("Only a registration on the waiting list can be moved from it."))
        moment = now or utcnow()
        if event.is_cancelled or event.has_started(moment):
            raise RegistrationError(
                _l("The event has started or is cancelled: nobody can be moved from the waiting list.")
            )
        if not take_seat(session, event):
            raise RegistrationError(
                _l("No seat is free. Raise the capacity or cancel a confirmed registration first.")
            )
        _set_status(registration, RegistrationStatus.CONFIRMED, moment)
        session.flush()
        notifications.queue_confirmation(registration, promoted=True)
        _record(by, "promote", registration, "moved from the waiting list")
    return registration


# Who an organiser can seat over capacity: people still waiting for a seat.
SEATABLE_OVER_CAPACITY = (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)


class CannotSeat(RegistrationError):
    """Seating over capacity refused as a whole: nothing was changed."""


def seat_over_capacity(
    registration_ids: list[int], event_id: int, *, by: Account, now: datetime | None = None
) -> list[Registration]:
    """Protocol: confirm these people (awaiting approval or on the waiting list) even though
    the event is full, each recorded in the audit log with how far over capacity it goes.

    A free seat is taken first, as anyone's; only then one beyond the capacity
    (`TAKE_SEAT_OVER_CAPACITY`), which no other path takes. All or nothing, in one unit of
    work: a registration of another event or in another status refuses the whole request."""
    moment = now or utcnow()
    with write_transaction() as session:
        event = lock_row(session, Event, event_id)
        if event.is_cancelled or event.has_started(moment):
            raise CannotSeat(_l("The event has started or is cancelled: nobody can be seated."))
        # The event's lock, then its registrations' (the order of `_locked_with_event`).
        chosen_ones = session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_(set(registration_ids)), Registration.event_id == event.id)
            .order_by(Registration.status_changed_dt, Registration.id)
            .with_for_update()
        ).all()
        if not chosen_ones or len(chosen_ones) != len(set(registration_ids)):
            raise UnknownRegistrations(
                _l("Some of the chosen registrations are not in this list. Nothing was changed.")
            )
        others = [
            registration.name
            for registration in chosen_ones
            if registration.status not in SEATABLE_OVER_CAPACITY
        ]
        if others:
            raise CannotSeat(
                _l(
                    "Only people awaiting approval or on the waiting list can be seated; not: %(names)s. "
                    "Nothing was changed.",
                    names=", ".join(others),
                )
            )
        for registration in chosen_ones:
            _seat(session, event, registration, moment, by)
    return list(chosen_ones)


def _seat(
    session: OrmSession, event: Event, registration: Registration, moment: datetime, by: Account
) -> None:
    over = not take_seat(session, event)
    if over and rowcount(session.execute(TAKE_SEAT_OVER_CAPACITY, {"event_id": event.id})) != 1:
        raise CannotSeat(_l("The event has no capacity to go beyond."))  # unlimited: take_seat never fails
    session.expire(event, ["confirmed_count", "protocol_seats"])
    approved = registration.status == RegistrationStatus.PENDING
    _set_status(registration, RegistrationStatus.CONFIRMED, moment)
    session.flush()
    notifications.queue_confirmation(registration, promoted=not approved, approved=approved)
    _record(
        by,
        "seat_over_capacity",
        registration,
        f"seated over capacity (over by {event.over_capacity_by})" if over else "seated in a free seat",
        over_capacity_by=event.over_capacity_by,
    )


def resend(registration: Registration, *, by: Account) -> Registration:
    """Queue again the email of the registration's current status (with the calendar if confirmed)."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        if not registration.is_active:
            raise RegistrationError(
                _l("A cancelled or rejected registration has no confirmation to send again.")
            )
        if registration.event.is_cancelled:
            raise RegistrationError(_l("The event is cancelled: there is no confirmation to send again."))
        _announce(session, registration)
        _record(by, "resend", registration, "email sent again")
    return registration


def edit_details(
    registration: Registration, applicant: Applicant, version: int, *, by: Account
) -> Registration:
    """An organiser corrects what a registrant declared; an edit made from a stale form is refused."""
    with write_transaction() as session:
        registration = lock_row(session, Registration, registration.id)
        if registration.version != version:
            raise StaleEdit(
                _l(
                    "Someone changed this registration after you opened it, so your changes were not "
                    "saved. Reload the page to see the current details."
                )
            )
        if _change_details(registration, applicant):
            # Gender, diet and accessibility needs stay out of the audit log: it outlives an
            # erasure, which scrubs names from it, not such answers.
            details = {
                name: value for name, value in registration.details().items() if name not in SENSITIVE_COLUMNS
            }
            _record(by, "edit", registration, "details changed", details=details)
    return registration


def add_registration(
    event: Event, applicant: Applicant, *, by: Account, now: datetime | None = None
) -> Outcome:
    """Register someone on their behalf (by phone, by letter): the same capacity, waiting list
    and approval as the public form, but also before the window opens or after it closes."""
    with write_transaction() as session:
        moment = now or utcnow()
        delegate = _delegate_for(session, applicant, moment)
        event = lock_row(session, Event, event.id)
        if event.is_cancelled:
            raise RegistrationError(_l("The event is cancelled: nobody can be registered for it."))
        registration = _existing(session, event, delegate)
        if registration is not None and registration.status in RegistrationStatus.active():
            raise AlreadyRegistered(
                _l(
                    "%(email)s is already registered for this event (%(status)s).",
                    email=applicant.email,
                    status=registration.status.title,
                )
            )
        outcome = _enter(session, event, delegate, registration, applicant, None, moment)
        assert outcome.registration is not None  # _enter always makes or renews one
        outcome.registration.added_by_id = by.id
        delegate.set_details(applicant.details())
        _record(by, "add", outcome.registration, "added by hand")
    return outcome


@dataclass
class BulkOutcome:
    """The names of the registrations changed, and of those refused with the reason."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


BULK_ACTIONS = {
    "approve": lambda registration, by, reason: approve(registration, by=by),
    "reject": lambda registration, by, reason: reject(registration, reason, by=by),
    "promote": lambda registration, by, reason: promote(registration, by=by),
    "cancel": lambda registration, by, reason: cancel(registration, by=by),
    "resend": lambda registration, by, reason: resend(registration, by=by),
}


def chosen(registration_ids: list[int], event_ids: list[int]) -> list[Registration]:
    """The registrations chosen in a list of the given events, in waiting-list order, so that
    promoting several with few seats serves the earliest first.

    Ids that are not registrations of these events refuse the whole request: the list it came
    from cannot have shown them.
    """
    wanted = set(registration_ids)
    found = db.session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(wanted), Registration.event_id.in_(event_ids))
        .order_by(Registration.status_changed_dt, Registration.id)
    ).all()
    if len(found) != len(wanted):
        raise UnknownRegistrations(
            _l("Some of the chosen registrations are not in this list. Nothing was changed.")
        )
    return list(found)


def act_on_many(
    action: str, registration_ids: list[int], event_ids: list[int], *, by: Account, reason: str = ""
) -> BulkOutcome:
    """Apply one action to registrations of the given events, each in its own unit of work, so
    that one refusal (a registration in the wrong status) does not undo the others. In the
    request: for one registration (from its own page); the table's actions on many go to the
    queue (audience.start_action).
    """
    step = BULK_ACTIONS[action]
    names = [(registration, registration.name) for registration in chosen(registration_ids, event_ids)]
    outcome = BulkOutcome()
    for registration, name in names:
        try:
            step(registration, by, reason)
        except RegistrationError as error:
            outcome.refused.append((name, str(error)))
        else:
            outcome.done.append(name)
    return outcome
