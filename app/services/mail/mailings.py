"""Messages the organisers write to an audience of an event's registrants.

A mailing is one Message per recipient in the outbox, each rendered in the
recipient's language with their name and personal manage link, and linked to
the mailing so that its progress can be counted. The send records the mailing and a
mailout (services/mail/mailouts.py); the job queue renders and writes the messages, a batch
at a time (2,000 of them took half a minute of the request), each recipient once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from ...database import lock_row, write_transaction
from ...extensions import db
from ...formatting import render_markdown
from ...models import (
    Account,
    Event,
    Mailing,
    MailingAudience,
    Mailout,
    MailoutKind,
    Message,
    MessageStatus,
    Registration,
)
from .. import audit
from . import mailouts, notifications, personal_links

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


@dataclass(frozen=True)
class Draft:
    """What the organiser wrote: validated by the form already."""

    audience: MailingAudience
    subject: str
    body: str

    def body_html(self) -> Markup:
        return render_markdown(self.body)

    def is_same_as(self, mailing: Mailing) -> bool:
        return (mailing.audience, mailing.subject, mailing.body) == (self.audience, self.subject, self.body)


@dataclass(frozen=True)
class Preview:
    """The exact email the first recipient would get, never queued."""

    recipient: Registration
    recipients_count: int
    # Its personal links hidden: a preview shows nobody a registrant's link.
    email: personal_links.ShownEmail


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


def preview(event: Event, draft: Draft) -> Preview:
    query = audience_query(event.id, draft.audience)
    recipient = db.session.scalars(query.limit(1)).first()
    if recipient is None:
        raise EmptyAudience
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    return Preview(recipient, count, personal_links.shown(_compose([recipient], draft)[recipient.id]))


def send(event: Event, draft: Draft, *, by: Account, known_mailing_id: int) -> Mailing:
    """Record the mailing to the audience as it is now, unless a mailing newer than the
    form's stamp exists; the job queue writes its messages once this commits."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)  # one mailing of an event at a time
        _refuse_if_stale(event.id, known_mailing_id)
        count = session.scalar(
            sa.select(sa.func.count()).select_from(
                audience_query(event.id, draft.audience).order_by(None).subquery()
            )
        )
        if not count:
            raise EmptyAudience
        mailing = Mailing(
            event=event,
            audience=draft.audience,
            subject=draft.subject,
            body=draft.body,
            recipients_count=count,
            account_id=by.id,
        )
        session.add(mailing)
        session.flush()
        mailouts.start(session, MailoutKind.MAILING, event, count, by=by, mailing_id=mailing.id)
        audit.record(
            "mailing.send",
            mailing,
            f"“{draft.subject}” to {count} ({draft.audience.value}) of {event.title}",
            event_id=event.id,
            audience=draft.audience,
            count=count,
        )
    return mailing


def _refuse_if_stale(event_id: int, known_mailing_id: int) -> None:
    newer = db.session.scalars(
        sa.select(Mailing)
        .where(Mailing.event_id == event_id, Mailing.id > known_mailing_id)
        .order_by(Mailing.id.desc())
        .limit(1)
    ).first()
    if newer is not None:
        raise StaleForm(newer)


def _compose(recipients: list[Registration], draft: Draft) -> dict[int, Message]:
    """Each recipient's message, composed and not queued: {registration id: message}."""
    body_html = draft.body_html()
    return {
        registration.id: notifications.render(
            KIND, registration, draft.subject, body_html=body_html, body_text=draft.body
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
    return list(_compose([registration for _id, registration in rows], draft).values())


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
    """The event's mailings, newest first, with who sent them and how far delivery is."""
    rows = db.session.execute(
        sa.select(Mailing, Account.name)
        .outerjoin(Account, Account.id == Mailing.account_id)
        .where(Mailing.event_id == event.id)
        .order_by(Mailing.id.desc())
    ).all()
    counts = _progress_of([mailing.id for mailing, _sender in rows])
    return [SentMailing(mailing, sender or "", counts[mailing.id]) for mailing, sender in rows]


def sender_name(mailing: Mailing) -> str:
    account = db.session.get(Account, mailing.account_id) if mailing.account_id else None
    return account.name if account else ""
