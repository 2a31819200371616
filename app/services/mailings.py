"""Messages the organisers write to an audience of an event's registrants.

A mailing is one Message per recipient in the outbox, each rendered in the
recipient's language with their name and personal manage link, and linked to
the mailing so that its progress can be counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from ..database import lock_row, write_transaction
from ..extensions import db
from ..formatting import render_markdown
from ..models import (
    Account,
    Event,
    Mailing,
    MailingAudience,
    Message,
    MessageStatus,
    Registration,
)
from . import audit, notifications, personal_links

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
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return Preview(recipient, count, personal_links.shown(_compose([recipient], draft)[recipient.id]))


def send(event: Event, draft: Draft, *, by: Account, known_mailing_id: int) -> Mailing:
    """Queue one message per recipient, unless a mailing newer than the form's stamp exists.

    The messages are composed before the write lock is taken (a few
    milliseconds each: seconds for thousands), so registrations are not kept
    waiting; whoever joined or left the audience meanwhile is accounted for
    under the lock.
    """
    _refuse_if_stale(event.id, known_mailing_id)
    composed = _compose(_recipients(event.id, draft.audience), draft)
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)  # one mailing of an event at a time
        _refuse_if_stale(event.id, known_mailing_id)
        recipient_ids = session.scalars(
            audience_query(event.id, draft.audience).with_only_columns(Registration.id)
        ).all()
        if not recipient_ids:
            raise EmptyAudience
        latecomers = [registration_id for registration_id in recipient_ids if registration_id not in composed]
        if latecomers:
            composed.update(_compose(_recipients(event.id, draft.audience, latecomers), draft))
        mailing = Mailing(
            event=event,
            audience=draft.audience,
            subject=draft.subject,
            body=draft.body,
            recipients_count=len(recipient_ids),
            account_id=by.id,
        )
        session.add(mailing)
        session.flush()
        messages = [composed[registration_id] for registration_id in recipient_ids]
        for message in messages:
            message.mailing_id = mailing.id
        notifications.queue_composed(messages)
        audit.record(
            "mailing.send",
            mailing,
            f"“{draft.subject}” to {len(recipient_ids)} ({draft.audience.value}) of {event.title}",
            event_id=event.id,
            audience=draft.audience,
            count=len(recipient_ids),
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


def _recipients(
    event_id: int, audience: MailingAudience, only: list[int] | None = None
) -> list[Registration]:
    query = audience_query(event_id, audience).options(selectinload(Registration.delegate))
    if only is not None:
        query = query.where(Registration.id.in_(only))
    return list(db.session.scalars(query))


def _compose(recipients: list[Registration], draft: Draft) -> dict[int, Message]:
    """Each recipient's message, composed and not queued: {registration id: message}."""
    body_html = draft.body_html()
    return {
        registration.id: notifications.render(
            KIND, registration, draft.subject, body_html=body_html, body_text=draft.body
        )
        for registration in recipients
    }


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
