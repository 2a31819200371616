"""A registrant's name can never add, remove or change a recipient of an email.

Every kind of email goes through the real SMTP server of the tests with names made to
break an address header: the envelope and the To header (read by a standard parser, and
by a careless one that decodes RFC 2047 words before it splits the addresses) must name
the one intended address, and the From header the configured sender only.
"""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, message_from_string, policy
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

import pytest
import sqlalchemy as sa

from app.database import utcnow, write_transaction
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceSource,
    MailingAudience,
    Message,
    MessageStatus,
    Registration,
)
from app.services.accounts import accounts
from app.services.mail import follow_up, mailings, notifications
from app.services.mail.delivery import deliver_pending
from app.services.mail.reminders import Reminder
from app.services.registration import registrations as registration_service
from app.services.registration.registrations import Applicant
from tests.conftest import delegate_form, make_account, make_app, make_event, submit, with_fresh_database

VICTIM = "amina.yusuf@example.org"

HOSTILE_NAMES = {
    # What the outside probe sent: the name became a recipient of its own.
    "probe": "xxxx <attacker@evil.example>,",
    "quotes": 'Eve" <attacker@evil.example>, "Mallory',
    "semicolon": "Eve; attacker@evil.example; x",
    "group": "Friends: attacker@evil.example;",
    "comment": "Eve (unclosed comment",
    "backslash": 'Eve \\" <attacker@evil.example>,',
    # Non-ASCII: written as an RFC 2047 word, which some programs decode before splitting.
    "accented": "Zoë <attacker@evil.example>, Ørsted",
    "arabic": "أمينة <attacker@evil.example>, يوسف",
    # A name that is itself an encoded word ("<attacker@evil.example>,").
    "encoded word": "=?utf-8?q?=3Cattacker=40evil=2Eexample=3E=2C?=",
    "encoded word b": "=?utf-8?b?PGF0dGFja2VyQGV2aWwuZXhhbXBsZT4s?=",
    # Longer than a line: Python 3.11 folds it without its quotes.
    "long": "x" * 90 + "(c)<attacker@evil.example>" + "z" * 60 + '"',
    "long spaced": "Eve " * 30 + "<attacker@evil.example>,",
}


def _registration(inbox, event, name: str) -> Registration:
    """A confirmed registrant of `event` by that name; their confirmation delivered and cleared."""
    outcome = registration_service.register(event, Applicant(email=VICTIM, name=name))
    deliver_pending()
    inbox.clear()
    return db.session.get(Registration, outcome.registration.id)


KINDS = {
    "confirmation": lambda r: notifications.queue_confirmation(r),
    "promotion from the waiting list": lambda r: notifications.queue_confirmation(r, promoted=True),
    "approval": lambda r: notifications.queue_confirmation(r, approved=True),
    "waiting list": lambda r: notifications.queue_waitlisted(r, 2),
    "awaiting approval": lambda r: notifications.queue_pending(r),
    "rejection": lambda r: notifications.queue_rejected(r, "For officials only."),
    "cancellation": lambda r: notifications.queue_cancelled(r),
    "already registered": lambda r: notifications.queue_already_registered(r),
    "my registrations": lambda r: notifications.queue_my_registrations(r),
    "details changed": lambda r: notifications.queue_details_changed(r),
    "reminder": lambda r: notifications.queue_reminder(r, Reminder(60)),
    "event changed": lambda r: notifications.queue_event_changed(r, with_calendar=True),
    "event cancelled": lambda r: notifications.queue_event_cancelled(
        r, with_calendar=True, note="Postponed."
    ),
}


def _by_kind(kind: str):
    def send(inbox, event, name: str) -> None:
        registration = _registration(inbox, event, name)
        with write_transaction():
            KINDS[kind](db.session.merge(registration))

    return send


def _follow_up_with_certificate(inbox, event, name: str) -> None:
    registration = _registration(inbox, event, name)
    event.start_dt, event.end_dt = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.session.add(
        Attendance(
            event_id=event.id,
            registration_id=registration.id,
            name=name,
            participant_key=f"reg:{registration.id}",
            source=AttendanceSource.ZOOM,
            minutes=95,
            attended=True,
        )
    )
    db.session.commit()
    draft = follow_up.Draft(follow_up.Audience.ATTENDEES, note="Thank you.", with_certificate=True)
    assert follow_up.send(event, draft, by=make_account("organiser")).to_send == 1


def _organisers_mailing(inbox, event, name: str) -> None:
    _registration(inbox, event, name)
    draft = mailings.Draft(MailingAudience.CONFIRMED, "Logistics", "Please join ten minutes early.")
    mailings.send(event, draft, by=make_account("organiser"), known_mailing_id=0)


SENDERS = {
    **{kind: _by_kind(kind) for kind in KINDS},
    "follow-up with certificate": _follow_up_with_certificate,
    "organisers' mailing": _organisers_mailing,
}


@pytest.fixture
def inbox(smtp_server):
    return smtp_server.inbox


def _sender(app) -> str:
    return parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]


def assert_only_recipient(inbox, address: str, sender: str) -> list:
    """Every message in the inbox went to `address` alone, from `sender` alone."""
    deliver_pending()
    assert inbox.messages, "no email arrived"
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.status != MessageStatus.SENT)) == 0
    for envelope, message in zip(inbox.envelopes, inbox.messages, strict=True):
        assert envelope.rcpt_tos == [address]
        assert [item.addr_spec for item in message["To"].addresses] == [address]
        assert [item.addr_spec for item in message["From"].addresses] == [sender]
        # As read by a program that decodes encoded words first, then splits the list.
        raw = message_from_bytes(envelope.content)
        for header, expected in (("To", address), ("From", sender)):
            decoded = str(make_header(decode_header(raw[header])))
            assert [found for _name, found in getaddresses([decoded])] == [expected], decoded
        assert raw.get_all("Cc") is None and raw.get_all("Bcc") is None
    return inbox.messages


@pytest.mark.parametrize("kind", SENDERS)
def test_a_hostile_name_reaches_only_its_own_address_in_every_kind_of_email(mail_app, inbox, kind):
    for label, name in HOSTILE_NAMES.items():
        SENDERS[kind](inbox, make_event(f"Partnership ({label})"), name)
        [message] = assert_only_recipient(inbox, VICTIM, _sender(mail_app))
        assert message["To"].addresses[0].display_name, f"{label}: the name was left out"


def test_the_probes_name_through_the_registration_form(mail_app, inbox):
    event = make_event("Partnership")
    data = delegate_form(name=HOSTILE_NAMES["probe"], email=VICTIM)
    assert submit(mail_app.test_client(), f"/events/{event.id}/register", data).status_code == 302
    [message] = assert_only_recipient(inbox, VICTIM, _sender(mail_app))
    assert message["To"].addresses[0].display_name == HOSTILE_NAMES["probe"]


def test_an_invitation_goes_to_the_invited_address_only(mail_app, inbox):
    admin = make_account("admin", name=HOSTILE_NAMES["probe"])
    accounts.invite("new.person@example.org", admin.role, admin)
    assert_only_recipient(inbox, "new.person@example.org", _sender(mail_app))


@pytest.mark.parametrize(
    "name",
    ["Amina Yusuf", "Zoë Ørsted", "Siham Osman Mohamed", "أمينة يوسف", "Dr. Jean-Luc O'Brien", "x" * 200],
)
def test_an_ordinary_name_is_shown_as_written(mail_app, inbox, name):
    event = make_event("Partnership")
    SENDERS["confirmation"](inbox, event, name)
    [message] = assert_only_recipient(inbox, VICTIM, _sender(mail_app))
    assert message["To"].addresses[0].display_name == name


def test_a_sender_name_with_a_comma_stays_one_address(tmp_path, smtp_server):
    sender = '"Secretariat, Khartoum Process" <secretariat@plenary.example.org>'
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_DEFAULT_SENDER=sender)
    for _app in with_fresh_database(app):
        SENDERS["confirmation"](smtp_server.inbox, make_event("Partnership"), "Amina Yusuf")
        [message] = assert_only_recipient(smtp_server.inbox, VICTIM, "secretariat@plenary.example.org")
        assert message["From"].addresses[0].display_name == "Secretariat, Khartoum Process"


def test_a_name_that_would_not_stay_one_address_is_left_out(mail_app, inbox, monkeypatch):
    """The guard behind the rules above: at the line length Python folds at by default, it
    drops the quotes around a long name, which would then read as an address of its own."""
    monkeypatch.setattr(notifications, "HEADER_POLICY", notifications.BODY_POLICY)
    SENDERS["confirmation"](inbox, make_event("Partnership"), HOSTILE_NAMES["long"])
    [message] = assert_only_recipient(inbox, VICTIM, _sender(mail_app))
    assert message["To"].addresses[0].display_name == ""


def test_international_addresses_keep_their_one_recipient(mail_app, inbox):
    """A domain in another script goes in ASCII (IDNA); a local part in another script can only
    go in a UTF-8 header, which is what is composed (delivering it needs SMTPUTF8)."""
    mail_app.config["OUTBOX_KICK"] = False
    event = make_event("Partnership")
    for address in ("zoe@exämple.org", "zoë@example.org"):
        registration_service.register(event, Applicant(email=address, name=HOSTILE_NAMES["accented"]))
    draft = mailings.Draft(MailingAudience.CONFIRMED, "Logistics", "Please join ten minutes early.")
    mailings.send(
        event, draft, by=make_account("organiser"), known_mailing_id=mailings.latest_mailing_id(event)
    )
    composed = {
        message.to_address: message_from_string(message.mime.decode("utf-8"), policy=policy.default)
        for message in db.session.scalars(sa.select(Message).where(Message.kind == mailings.KIND))
    }
    assert {
        address: [item.addr_spec for item in mime["To"].addresses] for address, mime in composed.items()
    } == {
        "zoe@exämple.org": ["zoe@xn--exmple-cua.org"],
        "zoë@example.org": ["zoë@example.org"],
    }
    db.session.execute(sa.delete(Message).where(Message.to_address == "zoë@example.org"))
    db.session.commit()
    deliver_pending()
    assert [envelope.rcpt_tos for envelope in inbox.envelopes] == [
        ["zoe@xn--exmple-cua.org"]
    ] * 2  # confirmation, mailing


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r", "\u2028", "\x85"])
def test_a_line_break_in_a_name_or_subject_is_never_sent(mail_app, inbox, line_break):
    event = make_event("Partnership")
    registration = _registration(inbox, event, f"Eve{line_break}Bcc: attacker@evil.example")
    with write_transaction():
        notifications.queue_cancelled(db.session.merge(registration))
        event = db.session.merge(event)
        event.title = f"Partnership{line_break}Bcc: attacker@evil.example"
        notifications.queue_event_changed(db.session.merge(registration), with_calendar=False)
    deliver_pending()
    assert inbox.messages == []
    refusals = db.session.scalars(
        sa.select(Message.last_error).where(Message.kind != "registration_confirmed")
    )
    assert set(refusals) == {"refused: a header contains a line break"}


@pytest.mark.parametrize(
    "sender", ["Secretariat, Khartoum Process <k@example.org>", "a@example.org, b@example.org", "Secretariat"]
)
def test_a_sender_that_is_not_one_address_is_refused_at_start_up(tmp_path, sender):
    with pytest.raises(RuntimeError, match="MAIL_DEFAULT_SENDER must be one address"):
        make_app(tmp_path, MAIL_DEFAULT_SENDER=sender)
