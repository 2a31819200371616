"""Every kind of email, text and HTML, against reviewed snapshot files.

A template change shows up here as a diff. After reviewing it, accept the
new versions with `UPDATE_SNAPSHOTS=1 make test` and commit the files in
tests/snapshots/email/.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.database import write_transaction
from app.extensions import db
from app.models import Delegate, Message, OrganisationKind, Registration, RegistrationStatus
from app.services.mail import notifications
from app.services.mail.reminders import Reminder
from tests.conftest import add_keynote, make_event, make_series

SNAPSHOTS = Path(__file__).parent / "snapshots" / "email"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
DATED_LINK = re.compile(r"(/registrations/mine/)[\w.\-]+")
START = datetime(2030, 6, 26, 8, tzinfo=UTC)

# A move a week later to a hybrid meeting in The Hague, with a new join link: each is
# shown from what it was to what it is, in the event's zone and the delegate's language.
CHANGES = {
    "when": {
        "old": ["2030-06-19T08:00:00+00:00", "2030-06-19T10:00:00+00:00"],
        "new": ["2030-06-26T08:00:00+00:00", "2030-06-26T10:00:00+00:00"],
    },
    "format": {"old": "online", "new": "hybrid"},
    "place": {"old": "", "new": "The Hague, The Netherlands"},
    "join_url": {"old": "https://zoom.us/j/81234567890", "new": "https://zoom.us/j/99999999999"},
}


def in_language(language: str, queue):
    def queue_in(registration):
        registration.language = language  # in the unit of work that is rolled back
        return queue(registration)

    return queue_in


def event_changed(registration, with_calendar=True):
    return notifications.queue_event_changed(registration, with_calendar=with_calendar, changes=CHANGES)


CASES = {
    "registration_confirmed": lambda r: notifications.queue_confirmation(r),
    "registration_confirmed-promoted": lambda r: notifications.queue_confirmation(r, promoted=True),
    "registration_confirmed-approved": lambda r: notifications.queue_confirmation(r, approved=True),
    "registration_confirmed-fr": in_language("fr", notifications.queue_confirmation),
    "registration_confirmed-ar": in_language("ar", notifications.queue_confirmation),
    "registration_waitlisted": lambda r: notifications.queue_waitlisted(r, 3),
    "registration_pending": lambda r: notifications.queue_pending(r),
    "registration_cancelled": lambda r: notifications.queue_cancelled(r),
    "registration_reminder_link": lambda r: notifications.queue_already_registered(r),
    "manage_links": lambda r: notifications.queue_manage_links(r, [r]),
    "my_registrations": lambda r: notifications.queue_my_registrations(r),
    "my_registrations-fr": in_language("fr", notifications.queue_my_registrations),
    "my_registrations-ar": in_language("ar", notifications.queue_my_registrations),
    "registration_changed": lambda r: notifications.queue_details_changed(r),
    "registration_rejected": lambda r: notifications.queue_rejected(r, "The webinar is for officials."),
    "reminder-7d": lambda r: notifications.queue_reminder(r, Reminder(7 * 1440)),
    "reminder-1h": lambda r: notifications.queue_reminder(r, Reminder(60, "Please test your audio.")),
    "event_changed": lambda r: notifications.queue_event_changed(r, with_calendar=True),
    "event_changed-values": event_changed,
    "event_changed-values-waitlisted": lambda r: event_changed(r, with_calendar=False),
    "event_changed-values-fr": in_language("fr", event_changed),
    "event_changed-values-ar": in_language("ar", event_changed),
    "event_cancelled": lambda r: notifications.queue_event_cancelled(
        r, with_calendar=True, note="Postponed."
    ),
}


@pytest.fixture
def registration(app):
    series = make_series()
    event = make_event(
        "Partnership",
        series=series,
        start=START,
        theme="Fostering partnerships to combat human trafficking",
        join_passcode="4Ps-0626",
        dial_in="+41 22 555 01 23 (Geneva)\nMeeting ID: 812 3456 7890",
    )
    add_keynote(
        event, "Mr. Vincent Cochetel", "Special Envoy for the Central Mediterranean Situation", "UNHCR"
    )
    delegate = Delegate(email="siham.osman@example.org", name="Siham Osman Mohamed")
    registration = Registration(
        event=event,
        delegate=delegate,
        status=RegistrationStatus.CONFIRMED,
        name="Siham Osman Mohamed",
        organisation="Ministry of Justice",
        organisation_kind=OrganisationKind.MEMBER_STATE,
        country="SD",
        job_title="Undersecretary",
        consent_privacy_dt=START,
        manage_key="snapshot-key",
    )
    db.session.add(registration)
    db.session.commit()
    return registration


class Discarded(Exception):
    """Rolls back the unit of work that queued an email: it is looked at, never kept."""


def as_sent(queue, registration: Registration) -> dict[str, str]:
    """The email `queue` writes for the registration, as the worker will send it."""
    with pytest.raises(Discarded), write_transaction():
        merged = db.session.merge(registration)
        written = db.session.get(Message, queue(merged))  # every queue_* gives the message's id
        message = notifications.composed(written, merged)
        # The parts of the bytes sent: the text kept beside them has no personal link.
        sent = message_from_bytes(message.content.mime, policy=policy.default)
        text, html = (
            sent.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
        )
        # A dated link (the list of a person's registrations) differs each second: its token is not shown.
        text, html = (DATED_LINK.sub(r"\1DATED-TOKEN", part) for part in (text, html))
        rendered = {"txt": f"Subject: {message.subject}\n\n{text}", "html": html}
        raise Discarded
    return rendered


@pytest.mark.parametrize("case", sorted(CASES))
def test_email_matches_its_snapshot(registration, case):
    for suffix, content in as_sent(CASES[case], registration).items():
        path = SNAPSHOTS / f"{case}.{suffix}"
        if UPDATE:
            path.write_text(content)
            continue
        assert path.exists(), f"no snapshot {path.name}: review the email, then UPDATE_SNAPSHOTS=1"
        assert content == path.read_text(), f"{path.name} differs from its reviewed snapshot"


def test_html_emails_have_their_css_inlined(registration):
    html = as_sent(notifications.queue_confirmation, registration)["html"]
    assert "<style" not in html
    assert 'style="' in html
    assert "<img" not in html  # no tracking pixels


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_email_gives_the_secretariats_contact_address(app, registration, case):
    for content in as_sent(CASES[case], registration).values():
        assert app.config["CONTACT_EMAIL"] in content
