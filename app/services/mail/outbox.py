"""Operating the outbox: finding messages, and sending again those that failed.

The mail log shows each reader what their role allows: organisers and admins, who write to
registrants, see addresses and contents; viewers see the delivery state only (no address, no
text). Nobody sees a personal link (see personal_links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...database import contains_text, on_commit, rowcount, utcnow, write_transaction
from ...extensions import db
from ...models import Account, Message, MessageStatus, Registration
from .. import audit
from . import notifications, personal_links, tasks

# What the mail log's search looks in; the address only for those who may see it.
SEARCHED = (Message.to_name, Message.subject)
# An address as a server's error echoes it ("550 5.1.1 <amina@example.org>: unknown").
ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def retry_failed(message: Message | None = None) -> int:
    """Queue every failed message again (or only `message`), with a fresh set of attempts.

    The very same message goes: its Message-ID was fixed when it was queued and
    its bytes when it was first composed, so a recipient can tell a retry from a
    new email. Returns how many were queued again.
    """
    with write_transaction() as session:
        query = sa.update(Message).where(Message.status == MessageStatus.FAILED)
        if message is not None:
            query = query.where(Message.id == message.id)
        result = session.execute(
            query.values(
                status=MessageStatus.QUEUED, attempts=0, next_attempt_dt=utcnow(), claimed_until_dt=None
            ).execution_options(synchronize_session=False)
        )
        changed = rowcount(result)
        if changed:
            summary = f"{message.to_address}: {message.subject}" if message else f"{changed} messages"
            audit.record("mail.retry", message, summary, count=changed)
            on_commit(tasks.kick_delivery)  # a worker starts on them after the commit
    return changed


def as_sent(message: Message) -> Message:
    """The message as its recipient will get it: one written in a request and not yet
    composed by the worker is composed for the reader, and not kept."""
    if message.content.composition is None or message.registration_id is None:
        return message
    registration = db.session.get(Registration, message.registration_id)
    return notifications.composed(message, registration) if registration else message


@dataclass(frozen=True)
class Shown:
    """A message's contents as the console shows them to an organiser."""

    email: personal_links.ShownEmail
    # Written in a request, and composed now for the reader only (the worker composes it to send).
    composed_now: bool


def contents(message: Message) -> Shown:
    """What a message says, as its recipient will read it, its personal links hidden."""
    composed = as_sent(message)
    return Shown(personal_links.shown(composed), composed is not message)


@dataclass(frozen=True)
class LogEntry:
    """A line of the mail log (console and API) as one reader may read it."""

    id: int
    kind: str
    registration_id: int | None
    mailing_id: int | None
    to_name: str
    to_address: str | None  # None: not for this reader
    subject: str
    status: MessageStatus
    attempts: int
    last_error: str
    created_dt: datetime
    sent_dt: datetime | None
    next_attempt_dt: datetime


def entry(message: Message, reader: Account) -> LogEntry:
    """`message`'s delivery state; for a reader who may not see addresses, without the
    recipient's and without any a server's error repeats."""
    sees = reader.sees_contact_details
    return LogEntry(
        id=message.id,
        kind=message.kind,
        registration_id=message.registration_id,
        mailing_id=message.mailing_id,
        to_name=message.to_name,
        to_address=message.to_address if sees else None,
        subject=message.subject,
        status=message.status,
        attempts=message.attempts,
        last_error=message.last_error if sees else ADDRESS.sub(_("[address hidden]"), message.last_error),
        created_dt=message.created_dt,
        sent_dt=message.sent_dt,
        next_attempt_dt=message.next_attempt_dt,
    )


def search(
    text: str = "", status: MessageStatus | None = None, kind: str = "", *, addresses: bool
) -> sa.Select:
    """The mail log's query, newest first: the delivery state only, never the contents.

    `addresses`: whether the text is looked for in recipients' addresses too; not for a
    reader who may not see them, to whom a search would tell whether an address is there.
    """
    query = sa.select(Message).order_by(Message.id.desc())
    if text:
        searched = SEARCHED + (Message.to_address,) if addresses else SEARCHED
        query = query.where(sa.or_(*(contains_text(column, text) for column in searched)))
    if status is not None:
        query = query.where(Message.status == status)
    if kind:
        query = query.where(Message.kind == kind)
    return query


def kinds() -> list[str]:
    """The kinds of message the outbox holds, for the mail log's filter."""
    return list(db.session.scalars(sa.select(Message.kind).distinct().order_by(Message.kind)))


def failed_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(Message.status == MessageStatus.FAILED)
        )
        or 0
    )
