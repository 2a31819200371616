"""The emails of a registration's life, written to the outbox.

Each function adds a Message to the current unit of work; it is delivered
only if that unit commits (see `database.write_transaction`).
"""

from __future__ import annotations

from email.utils import make_msgid

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..database import OUTBOX_DIRTY
from ..extensions import db
from ..formatting import event_when
from ..i18n import email_locale
from ..models import Message, Registration
from .calendar import registration_calendar
from .links import external_url, manage_url, site_host


def queue_email(
    kind: str, registration: Registration, subject: str, attachments: list | None = None, **context
) -> Message:
    """Render `templates/email/<kind>.txt|.html` for a registrant and add it to the outbox."""
    event = registration.event
    context.update(
        registration=registration,
        event=event,
        when=event_when(event),
        manage_url=manage_url(registration),
        event_url=external_url("public.event", event_id=event.id),
    )
    message = Message(
        kind=kind,
        registration_id=registration.id,
        to_address=registration.email,
        to_name=registration.name,
        subject=subject,
        body_text=render_template(f"email/{kind}.txt", **context),
        body_html=render_template(f"email/{kind}.html", **context),
        attachments=attachments or [],
        message_id=make_msgid(domain=site_host()),
    )
    session = db.session()
    session.add(message)
    session.info[OUTBOX_DIRTY] = True
    return message


def _calendar_attachment(registration: Registration) -> dict:
    return {
        "filename": "invitation.ics",
        "content_type": "text/calendar; charset=utf-8; method=REQUEST",
        "content": registration_calendar(registration).decode("utf-8"),
    }


def send_confirmation(registration: Registration, promoted: bool = False) -> Message:
    with force_locale(email_locale(registration.language)):
        if promoted:
            subject = _("A seat is yours: %(title)s", title=registration.event.title)
        else:
            subject = _("Registration confirmed: %(title)s", title=registration.event.title)
        return queue_email(
            "registration_confirmed",
            registration,
            subject,
            attachments=[_calendar_attachment(registration)],
            promoted=promoted,
        )


def send_waitlisted(registration: Registration, position: int) -> Message:
    with force_locale(email_locale(registration.language)):
        subject = _("Waiting list: %(title)s", title=registration.event.title)
        return queue_email("registration_waitlisted", registration, subject, position=position)


def send_pending(registration: Registration) -> Message:
    with force_locale(email_locale(registration.language)):
        subject = _("Registration received: %(title)s", title=registration.event.title)
        return queue_email("registration_pending", registration, subject)


def send_cancelled(registration: Registration) -> Message:
    with force_locale(email_locale(registration.language)):
        subject = _("Registration cancelled: %(title)s", title=registration.event.title)
        return queue_email("registration_cancelled", registration, subject)


def send_already_registered(registration: Registration) -> Message:
    """Answers a repeated registration: only the address's owner learns anything."""
    with force_locale(email_locale(registration.language)):
        subject = _("Your registration: %(title)s", title=registration.event.title)
        return queue_email("registration_reminder_link", registration, subject)
