"""The follow-up after an event: thanks and materials to those who came, "sorry we missed you" to the others.

Attendees are the registrants with an attendance marked as attended (walk-ins
have no registration, so no email); no-shows are the confirmed registrants
without one. Each person gets each kind of follow-up once: a send skips the
registrations that already have a Message of that kind.

Sending records a mailout (services/mail/mailouts.py) under the event's lock, so that a
double click or two organisers at once start one; the job queue then writes the emails,
certificates and all, a batch at a time, checking each batch against the messages
already written in the transaction that writes it: no one is emailed twice, even by a
run again after a crash.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...database import lock_row, utcnow, write_transaction
from ...extensions import db
from ...formatting import instant_in, long_date
from ...i18n import email_locale
from ...models import (
    Account,
    Attendance,
    Document,
    DocumentKind,
    Event,
    Mailout,
    MailoutKind,
    MailoutStatus,
    Message,
    Registration,
    RegistrationStatus,
)
from .. import audit
from ..links import external_url, manage_token
from . import certificates, mailouts, notifications, personal_links

NOTE_MAX = 5_000
CERTIFICATE_FILENAME = "certificate-of-attendance.pdf"


class Audience(enum.StrEnum):
    ATTENDEES = "attendees"
    NO_SHOWS = "no_shows"

    # Deliberately hides str.title(): an audience's title is its translated name.
    @property
    def title(self) -> str:  # type: ignore[override]
        titles = {
            Audience.ATTENDEES: _l("Attendees: a thank-you with the materials"),
            Audience.NO_SHOWS: _l("No-shows: “sorry we missed you”, with the materials"),
        }
        return str(titles[self])

    @property
    def kind(self) -> str:
        """The Message kind (and email template) of this follow-up."""
        return {Audience.ATTENDEES: "follow_up_attendee", Audience.NO_SHOWS: "follow_up_no_show"}[self]

    def subject(self, event: Event):
        if self is Audience.ATTENDEES:
            return _l("Thank you for taking part: %(title)s", title=event.title)
        return _l("Sorry we missed you: %(title)s", title=event.title)


class FollowUpError(Exception):
    """A follow-up the rules refuse; the message is shown to the organiser."""


class NotOver(FollowUpError):
    def __init__(self, event: Event) -> None:
        super().__init__(
            _l(
                "The follow-up can be sent once the event has ended (%(end)s).",
                end=instant_in(event.end_dt, event.zone),
            )
        )


class EventCancelled(FollowUpError):
    def __init__(self) -> None:
        super().__init__(_l("This event was cancelled: there is nothing to follow up."))


class EmptyAudience(FollowUpError):
    def __init__(self) -> None:
        super().__init__(_l("No one is in this audience: nothing would be sent."))


@dataclass(frozen=True)
class Draft:
    """What the organiser chose: validated by the form already."""

    audience: Audience
    note: str = ""
    with_certificate: bool = False

    @property
    def attaches_certificate(self) -> bool:
        return self.with_certificate and self.audience is Audience.ATTENDEES


@dataclass(frozen=True)
class Figures:
    """How many people an audience has, and how many of them already got its follow-up."""

    total: int
    sent: int

    @property
    def to_send(self) -> int:
        return self.total - self.sent


@dataclass(frozen=True)
class Preview:
    """The exact email one real recipient would get, never queued."""

    recipient: Registration
    # Its personal links hidden: a preview shows nobody a registrant's link.
    email: personal_links.ShownEmail
    figures: Figures


@dataclass(frozen=True)
class Outcome:
    """What a send started: the mailout writing the follow-up to `to_send` people (None when
    everyone had it), or the one already writing it (`to_send` 0)."""

    to_send: int
    already_sent: int
    mailout: Mailout | None = None


@dataclass(frozen=True)
class Material:
    title: str
    url: str


# --- who gets what ------------------------------------------------------------------


def _attended(event_id: int):
    return sa.and_(
        Attendance.event_id == event_id,
        Attendance.registration_id == Registration.id,
        Attendance.attended.is_(True),
    )


def recipients_query(event_id: int, audience: Audience) -> sa.Select[Registration, int]:
    """(registration, minutes attended) of the audience, earliest registration first."""
    if audience is Audience.ATTENDEES:
        query = sa.select(Registration, Attendance.minutes).join(Attendance, _attended(event_id))
    else:
        query = sa.select(Registration, sa.literal(0)).where(
            Registration.status == RegistrationStatus.CONFIRMED,
            ~sa.exists().where(_attended(event_id)),
        )
    return query.where(Registration.event_id == event_id).order_by(Registration.id)


def _already_sent(audience: Audience):
    return sa.exists().where(Message.kind == audience.kind, Message.registration_id == Registration.id)


def figures(event: Event) -> dict[Audience, Figures]:
    return {audience: _figures(event.id, audience) for audience in Audience}


def _figures(event_id: int, audience: Audience) -> Figures:
    counted = recipients_query(event_id, audience).order_by(None).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    sent = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(
                recipients_query(event_id, audience).where(_already_sent(audience)).order_by(None).subquery()
            )
        )
        or 0
    )
    return Figures(total, sent)


def refusal(event: Event) -> FollowUpError | None:
    """Why no follow-up can be sent now, or None."""
    if event.is_cancelled:
        return EventCancelled()
    if not event.is_past(utcnow()):
        return NotOver(event)
    return None


# --- what they get ------------------------------------------------------------------


def _document_url(document: Document, registration: Registration) -> str:
    """A link document as it is; a public file of a published event by its public address;
    anything else through the registrant's personal link."""
    if document.url is not None:  # a link document
        return document.url
    owner = document.event or document.series
    if document.is_public and owner is not None and owner.is_published:
        return external_url("public.document", document_id=document.id)
    return external_url("registration.document", token=manage_token(registration), document_id=document.id)


def _event_documents(event: Event) -> list[Document]:
    return list(event.documents) + (list(event.series.documents) if event.series else [])


def _materials(
    documents: list[Document], registration: Registration
) -> tuple[list[Material], Material | None]:
    """The public documents, and the recording (public or not: the email is personal)."""
    recording = next((d for d in documents if d.kind == DocumentKind.RECORDING), None)
    materials = [
        Material(document.title, _document_url(document, registration))
        for document in documents
        if document.is_public and document.kind != DocumentKind.RECORDING
    ]
    return materials, (
        Material(recording.title, _document_url(recording, registration)) if recording else None
    )


def certificate_pdf(event: Event, registration: Registration, minutes: int) -> bytes:
    """The registrant's certificate, in their language."""
    with force_locale(email_locale(registration.language)):
        certificate = certificates.certificate_for(event, registration.name, minutes)
    return certificates.render(certificate)


def attended_minutes(event: Event, registration_id: int) -> tuple[Registration, int] | None:
    """The attendee and their minutes, or None if they did not attend `event`."""
    row = db.session.execute(
        recipients_query(event.id, Audience.ATTENDEES).where(Registration.id == registration_id)
    ).first()
    return (row[0], row[1]) if row else None


def _compose(event: Event, draft: Draft, registration: Registration, minutes: int, documents) -> Message:
    """The registrant's follow-up, composed and not queued."""
    attachments = []
    if draft.attaches_certificate:
        pdf = certificate_pdf(event, registration, minutes)
        attachments.append(
            {
                "filename": CERTIFICATE_FILENAME,
                "content_type": "application/pdf",
                "content_b64": base64.b64encode(pdf).decode("ascii"),
            }
        )
    materials, recording = _materials(documents, registration)
    with force_locale(email_locale(registration.language)):
        event_date = long_date(event.start_dt.astimezone(event.zone))
    return notifications.render(
        draft.audience.kind,
        registration,
        draft.audience.subject(event),
        attachments=attachments,
        note=draft.note,
        materials=materials,
        recording=recording,
        minutes=minutes,
        event_date=event_date,
        certificate=CERTIFICATE_FILENAME if draft.attaches_certificate else "",
    )


# --- preview and send ---------------------------------------------------------------


def preview(event: Event, draft: Draft) -> Preview:
    """The email of the first person still to receive it (else of the first person at all)."""
    query = recipients_query(event.id, draft.audience)
    row = db.session.execute(query.where(~_already_sent(draft.audience)).limit(1)).first()
    row = row or db.session.execute(query.limit(1)).first()
    if row is None:
        raise EmptyAudience
    registration, minutes = row
    message = _compose(event, draft, registration, minutes, _event_documents(event))
    return Preview(registration, personal_links.shown(message), figures(event)[draft.audience])


def send(event: Event, draft: Draft, *, by: Account) -> Outcome:
    """Start the follow-up to everyone in the audience who has not had it yet: the job queue
    writes the emails once this commits. A follow-up to the same audience still being
    written is not started again."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)  # one follow-up send of an event at a time
        refused = refusal(event)
        if refused is not None:
            raise refused
        counted = _figures(event.id, draft.audience)
        if not counted.total:
            raise EmptyAudience
        running = _being_written(event, draft.audience)
        if running is not None or not counted.to_send:
            return Outcome(to_send=0, already_sent=counted.sent, mailout=running)
        mailout = mailouts.start(
            session,
            MailoutKind.FOLLOW_UP,
            event,
            counted.to_send,
            by=by,
            audience=draft.audience.value,
            note=draft.note,
            certificate=draft.with_certificate,
        )
        audit.record(
            "follow_up.send",
            event,
            f"follow-up to {counted.to_send} {draft.audience.value} of {event.title}",
            audience=draft.audience,
            count=counted.to_send,
            already_sent=counted.sent,
            certificate=draft.attaches_certificate,
            with_note=bool(draft.note),
            mailout_id=mailout.id,
        )
    return Outcome(to_send=counted.to_send, already_sent=counted.sent, mailout=mailout)


def _being_written(event: Event, audience: Audience) -> Mailout | None:
    running = mailouts.of_event(event, MailoutKind.FOLLOW_UP)
    return next(
        (
            mailout
            for mailout in running
            if mailout.status == MailoutStatus.WRITING and mailout.params["audience"] == audience.value
        ),
        None,
    )


def sends(event: Event) -> list[Mailout]:
    """The follow-ups sent after the event, the latest first."""
    return mailouts.of_event(event, MailoutKind.FOLLOW_UP)


# --- writing: the job queue's part (services/mail/mailouts.py) ------------------------------------------


def _draft(mailout: Mailout) -> Draft:
    params = mailout.params
    return Draft(Audience(params["audience"]), params.get("note", ""), bool(params.get("certificate")))


def _recipients(mailout: Mailout, after: int, limit: int) -> list[tuple[int, Registration, int]]:
    """The next (id, registration, minutes) still without this follow-up."""
    audience = _draft(mailout).audience
    query = (
        recipients_query(mailout.event_id, audience)
        .where(Registration.id > after, ~_already_sent(audience))
        .options(selectinload(Registration.delegate))
        .limit(limit)
    )
    return [(registration.id, registration, minutes) for registration, minutes in db.session.execute(query)]


def _compose_batch(mailout: Mailout, rows: Sequence) -> list[Message]:
    """Each person's email, certificate attached, rendered and not yet queued: the batch is
    queued in the short transaction that moves the mailout's cursor."""
    event = db.session.get_one(Event, mailout.event_id)
    draft, documents = _draft(mailout), _event_documents(event)
    return [_compose(event, draft, registration, minutes, documents) for _id, registration, minutes in rows]


def _write(session, mailout: Mailout, composed: list[Message]) -> int:
    """The batch's emails, but for anyone who got this follow-up meanwhile."""
    audience = _draft(mailout).audience
    had_it = set(
        session.scalars(
            sa.select(Registration.id).where(
                Registration.id.in_([message.registration_id for message in composed]),
                _already_sent(audience),
            )
        )
    )
    due = [message for message in composed if message.registration_id not in had_it]
    notifications.queue_composed(due)
    return len(due)


WRITER = mailouts.Writer(
    recipients=_recipients,
    compose=_compose_batch,
    write=_write,
    message_kind=lambda mailout: _draft(mailout).audience.kind,
)
