"""The outbox: every email the system sends, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import MailingAudience, MailoutKind, MailoutStatus, MessageStatus, enum_type

if TYPE_CHECKING:
    from .people import Registration
    from .programme import Event


class Message(Model):
    __table_args__ = (
        # The worker's claim query: due messages, oldest first.
        sa.Index("ix_message_status_next_attempt", "status", "next_attempt_dt"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # Set for a message written by the organisers to an audience.
    mailing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mailing.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    # The Message-ID header, fixed when queued: the idempotency key of a delivery.
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[MessageStatus] = mapped_column(
        enum_type(MessageStatus, "status"), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker owns a message being sent until then; afterwards another may.
    claimed_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    content: Mapped[MessageContent] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )
    # Set when written with a registration not yet flushed: one flush inserts both.
    registration: Mapped[Registration | None] = relationship()

    @property
    def body_text(self) -> str:
        return self.content.body_text

    @property
    def body_html(self) -> str:
        return self.content.body_html

    @property
    def attachments(self) -> list:
        return self.content.attachments

    @property
    def mime(self) -> bytes | None:
        return self.content.mime

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.kind} to={self.to_address} {self.status}>"


class Mailing(Model):
    """A message the organisers wrote to an audience of an event's registrants."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    audience: Mapped[MailingAudience] = mapped_column(enum_type(MailingAudience, "audience"))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # Markdown; {name} and the like are filled in per recipient.
    body: Mapped[str] = mapped_column(sa.Text)
    recipients_count: Mapped[int] = mapped_column(default=0)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it is to go, for a message scheduled ahead (None: sent at once).
    scheduled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its mailout started: from then on it can be neither changed nor cancelled. Set by
    # one guarded UPDATE (services/mail/mailings.py), so that two workers never start it twice.
    started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    attachments: Mapped[list[MailingAttachment]] = relationship(
        back_populates="mailing", order_by="MailingAttachment.id", passive_deletes=True
    )

    @property
    def is_scheduled(self) -> bool:
        """Waiting for its time: it can still be changed or cancelled."""
        return self.started_dt is None and self.cancelled_dt is None


class MailingAttachment(Model):
    """A file attached to a mailing (a document of the event or its series, copied once, or a
    file uploaded for it), or the address of a link document, listed in the message.

    Stored once for the whole mailing: the worker adds the file to each email as it sends it
    (services/mail/delivery.py), nothing of it is kept per recipient. An upload is stored when
    the message is previewed, before there is a mailing: `mailing_id` is None until it is sent
    or scheduled.
    """

    __tablename__ = "mailing_attachment"
    __table_args__ = (sa.CheckConstraint("(stored_name IS NULL) <> (url IS NULL)", name="file_or_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    mailing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mailing.id", ondelete="CASCADE"), index=True
    )
    # The document it was taken from (None: an upload, or the document removed since).
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    stored_name: Mapped[str | None] = mapped_column(sa.String(100))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(default=0)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mailing: Mapped[Mailing | None] = relationship(back_populates="attachments")

    @property
    def is_link(self) -> bool:
        return self.url is not None


class Mailout(Model):
    """An email to every person of an audience of an event (a follow-up, the notice of a
    change or of the cancellation, a mailing), written by the job queue a batch at a time,
    so that no request does work that grows with the audience (services/mail/mailouts.py).

    `cursor` is the id of the last registration done, in the order of ids: it moves in the
    transaction that writes the batch's emails, so a run again after a crash, or two runs at
    once, write each email once.
    """

    __table_args__ = (
        # The queue's sweep: mailouts still being written.
        sa.Index("ix_mailout_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailoutKind] = mapped_column(enum_type(MailoutKind, "kind"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    # The mailing whose messages it writes (a mailout of that kind).
    mailing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mailing.id", ondelete="CASCADE"), index=True
    )
    # What the kind needs to write the emails: the follow-up's audience, note and certificate, ...
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[MailoutStatus] = mapped_column(
        enum_type(MailoutStatus, "status"), default=MailoutStatus.WRITING
    )
    # How many people it was for when it started, and how many emails are written.
    total: Mapped[int] = mapped_column(default=0)
    written: Mapped[int] = mapped_column(default=0)
    cursor: Mapped[int] = mapped_column(default=0)
    # A run owns the mailout until then; afterwards the queue's sweep may resume it.
    claimed_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class MessageContent(Model):
    """What a message says, apart from its delivery state.

    Kept in a table of its own because the delivery state changes several times
    per message: on SQLite an UPDATE rewrites the whole row, and these are the
    kilobytes of it.
    """

    __tablename__ = "message_content"

    message_id: Mapped[int] = mapped_column(sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # [{"filename": ..., "content_type": ..., "content": <text>}]
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The exact bytes to send, built once: the worker adds nothing to SMTP itself,
    # and a retry sends the very same message (Message-ID, Date).
    mime: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # A message written but not composed yet (notifications.queue_to_compose): the values
    # of its templates and the method of its calendar invitation; None once composed.
    composition: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))

    message: Mapped[Message] = relationship(back_populates="content")


class SentReminder(Model):
    """That a registrant was sent the reminder due `minutes_before` the start.

    The unique key is what makes a reminder go out at most once, whatever
    number of schedulers run; moving an event re-arms the reminders whose
    moment is still ahead by deleting their rows.
    """

    __tablename__ = "sent_reminder"
    __table_args__ = (
        sa.UniqueConstraint(
            "registration_id", "minutes_before", name="uq_sent_reminder_registration_minutes"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    minutes_before: Mapped[int] = mapped_column()
    due_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
