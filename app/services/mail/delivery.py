"""Delivering the outbox: claim a batch, send it over one SMTP connection, record each result.

Claims are atomic (the write lock on SQLite, `FOR UPDATE SKIP LOCKED` on
PostgreSQL), so two workers never take the same message, and a claim
expires, so a message whose worker died is sent by the next one. Each
message is recorded as sent the moment the server has accepted it, and the
next one's content waits for that record: a worker killed at any moment
resends at most the one message it had on the wire (its Message-ID makes
such a duplicate visible).
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_mail import Connection, sanitize_address

from ...database import QuickCommits, quick_commits, utcnow, write_transaction
from ...models import Message, MessageContent, MessageStatus
from ..claims import Backoff, Outbox

# The module, not its names: notifications imports the tasks, which import this module, so
# whichever of them is imported first finds the other one partly initialised.
from . import attachments, notifications
from .personal_links import headers_only

log = logging.getLogger(__name__)

# Tried again after the n-th failed attempt: 1, 2, 4 ... minutes, at most 2 hours.
OUTBOX = Outbox(
    Message,
    waiting=MessageStatus.QUEUED,
    claimed=MessageStatus.SENDING,
    failed=MessageStatus.FAILED,
    backoff=Backoff.doubling(timedelta(minutes=1), cap=timedelta(hours=2)),
)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: DeliveryReport) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


def deliver_pending(now: datetime | None = None, limit: int | None = None) -> DeliveryReport:
    """Deliver every message that is due, batch after batch, over one connection."""
    report = DeliveryReport()
    limit = limit or current_app.config["OUTBOX_BATCH_SIZE"]
    transport = SmtpTransport() if current_app.config.get("MAIL_SERVER") else EmlTransport()
    # Stop sending a batch well before its claim lapses, or another worker would take it over.
    claim_seconds = current_app.config["OUTBOX_CLAIM_SECONDS"]
    with transport.open():
        while True:
            deadline = time.monotonic() + 0.8 * claim_seconds
            messages = compose(claim(now or utcnow(), limit))
            report.claimed += len(messages)
            if messages:
                report.add(transport.deliver(messages, deadline))
            if len(messages) < limit:
                return report


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs of a claimed message: its envelope and its bytes."""

    id: int
    kind: str
    to_address: str
    mime: bytes | None
    attempts: int
    # Written in a request and composed by the worker before its first sending.
    to_compose: bool = False
    # Why a message without bytes is never sent.
    refusal: str = ""  # notifications.NOT_COMPOSED if none is given
    # Until when this worker's claim holds it: what it gives back, or records as failed, it
    # changes only while the row is still under that claim (see `_still_ours`).
    claimed_until: datetime | None = None
    # A message to an audience whose files the worker adds as it sends it (attachments.py),
    # and its Message-ID, which fixes the boundary they are added with.
    mailing_id: int | None = None
    message_id: str = ""


def claim(now: datetime, limit: int) -> list[Outgoing]:
    """Take up to `limit` due messages for this worker, in one statement."""
    hold = timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    envelope = (Message.kind, Message.to_address, Message.attempts, Message.mailing_id, Message.message_id)
    with write_transaction() as session:
        rows = OUTBOX.claim_in(session, now, limit, hold, envelope)
        contents = {
            content.message_id: content
            for content in session.execute(
                sa.select(
                    MessageContent.message_id,
                    MessageContent.mime,
                    MessageContent.composition.is_not(None).label("to_compose"),
                ).where(MessageContent.message_id.in_([row.id for row in rows]))
            )
        }
    return [replace(_outgoing(row, contents.get(row.id)), claimed_until=now + hold) for row in rows]


def _outgoing(row, content) -> Outgoing:
    mailing = {"mailing_id": row.mailing_id, "message_id": row.message_id}
    if content is None:
        return Outgoing(row.id, row.kind, row.to_address, None, row.attempts, **mailing)
    return Outgoing(
        row.id, row.kind, row.to_address, content.mime, row.attempts, bool(content.to_compose), **mailing
    )


def _still_ours(message: Outgoing) -> sa.ColumnElement[bool]:
    """The row is still under this worker's claim. A claim can lapse (composing a large batch
    took longer than OUTBOX_CLAIM_SECONDS on a loaded machine) and another worker take the row
    and send it: giving it back then would queue it again, and it would go out twice."""
    return sa.and_(Message.status == MessageStatus.SENDING, Message.claimed_until_dt == message.claimed_until)


def compose(messages: list[Outgoing]) -> list[Outgoing]:
    """The claimed messages, those written in a request composed now (and kept so)."""
    waiting = [message.id for message in messages if message.to_compose]
    if not waiting:
        return messages
    composed = notifications.compose_written(waiting)
    return [
        _composed(message, composed.get(message.id)) if message.to_compose else message
        for message in messages
    ]


def _composed(message: Outgoing, result: bytes | str | None) -> Outgoing:
    if isinstance(result, bytes):
        return replace(message, mime=result, to_compose=False)
    return replace(message, mime=None, to_compose=False, refusal=result or notifications.NOT_COMPOSED)


def mime_of(message: Outgoing) -> bytes:
    """The bytes composed for the message."""
    if message.mime is None:  # composing failed (see notifications.compose): never send it
        raise notifications.UnsafeHeader(message.refusal or notifications.NOT_COMPOSED)
    return message.mime


RECORD_SENT = (
    sa.update(Message)
    .where(Message.id == sa.bindparam("row_id"))
    .values(status=MessageStatus.SENT, sent_dt=sa.bindparam("now"), claimed_until_dt=None, last_error="")
)


# Once sent, the stored bytes are cut to their headers (what the mail log shows): their parts
# carry the recipient's personal links, which nobody else may read (see personal_links).
RECORD_HEADERS_ONLY = (
    sa.update(MessageContent)
    .where(MessageContent.message_id == sa.bindparam("row_id"))
    .values(mime=sa.bindparam("headers"))
)
# Both in one statement on PostgreSQL (an UPDATE in a WITH), so that recording a message stays
# one round trip, not four (BEGIN, two UPDATEs, COMMIT): bench/mail.py on 2026-12-06, on a loaded
# machine, 506/s as four and 591/s as one (+17%). SQLite knows no UPDATE in a WITH, and its
# statements cost no round trip.
RECORD_SENT_AND_HEADERS_ONLY = RECORD_SENT.add_cte(
    RECORD_HEADERS_ONLY.returning(MessageContent.message_id).cte("headers_only")
)


def record_sent(statements: QuickCommits, message: Outgoing) -> None:
    """The one place a message becomes sent: called the moment the server has accepted it, on
    the ledger's thread (in an app context of its own). Its state and its stored copy cut to
    the headers commit together: a sent message never keeps its links."""
    sent = {"row_id": message.id, "now": utcnow()}
    headers = headers_only(message.mime)
    if statements.dialect.name == "postgresql":
        statements.execute(RECORD_SENT_AND_HEADERS_ONLY, **sent, headers=headers)
        return
    with statements.together():
        statements.execute(RECORD_SENT, **sent)
        statements.execute(RECORD_HEADERS_ONLY, row_id=message.id, headers=headers)


class SentLedger:
    """Records each accepted message as sent, on a thread and a database connection of its own,
    while the next message's envelope goes out; that message's content waits (`settle`) until
    the record is committed. So at any moment at most one accepted message is not recorded yet:
    a worker killed then sends that one again, and no other."""

    def __init__(self) -> None:
        # current_app is a proxy, which Flask's types call the app itself.
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.requests: queue.SimpleQueue[Outgoing | None] = queue.SimpleQueue()
        self.outcomes: queue.SimpleQueue[BaseException | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None  # started by the first record
        self.in_flight = False

    def record(self, message: Outgoing) -> None:
        self.settle()
        if self.thread is None:
            self.thread = threading.Thread(target=self._keep, name="outbox-ledger", daemon=True)
            self.thread.start()
        self.requests.put(message)
        self.in_flight = True

    def settle(self) -> None:
        """Wait until the message last handed over is recorded; raise what recording it raised."""
        if not self.in_flight:
            return
        self.in_flight = False
        error = self.outcomes.get()
        if error is not None:
            self.thread = None  # it has ended; the next record starts another
            raise error

    def close(self) -> None:
        try:
            self.settle()
        finally:
            if self.thread is not None:
                self.requests.put(None)
                self.thread.join()

    def _keep(self) -> None:
        """The ledger's thread: records what it is handed until None, or until an error, which
        goes to the sending thread."""
        try:
            with self.app.app_context(), quick_commits() as statements:
                while (message := self.requests.get()) is not None:
                    record_sent(statements, message)
                    self.outcomes.put(None)
        except BaseException as error:  # raised again in the sending thread, by settle()
            self.outcomes.put(error)


class Recorder:
    """Writes delivery results back to the outbox: sent ones through the ledger, failures at once."""

    def __init__(self, ledger: SentLedger) -> None:
        self.report = DeliveryReport()
        self.ledger = ledger

    def sent(self, message: Outgoing) -> None:
        self.ledger.record(message)
        self.report.sent += 1

    def settle(self) -> None:
        self.ledger.settle()

    def release(self, messages) -> None:
        """Give back messages not sent before the claim's deadline: queued again, no attempt spent."""
        self.settle()
        ids = [message.id for message in messages]
        if not ids:
            return
        with write_transaction() as session:
            session.execute(
                sa.update(Message)
                .where(Message.id.in_(ids), _still_ours(messages[0]))  # one claim for the batch
                .values(
                    status=MessageStatus.QUEUED,
                    attempts=Message.attempts - 1,
                    claimed_until_dt=None,
                    next_attempt_dt=utcnow(),
                )
            )

    def failed(self, message: Outgoing, reason: str, *, permanent: bool) -> None:
        values = OUTBOX.after_failure(
            message.attempts,
            utcnow(),
            max_attempts=current_app.config["OUTBOX_MAX_ATTEMPTS"],
            permanent=permanent,
        )
        if values["status"] == MessageStatus.FAILED:
            self.report.failed += 1
        else:
            self.report.retrying += 1
        log.warning("message %s to %s not delivered: %s", message.id, message.to_address, reason)
        self.settle()  # one writer at a time on SQLite, and the records in their order
        with write_transaction() as session:
            session.execute(
                sa.update(Message)
                .where(Message.id == message.id, _still_ours(message))
                .values(last_error=reason[:1000], **values)
            )


class Pacer:
    """Keeps to MAIL_RATE_PER_MINUTE (0: as fast as the server takes them). The clock and the
    sleep are the process's; a test gives its own, which no load on the machine moves."""

    def __init__(self, per_minute: int, clock=time.monotonic, sleep=time.sleep) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_slot = clock()

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next_slot > now:
            self.sleep(self.next_slot - now)
        self.next_slot = max(self.next_slot, now) + self.interval


class ContentWaits(smtplib.SMTP):
    """smtplib's client, whose message content (after which the server may accept it) first
    waits for `before_content`: the record of the message before. It waits once the server
    has answered DATA with 354, so that the record overlaps the whole envelope exchange
    (MAIL, RCPT and DATA); smtplib.SMTP.data otherwise, which has no hook there."""

    before_content: Callable[[], None]

    # Only smtplib's sendmail calls it, always with bytes (typed: any buffer or text).
    def data(self, msg: bytes) -> tuple[int, bytes]:  # type: ignore[override]
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        try:
            self.before_content()
        except BaseException:
            # The server now reads everything up to a line "." as the message: a QUIT would be
            # part of it, unanswered until MAIL_TIMEOUT (30 s). Dropping the connection instead
            # abandons the message, which a server accepts only at that line.
            self.close()
            raise
        content = smtplib._quote_periods(msg)  # type: ignore[attr-defined]  # private: not in its stubs
        if content[-2:] != smtplib.bCRLF:
            content += smtplib.bCRLF
        self.send(content + b"." + smtplib.bCRLF)
        return self.getreply()


class SmtpClient(ContentWaits, smtplib.SMTP):
    pass


class SmtpSslClient(ContentWaits, smtplib.SMTP_SSL):
    pass


class TimedConnection(Connection):
    """Flask-Mail's connection, with a timeout so that a silent server cannot hang the worker,
    sending the bytes composed for the message (when queued, or by the worker before its first
    sending), each message's content only once `before_content` has returned."""

    def __init__(self, mail, before_content: Callable[[], None]) -> None:
        super().__init__(mail)
        self.before_content = before_content

    def send_bytes(self, envelope_from: str, recipient: str, data: bytes) -> None:
        # Addresses were validated when registered; only a non-ASCII one needs encoding.
        to = recipient if recipient.isascii() else sanitize_address(recipient)
        assert self.host is not None  # connected on entering the connection
        self.host.sendmail(envelope_from, [to], data)
        self.num_emails += 1
        if self.num_emails == self.mail.max_emails:  # as Flask-Mail does: reconnect every N
            self.num_emails = 0
            self.host.quit()
            self.host = self.configure_host()

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["MAIL_TIMEOUT"]
        cls = SmtpSslClient if self.mail.use_ssl else SmtpClient
        host = cls(self.mail.server, self.mail.port, timeout=timeout)
        host.before_content = self.before_content
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Transport:
    """Sends claimed messages one by one until done or until the claim's deadline."""

    # The files of each mailing sent in this run, as MIME parts: read and encoded once.
    mailing_parts: dict[int, list[bytes]]

    @contextmanager
    def open(self):
        self.ledger = SentLedger()
        self.mailing_parts = {}
        try:
            yield self
        finally:
            try:
                self._close()
            finally:
                self.ledger.close()

    def deliver(self, messages: list[Outgoing], deadline: float) -> DeliveryReport:
        recorder = Recorder(self.ledger)
        pending = deque(messages)
        try:
            while pending and time.monotonic() < deadline:
                self._deliver_one(pending[0], recorder)
                pending.popleft()
        except (smtplib.SMTPException, OSError) as error:
            # The connection (or the disk) is gone: whatever was not sent is tried again later.
            self._close()
            for message in pending:
                recorder.failed(message, describe(error), permanent=False)
            pending.clear()
        finally:
            recorder.release(pending)  # once the last one sent is recorded
        return recorder.report

    def _deliver_one(self, message: Outgoing, recorder: Recorder) -> None:
        raise NotImplementedError

    def bytes_of(self, message: Outgoing) -> bytes:
        """What goes on the wire: the composed bytes, with the mailing's files if it has any."""
        data = mime_of(message)
        if message.mailing_id is None:
            return data
        if message.mailing_id not in self.mailing_parts:
            self.mailing_parts[message.mailing_id] = attachments.parts_of(message.mailing_id)
        return attachments.with_attachments(data, self.mailing_parts[message.mailing_id], message.message_id)

    def _close(self) -> None:
        pass


class SmtpTransport(Transport):
    """One SMTP connection for a whole run, opened at the first message, reopened after a drop."""

    def __init__(self) -> None:
        self.connection: TimedConnection | None = None
        self.pacer = Pacer(current_app.config["MAIL_RATE_PER_MINUTE"])
        self.sender = sanitize_address(current_app.extensions["mail"].default_sender)

    def _connected(self) -> TimedConnection:
        if self.connection is None:
            # The envelope of a message goes while the one before is being recorded.
            connection = TimedConnection(current_app.extensions["mail"], before_content=self.ledger.settle)
            self.connection = connection.__enter__()
        return self.connection

    def _close(self) -> None:
        if self.connection is not None:
            # If the server is gone already, there is nothing to say goodbye to.
            with suppress(smtplib.SMTPException, OSError):
                # Flask-Mail types __exit__ for an exception only; None is a clean exit.
                self.connection.__exit__(None, None, None)  # type: ignore[arg-type]
            self.connection = None

    def _deliver_one(self, message: Outgoing, recorder: Recorder) -> None:
        self.pacer.wait()
        try:
            self._connected().send_bytes(self.sender, message.to_address, self.bytes_of(message))
        except notifications.UnsafeHeader as error:
            recorder.failed(message, str(error), permanent=True)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            recorder.failed(message, describe(error), permanent=all(500 <= code < 600 for code in codes))
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError):
            raise
        except smtplib.SMTPResponseException as error:
            if not 500 <= error.smtp_code < 600:
                raise  # 4xx: the server wants us to come back later
            recorder.failed(message, describe(error), permanent=True)
        else:
            recorder.sent(message)


class EmlTransport(Transport):
    """With no SMTP server configured, each message becomes a file under instance/mail/."""

    def __init__(self) -> None:
        self.folder = Path(current_app.config["MAIL_DIR"])
        self.folder.mkdir(parents=True, exist_ok=True)

    def _deliver_one(self, message: Outgoing, recorder: Recorder) -> None:
        try:
            data = self.bytes_of(message)
        except notifications.UnsafeHeader as error:
            recorder.failed(message, str(error), permanent=True)
            return
        recorder.settle()  # as over SMTP: the message before is recorded first
        (self.folder / f"{message.id:08d}-{message.kind}.eml").write_bytes(data)
        recorder.sent(message)


def describe(error: Exception) -> str:
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
