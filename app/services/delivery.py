"""Delivering the outbox: claim a batch, send it over one SMTP connection, record each result.

Claims are atomic (the write lock on SQLite, `FOR UPDATE SKIP LOCKED` on
PostgreSQL), so two workers never take the same message, and a claim
expires, so a message whose worker died is sent by the next one.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_mail import Attachment, BadHeaderError
from flask_mail import Message as MailMessage

from ..database import utcnow, write_transaction
from ..extensions import mail
from ..models import Message, MessageStatus

log = logging.getLogger(__name__)

# Backoff after the n-th failed attempt: 1, 2, 4 ... minutes, at most 2 hours.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)


class PermanentFailure(Exception):
    """The message can never be delivered as it is (5xx, invalid recipient, bad header)."""


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Deliver every message that is due, batch after batch."""
    report = DeliveryReport()
    limit = limit or current_app.config["OUTBOX_BATCH_SIZE"]
    while True:
        batch = deliver_batch(now=now, limit=limit)
        for name in ("claimed", "sent", "retrying", "failed"):
            setattr(report, name, getattr(report, name) + getattr(batch, name))
        if batch.claimed < limit:
            return report


def deliver_batch(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    messages = claim(now or utcnow(), limit)
    report = DeliveryReport(claimed=len(messages))
    if not messages:
        return report
    transport = _send_smtp if current_app.config.get("MAIL_SERVER") else _write_eml
    transport(messages, report)
    return report


def claim(now: datetime, limit: int) -> list[Message]:
    claim_seconds = current_app.config["OUTBOX_CLAIM_SECONDS"]
    due = sa.or_(
        sa.and_(Message.status == MessageStatus.QUEUED, Message.next_attempt_dt <= now),
        sa.and_(Message.status == MessageStatus.SENDING, Message.claimed_until_dt < now),
    )
    with write_transaction() as session:
        messages = list(
            session.scalars(
                sa.select(Message)
                .where(due)
                .order_by(Message.next_attempt_dt, Message.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for message in messages:
            message.status = MessageStatus.SENDING
            message.claimed_until_dt = now + timedelta(seconds=claim_seconds)
            message.attempts += 1
        session.flush()
        # Detached before the commit expires them: the sender reads their fields.
        for message in messages:
            session.expunge(message)
    return messages


def build(message: Message) -> MailMessage:
    mail_message = MailMessage(
        subject=message.subject,
        recipients=[(message.to_name, message.to_address)],
        body=message.body_text,
        html=message.body_html,
        attachments=[
            Attachment(
                filename=item["filename"],
                content_type=item["content_type"],
                data=item["content"].encode("utf-8"),
            )
            for item in message.attachments
        ],
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    mail_message.msgId = message.message_id
    if mail_message.has_bad_headers():
        raise PermanentFailure("refused: a header contains a line break")
    return mail_message


def _send_smtp(messages: list[Message], report: DeliveryReport) -> None:
    pending = list(messages)
    try:
        with mail.connect() as connection:
            while pending:
                message = pending[0]
                try:
                    connection.send(build(message))
                except (PermanentFailure, BadHeaderError) as error:
                    _record_failure(message, str(error) or "bad header", permanent=True, report=report)
                except smtplib.SMTPRecipientsRefused as error:
                    _record_smtp_refusal(message, error, report)
                except smtplib.SMTPResponseException as error:
                    permanent = 500 <= error.smtp_code < 600
                    _record_failure(message, _describe(error), permanent=permanent, report=report)
                    if not permanent:
                        pending.pop(0)
                        raise
                else:
                    _record_sent(message, report)
                pending.pop(0)
    except (smtplib.SMTPException, OSError) as error:
        # The connection is gone: whatever was not sent is tried again later.
        for message in pending:
            _record_failure(message, _describe(error), permanent=False, report=report)


def _record_smtp_refusal(message: Message, error: smtplib.SMTPRecipientsRefused, report) -> None:
    codes = [code for code, _text in error.recipients.values()]
    permanent = all(500 <= code < 600 for code in codes)
    _record_failure(message, _describe(error), permanent=permanent, report=report)


def _describe(error: Exception) -> str:
    """'550 5.1.1 No such user here': the server's own words, for the organisers."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(_reply(code, text) for code, text in error.recipients.values())[:1000]
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _write_eml(messages: list[Message], report: DeliveryReport) -> None:
    """With no SMTP server configured, each message becomes a file under instance/mail/."""
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for message in messages:
        try:
            data = build(message).as_bytes()
        except PermanentFailure as error:
            _record_failure(message, str(error), permanent=True, report=report)
            continue
        (folder / f"{message.id:08d}-{message.kind}.eml").write_bytes(data)
        _record_sent(message, report)


def _record_sent(message: Message, report: DeliveryReport) -> None:
    with write_transaction() as session:
        session.execute(
            sa.update(Message)
            .where(Message.id == message.id)
            .values(status=MessageStatus.SENT, sent_dt=utcnow(), claimed_until_dt=None, last_error="")
        )
    report.sent += 1


def _record_failure(message: Message, reason: str, *, permanent: bool, report: DeliveryReport) -> None:
    out_of_attempts = message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if permanent or out_of_attempts:
        values = dict(status=MessageStatus.FAILED)
        report.failed += 1
    else:
        delay = min(BACKOFF_BASE * 2 ** (message.attempts - 1), BACKOFF_MAX)
        values = dict(status=MessageStatus.QUEUED, next_attempt_dt=utcnow() + delay)
        report.retrying += 1
    log.warning("message %s to %s not delivered: %s", message.id, message.to_address, reason)
    with write_transaction() as session:
        session.execute(
            sa.update(Message)
            .where(Message.id == message.id)
            .values(claimed_until_dt=None, last_error=reason, **values)
        )
