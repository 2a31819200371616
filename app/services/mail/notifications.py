"""The emails of a registration's life, written to the outbox.

Each `queue_*` function adds a Message to the outbox in the current unit of
work and returns its id; the worker is asked to deliver it once that unit has
committed (`database.on_commit`), and a unit that rolls back takes its emails
with it. `render` composes an email and queues nothing (a preview). Every email
is rendered in the registrant's language when the interface has it, from a
`templates/email/<kind>.txt` and `.html` pair; the HTML's stylesheet is
inlined by css-inline, as mail programs ignore <style> blocks.

The emails of a registration's life are *written* in the request (recipient,
subject, Message-ID and the few values of their template, in one row) and
*composed* by the queue's worker just before it first sends them
(`compose_written`): rendering, inlining and building the MIME took a third of
a registration's time, under the event's lock. The bytes composed are kept, so
a retry sends the very same message. Messages whose content is chosen by an
organiser (mailings, follow-up) or that the worker itself queues (reminders)
are composed at once (`render`, then `queue_composed`), as the organiser
previews them.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address, AddressHeader
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import formatdate, make_msgid
from typing import cast

import css_inline
import segno
import sqlalchemy as sa
from email_validator import validate_email
from flask import current_app, render_template
from flask_babel import force_locale, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import contains_eager, joinedload

from ...database import on_commit, write_transaction
from ...extensions import db
from ...formatting import event_when, time_range
from ...i18n import email_locale
from ...models import Event, EventFormat, Message, MessageContent, MessageStatus, Registration
from .. import regions
from ..join_links import join_url_for
from ..links import (
    MY_REGISTRATIONS_LINK_LIFE,
    check_in_code,
    external_url,
    manage_url,
    my_registrations_url,
    site_host,
)
from . import personal_links
from .calendar import registration_calendar
from .headers import BODY_POLICY, HEADER_POLICY, HEADERS, PARSE_POLICY

log = logging.getLogger(__name__)


def _kick_delivery() -> None:
    # Imported when needed: tasks imports delivery, which imports this module, so a module-level
    # import fails whenever this module is the first of the three to be imported.
    from .tasks import kick_delivery

    kick_delivery()


NOT_COMPOSED = "refused: the message could not be composed safely"
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render(
    kind: str, registration: Registration, subject, attachments: list | None = None, **context
) -> Message:
    """The email `templates/email/<kind>.txt|.html` composed for a registrant, and queued
    nowhere: to show as a preview, or to queue with `queue_composed`.

    `subject` is a lazy string: it is translated here, with the templates, into
    the registrant's language.
    """
    with force_locale(email_locale(registration.language)):
        message = _new_message(
            kind,
            registration.email,
            registration.name,
            str(subject),
            attachments or [],
            _context(registration, context),
        )
    message.registration_id = registration.id
    compose(message)
    return message


def _context(registration: Registration, context: dict) -> dict:
    """A registrant's email template's values: the registration, its event and links."""
    event = registration.event
    return dict(
        context,
        registration=registration,
        event=event,
        when=event_when(event),
        manage_url=manage_url(registration),
        event_url=external_url("public.event", event_id=event.id),
        # Their own join link once the platform gave it (a secret: hidden in the stored copy).
        join_link=join_url_for(registration) or event.join_url,
    )


def queue_account_email(
    kind: str, to_address: str, to_name: str, subject, language: str = "", **context
) -> int:
    """An email to someone who is no registrant (an account's invitation, a focal point, a
    nominee), in their `language` when the interface has it, else in the site's own."""
    with force_locale(email_locale(language)):
        message = _new_message(kind, to_address, to_name, str(subject), [], context)
    compose(message)
    return queue_composed([message])[0]


def queue_composed(messages: list[Message]) -> list[int]:
    """Add messages composed by `render` to the outbox, in one flush; returns their ids."""
    if not messages:
        return []
    session = db.session()
    session.add_all(messages)
    session.flush()
    on_commit(_kick_delivery)
    return [message.id for message in messages]


# A mapped class's table is a Table (SQLAlchemy types it as any FromClause).
MESSAGES, CONTENTS = cast(sa.Table, Message.__table__), cast(sa.Table, MessageContent.__table__)
NEW_MESSAGE = sa.insert(MESSAGES).returning(MESSAGES.c.id)
NEW_CONTENT = sa.insert(CONTENTS)
WRITTEN_CONTENT = {"body_text": "", "body_html": "", "attachments": []}  # the worker composes them


def queue_to_compose(
    kind: str, registration: Registration, subject, calendar: str | None = None, **context
) -> int:
    """Add an email for a registrant to the outbox, to be composed by the worker; returns
    the new message's id.

    `context` holds the values its templates need besides the registration and
    its event, plain JSON values only; `calendar` is the method ("REQUEST",
    "CANCEL") of an .ics invitation to attach, if any.
    """
    with force_locale(email_locale(registration.language)):
        subject = str(subject)
    session = db.session()
    if registration.id is None:
        session.flush()
    # Two INSERTs of their own, not the unit of work's flush: they were a fifth of a registration's time.
    message_id: int = session.execute(
        NEW_MESSAGE,
        {
            "kind": kind,
            "registration_id": registration.id,
            "to_address": registration.email,
            "to_name": registration.name,
            "subject": subject,
            "message_id": make_msgid(domain=site_host()),
        },
    ).scalar_one()
    composition = {"context": context, "calendar": calendar}
    session.execute(NEW_CONTENT, {"message_id": message_id, **WRITTEN_CONTENT, "composition": composition})
    on_commit(_kick_delivery)
    return message_id


def compose_written(message_ids: list[int]) -> dict[int, bytes | str]:
    """Compose the written messages among `message_ids` and keep what they say:
    {id: the MIME bytes, or why the message is not to be sent}.

    Rendered in a read-only transaction, then stored in one short write, so that
    registrations are not kept waiting for the templates.
    """
    session: OrmSession = db.session()
    messages = session.scalars(
        sa.select(Message)
        .join(Message.content)
        .where(Message.id.in_(message_ids), MessageContent.composition.is_not(None))
        .options(contains_eager(Message.content))
    ).all()
    registrations: dict[int | None, Registration] = {
        registration.id: registration
        for registration in session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_({message.registration_id for message in messages}))
            .options(joinedload(Registration.event), joinedload(Registration.delegate))
        )
    }
    results = {
        message.id: _compose_written(message, registrations.get(message.registration_id))
        for message in messages
    }
    session.rollback()
    with write_transaction() as session:
        for message_id, result in results.items():
            if result.columns is not None:
                # Only if still to compose: an erasure meanwhile has emptied it for good.
                session.execute(
                    sa.update(MessageContent)
                    .where(MessageContent.message_id == message_id, MessageContent.composition.is_not(None))
                    .values(composition=None, **result.columns)
                    .execution_options(synchronize_session=False)
                )
    return {message_id: result.mime or result.refusal for message_id, result in results.items()}


@dataclass(frozen=True)
class Composition:
    """What composing one written message gave: the columns to keep (None: keep it to
    compose again later), and its bytes or why it is not to be sent."""

    columns: dict | None
    mime: bytes | None = None
    refusal: str = NOT_COMPOSED


def _compose_written(message: Message, registration: Registration | None) -> Composition:
    if registration is None:  # deleted since: never to be sent
        return Composition({}, refusal="refused: the registration it was written for no longer exists")
    try:
        copy = composed(message, registration)
    except Exception as error:  # one broken message must not hold up the rest of the outbox
        log.exception("message %s (%s) could not be composed", message.id, message.kind)
        return Composition(None, refusal=f"could not be composed: {type(error).__name__}")
    if copy.status == MessageStatus.FAILED:  # a header would carry a line break: never sent
        return Composition({}, refusal=copy.last_error)
    content = copy.content
    columns = {
        "body_text": content.body_text,
        "body_html": content.body_html,
        "attachments": content.attachments,
        "mime": content.mime,
    }
    return Composition(columns, mime=content.mime)


def composed(message: Message, registration: Registration) -> Message:
    """A written message as it will be sent: a composed copy, the original untouched
    (a message composed when queued is returned as it is)."""
    composition = message.content.composition
    if composition is None:
        return message
    calendar = composition["calendar"]
    with force_locale(email_locale(registration.language)):
        attachments = [_calendar_attachment(registration, cancel=calendar == "CANCEL")] if calendar else []
        context = _context(registration, composition["context"])
        if message.kind in MORE_CONTEXT:
            context.update(MORE_CONTEXT[message.kind](registration, composition["context"]))
        if message.kind == CONFIRMATION and registration.event.format != EventFormat.ONLINE:
            attachments.append(_check_in_qr(registration))
            context["check_in_qr"] = CHECK_IN_QR_ID
        content = _content(message.kind, attachments, context)
    copy = Message(
        kind=message.kind,
        registration_id=message.registration_id,
        to_address=message.to_address,
        to_name=message.to_name,
        subject=message.subject,
        message_id=message.message_id,
        content=content,
    )
    compose(copy)
    return copy


def _new_message(
    kind: str, to_address: str, to_name: str, subject: str, attachments: list, context: dict
) -> Message:
    return Message(
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        subject=subject,
        message_id=make_msgid(domain=site_host()),
        content=_content(kind, attachments, context),
    )


def _content(kind: str, attachments: list, context: dict) -> MessageContent:
    return MessageContent(
        body_text=render_template(f"email/{kind}.txt", **context),
        body_html=_inliner.inline(render_template(f"email/{kind}.html", **context)),
        attachments=attachments,
    )


def compose(message: Message) -> None:
    """Build the MIME bytes now; a message whose headers would carry a line break is never sent.

    Only those bytes carry the personal links (a manage link, an invitation), until the
    message is sent: the text, HTML and attachments kept beside them, which the console
    shows, have a placeholder instead (see personal_links).
    """
    try:
        message.content.mime = mime_bytes(message)
    except UnsafeHeader as error:
        message.status = MessageStatus.FAILED
        message.last_error = str(error)
    personal_links.hide_in(message.content)


class UnsafeHeader(ValueError):
    """A header value holds a line break: sending it could add headers of an attacker's choosing."""


# What shapes an address list. Address quotes an ASCII name that holds one; a name sent as an
# RFC 2047 encoded word is quoted inside the encoding as well, because some mail programs
# decode such words before they split the list (as does anyone reading one written by hand).
ADDRESS_SYNTAX = frozenset('<>,;:@"\\()[]')


def mime_bytes(message: Message) -> bytes:
    """The bytes to send. Should the recipient's name, as written, read as anything but the one
    recipient, the name is left out: the message still reaches that address, and only it."""
    policy = _header_policy(message.to_address)
    data = build(message).as_bytes(policy=policy)
    if _recipients(data) != [_header_address(message.to_address).addr_spec]:
        log.warning("message %s: the recipient's name is left out, it would not stay one address", message.id)
        data = build(message, with_name=False).as_bytes(policy=policy)
    return data


def build(message: Message, with_name: bool = True) -> EmailMessage:
    """The email for an outbox row, its Message-ID fixed at queue time, each address header made
    of one `Address`: a name can never add, remove or change a recipient."""
    _refuse_line_breaks(message.subject, message.to_name, message.to_address)
    mime = EmailMessage(policy=BODY_POLICY)
    mime["Subject"] = message.subject
    mime["From"] = sender_address(current_app.extensions["mail"].default_sender)
    mime["To"] = _header_address(message.to_address, message.to_name if with_name else "")
    mime["Date"] = formatdate(localtime=True)
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.body_text)
    if message.body_html:
        mime.add_alternative(message.body_html, subtype="html")
        for item in message.attachments:
            if "content_id" in item:
                _add_inline_image(mime, item)
    for item in message.attachments:
        if _is_invitation(item):
            _add_invitation(mime, item)
    for item in message.attachments:
        if "content_id" not in item:
            _attach(mime, item)
    return mime


def _add_inline_image(mime: EmailMessage, item: dict) -> None:
    """An image the HTML shows (cid:), beside it in a multipart/related part."""
    html = mime.get_body(preferencelist=("html",))
    maintype, _, subtype = item["content_type"].partition("/")
    if html is not None:
        html.add_related(
            _attachment_bytes(item),
            maintype=maintype,
            subtype=subtype,
            cid=f"<{item['content_id']}>",
            filename=item["filename"],
            disposition="inline",
        )


def _is_invitation(item: dict) -> bool:
    return item["content_type"].startswith("text/calendar") and "method=" in item["content_type"]


def _add_invitation(mime: EmailMessage, item: dict) -> None:
    """An invitation is also one of the message's alternatives (text/calendar with its METHOD),
    as Outlook and Gmail expect to show an invitation card with its buttons rather than a
    file; the .ics stays attached for the programs that only read attachments."""
    method = item["content_type"].rpartition("method=")[2].strip()
    mime.add_alternative(item["content"], subtype="calendar", params={"method": method})


def _refuse_line_breaks(*values: str) -> None:
    """A line break would end the header: what follows would be headers of the sender's choosing.
    Every line break str.splitlines knows, as Python's email package refuses them all."""
    if any(len(f"{value}.".splitlines()) > 1 for value in values):
        raise UnsafeHeader("refused: a header contains a line break")


def sender_address(sender: str | tuple[str, str]) -> Address:
    """MAIL_DEFAULT_SENDER ("Name <address>" or Flask-Mail's (name, address)) as one address."""
    if isinstance(sender, tuple | list):
        name, address = sender
        return _header_address(address, name)
    addresses = cast(AddressHeader, HEADERS("From", sender)).addresses
    if len(addresses) != 1 or not addresses[0].domain:
        raise ValueError(f"MAIL_DEFAULT_SENDER must be one address, like Name <name@example.org>: {sender!r}")
    return _header_address(addresses[0].addr_spec, addresses[0].display_name)


def _header_address(address: str, name: str = "") -> Address:
    """The address as a header holds it: its domain in ASCII (IDNA), its name shielded."""
    local_part, _, domain = address.rpartition("@")
    if not domain.isascii():
        domain = validate_email(address, check_deliverability=False).ascii_domain
    return Address(display_name=_shielded(name), username=local_part, domain=domain)


def _shielded(name: str) -> str:
    if "=?" in name or (not name.isascii() and not ADDRESS_SYNTAX.isdisjoint(name)):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return name


def _header_policy(address: str):
    """An address whose local part is not ASCII can only go in a UTF-8 header (SMTPUTF8)."""
    return HEADER_POLICY if address.rpartition("@")[0].isascii() else HEADER_POLICY.clone(utf8=True)


def _recipients(data: bytes) -> list[str]:
    """The addresses a mail program reads in the To header of `data` (headers in ASCII, or in
    UTF-8 for an address that needs it)."""
    head = data.partition(b"\r\n\r\n")[0].decode("utf-8")
    headers = HeaderParser(policy=PARSE_POLICY).parsestr(head, headersonly=True)
    return [address.addr_spec for address in headers["To"].addresses]


def _attach(mime: EmailMessage, item: dict) -> None:
    content_type, *params = (part.strip() for part in item["content_type"].split(";"))
    maintype, _, subtype = content_type.partition("/")
    mime.add_attachment(
        _attachment_bytes(item),
        maintype=maintype,
        subtype=subtype,
        filename=item["filename"],
        params=dict(param.split("=", 1) for param in params),
    )


def _attachment_bytes(item: dict) -> bytes:
    """Text attachments are kept as text; binary ones (a PDF) as base64 under "content_b64"."""
    if "content_b64" in item:
        return base64.b64decode(item["content_b64"])
    return item["content"].encode("utf-8")


def _calendar_attachment(registration: Registration, cancel: bool = False) -> dict:
    method = "CANCEL" if cancel else "REQUEST"
    return {
        "filename": "invitation.ics",
        "content_type": f"text/calendar; charset=utf-8; method={method}",
        "content": registration_calendar(registration, cancel=cancel).decode("utf-8"),
    }


CONFIRMATION = "registration_confirmed"
# The Content-ID of the confirmation's QR code, which its HTML shows as <img src="cid:...">.
CHECK_IN_QR_ID = "check-in-code"


def _check_in_qr(registration: Registration) -> dict:
    """The delegate's check-in code as a PNG, shown inside the HTML of the email (a related
    part, not an attachment); "personal": the stored copy keeps its name, not its bytes."""
    png = io.BytesIO()
    segno.make_qr(check_in_code(registration), error="m").save(png, kind="png", scale=6, border=4)
    return {
        "filename": "check-in.png",
        "content_type": "image/png",
        "content_b64": base64.b64encode(png.getvalue()).decode("ascii"),
        "content_id": CHECK_IN_QR_ID,
        "personal": True,
    }


def queue_confirmation(registration: Registration, promoted: bool = False, approved: bool = False) -> int:
    title = registration.event.title
    if promoted:
        subject = _l("A seat is yours: %(title)s", title=title)
    elif approved:
        subject = _l("Registration approved: %(title)s", title=title)
    else:
        subject = _l("Registration confirmed: %(title)s", title=title)
    return queue_to_compose(
        CONFIRMATION,
        registration,
        subject,
        calendar="REQUEST",
        promoted=promoted,
        approved=approved,
    )


def queue_waitlisted(registration: Registration, position: int) -> int:
    subject = _l("Waiting list: %(title)s", title=registration.event.title)
    return queue_to_compose("registration_waitlisted", registration, subject, position=position)


def queue_pending(registration: Registration) -> int:
    subject = _l("Registration received: %(title)s", title=registration.event.title)
    return queue_to_compose("registration_pending", registration, subject)


def queue_cancelled(registration: Registration) -> int:
    subject = _l("Registration cancelled: %(title)s", title=registration.event.title)
    # METHOD:CANCEL for the entry the confirmation put in their calendar (a calendar program
    # ignores one for an entry it never had, as after a waiting list).
    return queue_to_compose("registration_cancelled", registration, subject, calendar="CANCEL")


def queue_already_registered(registration: Registration) -> int:
    """Answers a repeated registration: only the address's owner learns anything."""
    subject = _l("Your registration: %(title)s", title=registration.event.title)
    return queue_to_compose("registration_reminder_link", registration, subject)


MANAGE_LINKS = "manage_links"


def queue_manage_links(registration: Registration, registrations: Sequence[Registration]) -> int:
    """The links to each of `registrations`, a person's, in one email to `registration`'s address
    (the one asked for): made when the worker composes it, from each registration's current key."""
    subject = _l("The links to your registrations")
    return queue_to_compose(
        MANAGE_LINKS, registration, subject, registration_ids=[other.id for other in registrations]
    )


def _manage_links(registration: Registration, context: dict) -> dict:
    """The email of links lists each registration it was written for that is still the person's
    and still kept (one erased or anonymised meanwhile is left out), the latest event first."""
    kept = db.session.scalars(
        sa.select(Registration)
        .join(Registration.event)
        .where(
            Registration.id.in_(context["registration_ids"]),
            Registration.delegate_id == registration.delegate_id,
            Registration.anonymised_dt.is_(None),
        )
        .options(contains_eager(Registration.event))
        .order_by(Event.start_dt.desc(), Registration.id.desc())
    ).all()
    links = [
        {
            "title": other.event.title,
            "when": event_when(other.event),
            "status": other.status.title,
            "url": manage_url(other),
        }
        for other in kept
    ]
    return {"links": links}


MY_REGISTRATIONS = "my_registrations"


def queue_my_registrations(registration: Registration) -> int:
    """One link to the list of all the person's registrations, to `registration`'s address (the
    newest speaks for the person: their name and language). The link is made when the worker
    composes the email, so that it is dated from then and never written to the outbox."""
    return queue_to_compose(MY_REGISTRATIONS, registration, _l("Your registrations"))


def _my_registrations_link(registration: Registration, _context: dict) -> dict:
    hours = int(MY_REGISTRATIONS_LINK_LIFE.total_seconds() // 3600)
    return {"my_registrations_url": my_registrations_url(registration.delegate), "hours": hours}


DETAIL_LABELS = {
    "name": _l("Full name"),
    "organisation": _l("Organisation"),
    "organisation_kind": _l("Kind of organisation"),
    "country": _l("Country"),
    "job_title": _l("Job title"),
    "language": _l("Preferred language"),
    "consent_participant_list": _l("In the list of participants"),
}


def queue_details_changed(
    registration: Registration, more_lines: Callable[[str], list[tuple[str, str]]] | None = None
) -> int:
    """`more_lines(locale)`: lines a domain above this one adds (the answers to the organisers'
    questions, which the registration service reads)."""
    locale = email_locale(registration.language)
    with force_locale(locale):  # the labels and values, translated
        details = [(str(label), str(_display(registration, name))) for name, label in DETAIL_LABELS.items()]
        details += more_lines(locale) if more_lines else []
    subject = _l("Registration details changed: %(title)s", title=registration.event.title)
    return queue_to_compose("registration_changed", registration, subject, details=details)


def _display(registration: Registration, name: str) -> str:
    value = getattr(registration, name)
    if name == "organisation_kind":
        return value.title
    if name == "country":
        return regions.country_name(value) if value else "–"  # in the email's language
    if name == "language":
        return current_app.config["LANGUAGES"].get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value or "–")


def queue_rejected(registration: Registration, reason: str = "") -> int:
    subject = _l("Registration not accepted: %(title)s", title=registration.event.title)
    return queue_to_compose("registration_rejected", registration, subject, reason=reason)


def queue_reminder(registration: Registration, reminder) -> int:
    with force_locale(email_locale(registration.language)):  # "in 1 hour", in their words
        starts_in = _("in %(delta)s", delta=format_timedelta(timedelta(minutes=reminder.minutes)))
    subject = _l(
        "Reminder: %(title)s starts %(when_relative)s",
        title=registration.event.title,
        when_relative=starts_in,
    )
    message = render("reminder", registration, subject, reminder=reminder, starts_in=starts_in)
    return queue_composed([message])[0]


# As secret as one another: each goes only where the join link goes (confirmed registrants).
JOIN_DETAIL_FIELDS = ("join_url", "join_passcode", "dial_in")


def queue_event_changed(registration: Registration, with_calendar: bool, changes: dict | None = None) -> int:
    """`changes`: {field: {"old": ..., "new": ...}} as event_notices records them; the join
    details are kept only in the emails of the confirmed, who alone receive them."""
    subject = _l("Changed: %(title)s", title=registration.event.title)
    if not with_calendar:
        changes = {
            field: change for field, change in (changes or {}).items() if field not in JOIN_DETAIL_FIELDS
        }
    return queue_to_compose(
        "event_changed",
        registration,
        subject,
        calendar="REQUEST" if with_calendar else None,
        with_calendar=with_calendar,
        changes=changes or {},
    )


CHANGE_LABELS = {
    "when": _l("Date and time"),
    "format": _l("Format"),
    "place": _l("Place"),
    "join_url": _l("Join link"),
    "join_passcode": _l("Passcode"),
    "dial_in": _l("Dial-in"),
}


def _event_changes(registration: Registration, context: dict) -> dict:
    """The changes of an event's notice, in the registrant's language: each with its label,
    its old and its new value, times in the event's zone with their offset."""
    zone = registration.event.zone
    changes = []
    for field, label in CHANGE_LABELS.items():
        change = context.get("changes", {}).get(field)
        if change is not None:
            old, new = (_changed_value(field, change[side], zone) for side in ("old", "new"))
            changes.append({"label": str(label), "old": old, "new": new})
    return {"changes": changes}


def _changed_value(field: str, value, zone) -> str:
    if field == "when":
        start, end = (datetime.fromisoformat(instant) for instant in value)
        return time_range(start, end, zone)
    if field == "format":
        return EventFormat(value).title
    return value or _("none")


# What an email's template needs beyond its registration, read when it is composed.
MORE_CONTEXT = {
    MANAGE_LINKS: _manage_links,
    MY_REGISTRATIONS: _my_registrations_link,
    "event_changed": _event_changes,
}


def queue_event_cancelled(registration: Registration, with_calendar: bool, note: str = "") -> int:
    subject = _l("Cancelled: %(title)s", title=registration.event.title)
    return queue_to_compose(
        "event_cancelled",
        registration,
        subject,
        calendar="CANCEL" if with_calendar else None,
        with_calendar=with_calendar,
        note=note,
    )
