"""Every kind of email, text and HTML, against reviewed snapshot files.

A template change shows up here as a diff. After reviewing it, accept the
new versions with `UPDATE_SNAPSHOTS=1 make test` and commit the files in
tests/snapshots/email/.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Delegate, Message, OrganisationKind, Registration, RegistrationStatus
from app.services import notifications
from app.services.reminders import Reminder
from tests.conftest import add_keynote, make_event, make_series

SNAPSHOTS = Path(__file__).parent / "snapshots" / "email"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
START = datetime(2030, 6, 26, 8, tzinfo=UTC)

CASES = {
    "registration_confirmed": lambda r: notifications.send_confirmation(r),
    "registration_confirmed-promoted": lambda r: notifications.send_confirmation(r, promoted=True),
    "registration_confirmed-approved": lambda r: notifications.send_confirmation(r, approved=True),
    "registration_waitlisted": lambda r: notifications.send_waitlisted(r, 3),
    "registration_pending": lambda r: notifications.send_pending(r),
    "registration_cancelled": lambda r: notifications.send_cancelled(r),
    "registration_reminder_link": lambda r: notifications.send_already_registered(r),
    "manage_links": lambda r: notifications.send_manage_links(r, [r]),
    "registration_changed": lambda r: notifications.send_details_changed(r),
    "registration_rejected": lambda r: notifications.send_rejected(r, "The webinar is for officials."),
    "reminder-7d": lambda r: notifications.send_reminder(r, Reminder(7 * 1440)),
    "reminder-1h": lambda r: notifications.send_reminder(r, Reminder(60, "Please test your audio.")),
    "event_changed": lambda r: notifications.send_event_changed(r, with_calendar=True),
    "event_cancelled": lambda r: notifications.send_event_cancelled(r, with_calendar=True, note="Postponed."),
}


@pytest.fixture
def registration(app):
    series = make_series()
    event = make_event(
        "Partnership", series=series, start=START, theme="Fostering partnerships to combat human trafficking"
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


def _message(written: int | Message) -> Message:
    """Written for the worker to compose, an email is known by its id; composed when
    queued (a reminder), it is the message itself."""
    return written if isinstance(written, Message) else db.session.get(Message, written)


@pytest.mark.parametrize("case", sorted(CASES))
def test_email_matches_its_snapshot(registration, case):
    merged = db.session.merge(registration)
    written = _message(CASES[case](merged))
    message = notifications.composed(written, merged)  # as the worker will send it
    # The parts of the bytes sent: the text kept beside them has no personal link.
    sent = message_from_bytes(message.content.mime, policy=policy.default)
    text, html = (sent.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    rendered = {"txt": f"Subject: {message.subject}\n\n{text}", "html": html}
    db.session.rollback()  # rendered only: nothing is queued
    for suffix, content in rendered.items():
        path = SNAPSHOTS / f"{case}.{suffix}"
        if UPDATE:
            path.write_text(content)
            continue
        assert path.exists(), f"no snapshot {path.name}: review the email, then UPDATE_SNAPSHOTS=1"
        assert content == path.read_text(), f"{path.name} differs from its reviewed snapshot"


def test_html_emails_have_their_css_inlined(registration):
    merged = db.session.merge(registration)
    written = _message(notifications.send_confirmation(merged))
    message = notifications.composed(written, merged)
    db.session.rollback()  # rendered only: nothing is queued
    assert "<style" not in message.body_html
    assert 'style="' in message.body_html
    assert "<img" not in message.body_html  # no tracking pixels
