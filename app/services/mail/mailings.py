"""Messages the organisers write to an audience of an event's registrants.

A mailing is one Message per recipient in the outbox, each rendered in the
recipient's language with their name and personal manage link, and linked to
the mailing so that its progress can be counted. The send records the mailing and a
mailout (services/mail/mailouts.py); the job queue renders and writes the messages, a batch
at a time (2,000 of them took half a minute of the request), each recipient once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from ...database import lock_row, rowcount, utcnow, write_transaction
from ...extensions import db
from ...formatting import render_markdown
from ...models import (
    Account,
    Document,
    Event,
    Mailing,
    MailingAttachment,
    MailingAudience,
    Mailout,
    MailoutKind,
    Message,
    MessageStatus,
    Registration,
)
from .. import audit
from . import attachments, mailouts, notifications, personal_links

KIND = "organiser_message"
SUBJECT_MAX = 300
BODY_MAX = 20_000


class MailingError(Exception):
    """A mailing the rules refuse; the message is shown to the organiser."""


class EmptyAudience(MailingError):
    def __init__(self) -> None:
        super().__init__(_l("No one is in this audience at the moment: nothing would be sent."))


class StaleForm(MailingError):
    """Another message went to this event's registrants after the form was opened.

    Most often the same form sent twice (a double click, a reload): `newer` is
    then that very mailing, and nothing must go out again.
    """

    def __init__(self, newer: Mailing) -> None:
        super().__init__(
            _l("Another message was sent to this event's registrants after you opened this form.")
        )
        self.newer = newer


class PastTime(MailingError):
    def __init__(self) -> None:
        super().__init__(_l("This time has passed: choose a time to come, or send the message now."))


class AlreadyStarted(MailingError):
    """A scheduled message that started going (or was cancelled) meanwhile: too late to change it."""

    def __init__(self, mailing: Mailing) -> None:
        if mailing.cancelled_dt is not None:
            super().__init__(_l("This message was cancelled: it can no longer be changed."))
        else:
            super().__init__(
                _l("This message has started going out: it can no longer be changed or cancelled.")
            )


@dataclass(frozen=True)
class Draft:
    """What the organiser wrote: validated by the form already."""

    audience: MailingAudience
    subject: str
    body: str
    # The documents of the event or its series to attach, files uploaded for it
    # (MailingAttachment ids), and when to send it (UTC; None: now).
    document_ids: tuple[int, ...] = ()
    upload_ids: tuple[int, ...] = ()
    send_at: datetime | None = None

    def body_html(self) -> Markup:
        return render_markdown(self.body)

    def is_same_as(self, mailing: Mailing) -> bool:
        return (mailing.audience, mailing.subject, mailing.body) == (self.audience, self.subject, self.body)


@dataclass(frozen=True)
class Carried:
    """What a draft carries, checked: the documents (files and links) and the uploads."""

    documents: list[Document] = field(default_factory=list)
    uploads: list[MailingAttachment] = field(default_factory=list)
    size: int = 0

    @property
    def files(self) -> list[Document | MailingAttachment]:
        """What is attached as a file (each has a filename and a size_bytes)."""
        return [d for d in self.documents if not d.is_link] + list(self.uploads)

    @property
    def links(self) -> list[Document]:
        """The link documents, listed in the message."""
        return [d for d in self.documents if d.is_link]


def carried(event: Event, draft: Draft, mailing_id: int | None = None) -> Carried:
    """The draft's attachments, refused if one may not go to its audience, or if they weigh
    too much; attachments.AttachmentError says why."""
    documents = attachments.chosen_documents(event, draft.document_ids, draft.audience)
    uploads = attachments.uploads_of(event, draft.upload_ids, mailing_id)
    return Carried(documents, uploads, attachments.check_size(documents, uploads))


@dataclass(frozen=True)
class Preview:
    """The exact email the first recipient would get, never queued."""

    recipient: Registration
    recipients_count: int
    # Its personal links hidden: a preview shows nobody a registrant's link.
    email: personal_links.ShownEmail
    carried: Carried = field(default_factory=Carried)
    send_at: datetime | None = None


def audience_query(event_id: int, audience: MailingAudience) -> sa.Select:
    """The registrations a mailing to `audience` reaches, earliest registration first."""
    return (
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(audience.statuses()))
        .order_by(Registration.id)
    )


def audience_sizes(event: Event) -> dict[MailingAudience, int]:
    """How many people each audience reaches now, from one grouped query."""
    by_status = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    return {
        audience: sum(by_status.get(status, 0) for status in audience.statuses())
        for audience in MailingAudience
    }


def latest_mailing_id(event: Event) -> int:
    """The stamp a form carries: a send refuses to go if a newer mailing exists."""
    return db.session.scalar(sa.select(sa.func.max(Mailing.id)).where(Mailing.event_id == event.id)) or 0


def preview(event: Event, draft: Draft, mailing_id: int | None = None) -> Preview:
    _refuse_if_past(draft)
    with_files = carried(event, draft, mailing_id)
    query = audience_query(event.id, draft.audience)
    recipient = db.session.scalars(query.limit(1)).first()
    if recipient is None:
        raise EmptyAudience
    count = _count(draft.audience, event.id)
    email = _compose([recipient], draft, _links(with_files.links))[recipient.id]
    return Preview(recipient, count, personal_links.shown(email), with_files, draft.send_at)


def _count(audience: MailingAudience, event_id: int) -> int:
    query = audience_query(event_id, audience).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(query)) or 0


def _refuse_if_past(draft: Draft, now: datetime | None = None) -> None:
    if draft.send_at is not None and draft.send_at <= (now or utcnow()):
        raise PastTime


def send(event: Event, draft: Draft, *, by: Account, known_mailing_id: int) -> Mailing:
    """Record the mailing to the audience as it is now, unless a mailing newer than the
    form's stamp exists; the job queue writes its messages once this commits (or, for a
    message scheduled ahead, once `start_due` starts it)."""
    _refuse_if_past(draft)
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)  # one mailing of an event at a time
        _refuse_if_stale(event.id, known_mailing_id)
        with_files = carried(event, draft)
        count = _count(draft.audience, event.id)
        if not count:
            raise EmptyAudience
        mailing = Mailing(
            event=event,
            audience=draft.audience,
            subject=draft.subject,
            body=draft.body,
            recipients_count=count,
            account_id=by.id,
            scheduled_dt=draft.send_at,
        )
        session.add(mailing)
        session.flush()
        attachments.bind(session, mailing.id, event, with_files.documents, with_files.uploads)
        if draft.send_at is None:
            _start(session, mailing, by_id=by.id, now=utcnow())
            action = "mailing.send"
        else:
            action = "mailing.schedule"
        audit.record(
            action,
            mailing,
            f"“{draft.subject}” to {count} ({draft.audience.value}) of {event.title}",
            event_id=event.id,
            audience=draft.audience,
            count=count,
            scheduled=draft.send_at.isoformat() if draft.send_at else None,
            attachments=len(with_files.files),
        )
    return mailing


def _start(session: OrmSession, mailing: Mailing, *, by_id: int | None, now: datetime) -> None:
    mailing.started_dt = now
    by = session.get(Account, by_id) if by_id else None
    count = mailing.recipients_count
    mailouts.start(session, MailoutKind.MAILING, mailing.event, count, by=by, mailing_id=mailing.id)


# --- scheduled messages -----------------------------------------------------------------------


def scheduled_of(event: Event) -> list[Mailing]:
    """The event's messages waiting for their time, the soonest first."""
    return list(
        db.session.scalars(
            sa.select(Mailing)
            .where(Mailing.event_id == event.id, Mailing.started_dt.is_(None), Mailing.cancelled_dt.is_(None))
            .order_by(Mailing.scheduled_dt, Mailing.id)
        )
    )


def _claim_unstarted(session: OrmSession, mailing_id: int, values: dict, *where) -> bool:
    """One guarded UPDATE of a message not started nor cancelled: whoever changes it first
    (a worker starting it, an organiser cancelling it) wins, the other finds it changed."""
    changed = session.execute(
        sa.update(Mailing)
        .where(Mailing.id == mailing_id, Mailing.started_dt.is_(None), Mailing.cancelled_dt.is_(None), *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(changed) == 1


def start_due(now: datetime | None = None) -> int:
    """The queue's periodic task: start the scheduled messages whose time has come; returns
    how many this run started. Every worker may run it at once: each message starts once."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Mailing.id).where(
            Mailing.started_dt.is_(None), Mailing.cancelled_dt.is_(None), Mailing.scheduled_dt <= now
        )
    ).all()
    db.session.rollback()
    return sum(_start_scheduled(mailing_id, now) for mailing_id in due)


def _start_scheduled(mailing_id: int, now: datetime) -> bool:
    with write_transaction() as session:
        if not _claim_unstarted(session, mailing_id, {"started_dt": now}, Mailing.scheduled_dt <= now):
            return False
        mailing = session.get_one(Mailing, mailing_id, populate_existing=True)
        # Its audience as it is now, when it goes.
        mailing.recipients_count = _count(mailing.audience, mailing.event_id)
        _start(session, mailing, by_id=mailing.account_id, now=now)
        audit.record(
            "mailing.start",
            mailing,
            f"“{mailing.subject}” to {mailing.recipients_count} ({mailing.audience.value})",
            event_id=mailing.event_id,
            count=mailing.recipients_count,
        )
    return True


def update(mailing: Mailing, draft: Draft, *, by: Account) -> Mailing:
    """Change a scheduled message (text, audience, time, attachments) until it starts going;
    AlreadyStarted after."""
    _refuse_if_past(draft)
    with write_transaction() as session:
        if draft.send_at is None:  # the form asks for one: to send it now is a new message
            raise MailingError(_l("Choose when the message goes."))
        changes = {
            "audience": draft.audience,
            "subject": draft.subject,
            "body": draft.body,
            "scheduled_dt": draft.send_at,
        }
        if not _claim_unstarted(session, mailing.id, changes):
            raise AlreadyStarted(session.get_one(Mailing, mailing.id, populate_existing=True))
        mailing = session.get_one(Mailing, mailing.id, populate_existing=True)
        event = session.get_one(Event, mailing.event_id)
        with_files = carried(event, draft, mailing.id)
        count = _count(draft.audience, event.id)
        if not count:
            raise EmptyAudience
        mailing.recipients_count = count
        attachments.bind(session, mailing.id, event, with_files.documents, with_files.uploads)
        audit.record(
            "mailing.update",
            mailing,
            f"“{draft.subject}” to {count} ({draft.audience.value}) of {event.title}",
            event_id=event.id,
            scheduled=draft.send_at.isoformat(),
            attachments=len(with_files.files),
        )
    return mailing


def cancel(mailing: Mailing, *, by: Account) -> None:
    """Cancel a scheduled message before it starts going; AlreadyStarted after. Its files go."""
    with write_transaction() as session:
        if not _cancelled(session, mailing.id):
            raise AlreadyStarted(session.get_one(Mailing, mailing.id, populate_existing=True))


def cancel_scheduled_of(session: OrmSession, event: Event) -> int:
    """The event's scheduled messages that have not started, cancelled with it (a reminder
    for a meeting that no longer takes place must not go out); returns how many."""
    waiting = scheduled_of(event)
    return sum(_cancelled(session, mailing.id, ": the event is cancelled") for mailing in waiting)


def _cancelled(session: OrmSession, mailing_id: int, why: str = "") -> bool:
    """Whether the message, not started nor cancelled, is now cancelled: its files removed, an
    audit entry written."""
    if not _claim_unstarted(session, mailing_id, {"cancelled_dt": utcnow()}):
        return False
    mailing = session.get_one(Mailing, mailing_id, populate_existing=True)
    attachments.remove(session, list(mailing.attachments))
    audit.record("mailing.cancel", mailing, f"“{mailing.subject}”{why}", event_id=mailing.event_id)
    return True


def attachments_of(mailing: Mailing) -> list[MailingAttachment]:
    return list(mailing.attachments)


def _refuse_if_stale(event_id: int, known_mailing_id: int) -> None:
    newer = db.session.scalars(
        sa.select(Mailing)
        .where(Mailing.event_id == event_id, Mailing.id > known_mailing_id)
        .order_by(Mailing.id.desc())
        .limit(1)
    ).first()
    if newer is not None:
        raise StaleForm(newer)


def _compose(recipients: list[Registration], draft: Draft, links: list[dict]) -> dict[int, Message]:
    """Each recipient's message, composed and not queued: {registration id: message}. Its
    files are not in it: the worker adds them as it sends it (attachments.with_attachments)."""
    body_html = draft.body_html()
    return {
        registration.id: notifications.render(
            KIND, registration, draft.subject, body_html=body_html, body_text=draft.body, links=links
        )
        for registration in recipients
    }


# --- writing: the job queue's part (services/mail/mailouts.py) ------------------------------------------


def _written_for(mailing_id: int | None):
    return sa.exists().where(Message.mailing_id == mailing_id, Message.registration_id == Registration.id)


def _next_recipients(mailout: Mailout, after: int, limit: int) -> list[tuple[int, Registration]]:
    mailing = db.session.get_one(Mailing, mailout.mailing_id)
    query = (
        audience_query(mailing.event_id, mailing.audience)
        .where(Registration.id > after, ~_written_for(mailing.id))
        .options(selectinload(Registration.delegate))
        .limit(limit)
    )
    return [(registration.id, registration) for registration in db.session.scalars(query)]


def _compose_batch(mailout: Mailout, rows: Sequence) -> list[Message]:
    mailing = db.session.get_one(Mailing, mailout.mailing_id)
    draft = Draft(mailing.audience, mailing.subject, mailing.body)
    links = _links([a for a in mailing.attachments if a.is_link])
    return list(_compose([registration for _id, registration in rows], draft, links).values())


def _links(documents: Sequence[Document | MailingAttachment]) -> list[dict]:
    """The link documents as the email's template lists them (plain values)."""
    return [{"title": document.title, "url": document.url} for document in documents]


def _write(session: OrmSession, mailout: Mailout, composed: list[Message]) -> int:
    """The batch's messages, but for anyone who got this mailing meanwhile."""
    had_it = set(
        session.scalars(
            sa.select(Registration.id).where(
                Registration.id.in_([message.registration_id for message in composed]),
                _written_for(mailout.mailing_id),
            )
        )
    )
    due = [message for message in composed if message.registration_id not in had_it]
    for message in due:
        message.mailing_id = mailout.mailing_id
    notifications.queue_composed(due)
    return len(due)


WRITER = mailouts.Writer(
    recipients=_next_recipients,
    compose=_compose_batch,
    write=_write,
    message_kind=lambda _mailout: KIND,
)


# --- how far it is ------------------------------------------------------------------------------


def mailout_of(mailing: Mailing) -> Mailout | None:
    """The mailout writing the mailing's messages (None for a mailing sent before there were any)."""
    return db.session.scalar(sa.select(Mailout).where(Mailout.mailing_id == mailing.id))


def progress(mailing: Mailing) -> dict[MessageStatus, int]:
    """How many of the mailing's messages are in each state, in one grouped query."""
    return _progress_of([mailing.id])[mailing.id]


def _progress_of(mailing_ids: list[int]) -> dict[int, dict[MessageStatus, int]]:
    counts = {mailing_id: dict.fromkeys(MessageStatus, 0) for mailing_id in mailing_ids}
    if mailing_ids:
        rows = db.session.execute(
            sa.select(Message.mailing_id, Message.status, sa.func.count())
            .where(Message.mailing_id.in_(mailing_ids))
            .group_by(Message.mailing_id, Message.status)
        )
        for mailing_id, status, count in rows:
            assert mailing_id is not None  # the query keeps these mailings' messages only
            counts[mailing_id][status] = count
    return counts


@dataclass(frozen=True)
class SentMailing:
    mailing: Mailing
    sender: str
    progress: dict[MessageStatus, int]


def of_event(event: Event) -> list[SentMailing]:
    """The event's mailings that went (or are going), newest first, with who sent them and how
    far delivery is."""
    rows = db.session.execute(
        sa.select(Mailing, Account.name)
        .outerjoin(Account, Account.id == Mailing.account_id)
        .where(Mailing.event_id == event.id, Mailing.started_dt.is_not(None))
        .order_by(Mailing.id.desc())
    ).all()
    counts = _progress_of([mailing.id for mailing, _sender in rows])
    return [SentMailing(mailing, sender or "", counts[mailing.id]) for mailing, sender in rows]


def sender_name(mailing: Mailing) -> str:
    account = db.session.get(Account, mailing.account_id) if mailing.account_id else None
    return account.name if account else ""
