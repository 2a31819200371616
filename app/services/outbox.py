"""Operating the outbox: finding messages, and sending again those that failed."""

from __future__ import annotations

import sqlalchemy as sa

from ..database import on_commit, utcnow, write_transaction
from ..extensions import db
from ..models import Message, MessageStatus, Registration
from ..queue import kick_delivery
from . import audit, notifications

# What the mail log's search looks in.
SEARCHED = (Message.to_address, Message.to_name, Message.subject)


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
        if result.rowcount:
            summary = f"{message.to_address}: {message.subject}" if message else f"{result.rowcount} messages"
            audit.record("mail.retry", message, summary, count=result.rowcount)
            on_commit(kick_delivery)  # a worker starts on them after the commit
    return result.rowcount


def as_sent(message: Message) -> Message:
    """The message as its recipient will get it: one written in a request and not yet
    composed by the worker is composed for the reader, and not kept."""
    if message.content.composition is None or message.registration_id is None:
        return message
    registration = db.session.get(Registration, message.registration_id)
    return notifications.composed(message, registration) if registration else message


def search(text: str = "", status: MessageStatus | None = None, kind: str = "") -> sa.Select:
    """The mail log's query, newest first: the delivery state only, never the contents."""
    query = sa.select(Message).order_by(Message.id.desc())
    if text:
        term = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(*(column.ilike(term, escape="\\") for column in SEARCHED)))
    if status is not None:
        query = query.where(Message.status == status)
    if kind:
        query = query.where(Message.kind == kind)
    return query


def kinds() -> list[str]:
    """The kinds of message the outbox holds, for the mail log's filter."""
    return list(db.session.scalars(sa.select(Message.kind).distinct().order_by(Message.kind)))


def failed_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Message).where(Message.status == MessageStatus.FAILED)
    )
