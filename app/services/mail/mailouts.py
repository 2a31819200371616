"""Emails to a whole audience, written by the job queue a batch at a time; and, through the
same batches, cursor and progress page, the changes to a whole audience's registrations (the
waiting list moved into new seats, an action on many registrations), whose writers the
registration domain registers (`register_writer`; services/registration/audience.py).

A request that would email every registrant of an event (the follow-up with its
certificates, the notice of a new time or of the cancellation, a message of the
organisers) records a Mailout in the unit of work of what caused it, and nothing more;
once that commits, the job queue writes the emails, BATCH at a time, and the mailout's
page (or the mailing's) shows how far it is. (The follow-up with certificates took 17 ms a
person in the request: 34 s for 2,000, past any timeout.)

Each batch is read and composed first (certificates, templates: the slow part) outside
any write lock, then written in one short transaction that locks the mailout's row,
checks that its cursor has not moved meanwhile, adds the emails and moves the cursor past
them. So a run again after a crash, or two runs at once, write each email once. A run
claims the mailout for CLAIM, renewed by each batch; the queue's sweep resumes one whose
claim ran out (a worker killed mid-way, a task lost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from ...database import lock_row, on_commit, rowcount, utcnow, write_transaction
from ...extensions import db
from ...models import (
    Account,
    Event,
    Mailout,
    MailoutKind,
    MailoutStatus,
    Message,
    MessageStatus,
    Registration,
)

log = logging.getLogger(__name__)

BATCH = 50
CLAIM = timedelta(minutes=5)


# What a kind of mailout's `compose` makes of a batch, for its `write`.
Composed = TypeVar("Composed")


@dataclass(frozen=True)
class Writer(Generic[Composed]):
    """How one kind of mailout writes its emails.

    - `recipients(mailout, after, limit)`: the next registrations still to write to, after
      the id `after`, in the order of their ids: rows whose first item is the registration's
      id, then what its email needs;
    - `compose(mailout, rows)`: the slow part, done before the write lock is taken;
    - `write(session, mailout, composed)`: add the emails to the outbox, in the transaction
      that moves the cursor; returns how many;
    - `message_kind(mailout)`: the kind of the Message rows it writes.
    """

    recipients: Callable[[Mailout, int, int], Sequence]
    compose: Callable[[Mailout, Sequence], Composed]
    write: Callable[[OrmSession, Mailout, Composed], int]
    message_kind: Callable[[Mailout], str]


# The writers of the domains above mail (the registration domain's jobs that change
# registrations), which register them when imported (`register_writer`).
WRITERS: dict[MailoutKind, Writer] = {}


def register_writer(kind: MailoutKind, writer: Writer) -> None:
    """A domain above mail doing its own audience-sized work through mailouts: its batches,
    its cursor and its progress page, without mail importing it."""
    WRITERS[kind] = writer


def _writer(kind: MailoutKind) -> Writer:
    if kind in WRITERS:
        return WRITERS[kind]
    from . import event_notices as events
    from . import follow_up, mailings

    return {
        MailoutKind.FOLLOW_UP: follow_up.WRITER,
        MailoutKind.EVENT_CHANGED: events.CHANGED_WRITER,
        MailoutKind.EVENT_CANCELLED: events.CANCELLED_WRITER,
        MailoutKind.MAILING: mailings.WRITER,
    }[kind]


# --- starting ----------------------------------------------------------------------------------


def start(
    session: OrmSession,
    kind: MailoutKind,
    event: Event,
    total: int,
    *,
    by: Account | None = None,
    mailing_id: int | None = None,
    **params,
) -> Mailout:
    """A mailout to `total` people, recorded in the caller's unit of work; the queue starts
    writing it once that unit commits (nothing is started if it rolls back)."""
    mailout = Mailout(
        kind=kind,
        event_id=event.id,
        account_id=by.id if by else None,
        mailing_id=mailing_id,
        params=params,
        total=total,
    )
    session.add(mailout)
    session.flush()
    on_commit(Enqueue(mailout.id))
    return mailout


@dataclass(frozen=True)
class Enqueue:
    """Ask the queue to write a mailout: an `on_commit()` callback equal to any other for
    the same mailout, so that a unit of work that registers it twice starts one job."""

    mailout_id: int

    def __call__(self) -> None:
        from .tasks import write_mailout

        try:
            write_mailout(self.mailout_id)
        except Exception:  # the queue down must not undo what was committed: the sweep resumes it
            log.exception("could not enqueue mailout %s; the periodic sweep will write it", self.mailout_id)


def retry(mailout: Mailout) -> bool:
    """Write again a mailout an error stopped (from where it stopped); False if it was not stopped."""
    with write_transaction() as session:
        mailout = lock_row(session, Mailout, mailout.id)
        if mailout.status != MailoutStatus.FAILED:
            return False
        mailout.status, mailout.error, mailout.claimed_until_dt = MailoutStatus.WRITING, "", None
        on_commit(Enqueue(mailout.id))
    return True


# --- writing: the job ---------------------------------------------------------------------------


def run(mailout_id: int, batches: int | None = None, now: datetime | None = None) -> int:
    """Write the emails of a mailout, batch by batch, until all are written (or `batches`
    of them); returns how many this run wrote. Idempotent: a mailout another run holds (at
    `now`), or one that is not being written, is left alone; run again, it goes on from its
    cursor."""
    if not _claim(mailout_id, now):
        return 0
    written = 0
    try:
        while batches is None or batches > 0:
            count = _batch(mailout_id)
            if count is None:
                return written
            written += count
            batches = None if batches is None else batches - 1
    except Exception as error:
        log.exception("mailout %s stopped", mailout_id)
        db.session.rollback()
        _stop(mailout_id, error)
        return written
    _release(mailout_id)  # stopped after `batches`: the sweep may go on with it
    return written


def _claim(mailout_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    with write_transaction() as session:
        claimed = session.execute(
            sa.update(Mailout)
            .where(
                Mailout.id == mailout_id,
                Mailout.status == MailoutStatus.WRITING,
                sa.or_(Mailout.claimed_until_dt.is_(None), Mailout.claimed_until_dt < now),
            )
            .values(claimed_until_dt=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        return rowcount(claimed) == 1


def _release(mailout_id: int) -> None:
    with write_transaction() as session:
        session.execute(
            sa.update(Mailout)
            .where(Mailout.id == mailout_id)
            .values(claimed_until_dt=None)
            .execution_options(synchronize_session=False)
        )


def _batch(mailout_id: int) -> int | None:
    """Write one batch; returns how many emails, or None once there is nothing left to do."""
    mailout = db.session.get(Mailout, mailout_id, populate_existing=True)
    if mailout is None or mailout.status != MailoutStatus.WRITING:
        return None
    writer = _writer(mailout.kind)
    cursor = mailout.cursor
    rows = writer.recipients(mailout, cursor, BATCH) if _still_wanted(mailout) else []
    composed = writer.compose(mailout, rows) if rows else None
    with write_transaction() as session:
        mailout = lock_row(session, Mailout, mailout_id)
        if mailout.status != MailoutStatus.WRITING or mailout.cursor != cursor:
            return 0  # another run wrote this batch meanwhile: read again from its cursor
        if not rows:
            mailout.status, mailout.finished_dt, mailout.claimed_until_dt = MailoutStatus.DONE, utcnow(), None
            return None
        count = writer.write(session, mailout, composed)
        mailout.cursor = rows[-1][0]  # the last recipient written
        mailout.written += count
        mailout.total = max(mailout.total, mailout.written)
        mailout.claimed_until_dt = utcnow() + CLAIM
    return count


def _still_wanted(mailout: Mailout) -> bool:
    """A notice of a change that a later change or the cancellation superseded stops: the
    later notice tells everyone, and the emails say what the event is when they are sent."""
    sequence = mailout.params.get("sequence")
    if sequence is None:
        return True
    return db.session.scalar(sa.select(Event.sequence).where(Event.id == mailout.event_id)) == sequence


def _stop(mailout_id: int, error: Exception) -> None:
    with write_transaction() as session:
        mailout = lock_row(session, Mailout, mailout_id)
        mailout.status, mailout.claimed_until_dt = MailoutStatus.FAILED, None
        mailout.error = f"{type(error).__name__}: {error}"[:2000]


def resume_stalled(now: datetime | None = None) -> int:
    """The queue's sweep: go on with the mailouts being written that no run holds any
    more (or that no run ever took, their task lost); returns how many emails it wrote."""
    now = now or utcnow()
    stalled = db.session.scalars(
        sa.select(Mailout.id).where(
            Mailout.status == MailoutStatus.WRITING,
            Mailout.created_dt < now - CLAIM,
            sa.or_(Mailout.claimed_until_dt.is_(None), Mailout.claimed_until_dt < now),
        )
    ).all()
    db.session.rollback()
    return sum(run(mailout_id, now=now) for mailout_id in stalled)


# --- how far it is --------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    mailout: Mailout
    # The kind of its emails (as the mail log names them), and how many are in each delivery state.
    message_kind: str
    delivery: dict[MessageStatus, int]

    @property
    def done(self) -> bool:
        """Nothing more will change: all written (or stopped), and none waiting to be sent."""
        waiting = self.delivery[MessageStatus.QUEUED] + self.delivery[MessageStatus.SENDING]
        return self.mailout.status != MailoutStatus.WRITING and not waiting


def progress(mailout: Mailout) -> Progress:
    """The mailout, and the delivery of the emails it wrote, counted in one grouped query
    (a mailing's messages; else the emails of its kind to the event's registrants since it
    started)."""
    kind = _writer(mailout.kind).message_kind(mailout)
    delivery = dict.fromkeys(MessageStatus, 0)
    if mailout.mailing_id is not None:
        its_messages = sa.select(Message.status).where(Message.mailing_id == mailout.mailing_id)
    else:
        its_messages = (
            sa.select(Message.status)
            .join(Registration, Registration.id == Message.registration_id)
            .where(
                Registration.event_id == mailout.event_id,
                Message.kind == kind,
                Message.created_dt >= mailout.created_dt,
            )
        )
    rows = db.session.execute(
        its_messages.with_only_columns(Message.status, sa.func.count()).group_by(Message.status)
    )
    for status, count in rows:
        delivery[status] = count
    return Progress(mailout, kind, delivery)


def of_event(event: Event, kind: MailoutKind) -> list[Mailout]:
    """The event's mailouts of a kind, the latest first."""
    return list(
        db.session.scalars(
            sa.select(Mailout)
            .where(Mailout.event_id == event.id, Mailout.kind == kind)
            .order_by(Mailout.id.desc())
        )
    )
