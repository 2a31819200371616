"""Email end to end: the web form, the outbox, the worker, a real SMTP server, and what arrived."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.database import utcnow
from app.extensions import db
from app.models import Event, Message, MessageStatus, OrganisationKind, RegistrationStatus
from app.services.mail.delivery import deliver_pending
from app.services.mail.outbox import retry_failed
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import (
    InboxHandler,
    SmtpServer,
    at_once,
    delegate_form,
    make_app,
    make_event,
    manage_path,
    submit,
    with_fresh_database,
)


@pytest.fixture
def mail_client(mail_app):
    return mail_app.test_client()


def register_by_form(client, event: Event, **fields):
    response = submit(client, f"/events/{event.id}/register", delegate_form(**fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_confirmation_arrives_with_both_parts_calendar_and_a_working_manage_link(mail_client, smtp_server):
    # At 09:00 UTC: an event that runs past midnight in its zone shows its end's date too.
    start = (utcnow() + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = make_event("Partnership", capacity=150, join_url="https://zoom.us/j/81234567890", start=start)
    register_by_form(mail_client, event, email="  Amina.Yusuf@Example.ORG ")

    [message] = smtp_server.inbox.messages
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["amina.yusuf@example.org"]
    assert message["To"] == "Amina Yusuf <amina.yusuf@example.org>"
    assert message["Subject"] == "Registration confirmed: Partnership"
    assert message["Message-ID"] == db.session.scalar(sa.select(Message.message_id))
    text, html = parts(message)
    assert "Your registration is confirmed." in text and "Your registration is confirmed." in html
    assert "https://zoom.us/j/81234567890" in text and "https://zoom.us/j/81234567890" in html
    local = event.start_dt.astimezone(event.zone)
    assert f"{local:%H:%M}–" in text and "(UTC+0" in text  # the event's own zone, with its offset

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    assert str(calendar["method"]) == "REQUEST"
    [entry] = calendar.walk("VEVENT")
    # The same instant, written in the event's own zone (its VTIMEZONE in the file).
    assert entry.decoded("dtstart") == event.start_dt and entry["dtstart"].params["TZID"] == event.timezone
    assert entry.decoded("dtend") == event.end_dt
    assert str(entry["uid"]).startswith("registration-1-event-")
    assert "https://zoom.us/j/81234567890" in str(entry["description"])
    assert "secretariat@" in str(entry["organizer"])

    page = mail_client.get(manage_path(message))
    assert page.status_code == 200
    assert "Confirmed" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(Message.status)) == MessageStatus.SENT


def test_waitlisted_and_pending_emails_carry_no_join_link_or_calendar(mail_client, smtp_server):
    full = make_event("Prosecution", capacity=0, join_url="https://zoom.us/j/999")
    approval = make_event("Protection", requires_approval=True, join_url="https://zoom.us/j/888")
    register_by_form(mail_client, full)
    register_by_form(mail_client, approval)

    waitlisted, pending = smtp_server.inbox.messages
    assert waitlisted["Subject"] == "Waiting list: Prosecution"
    assert "position 1" in parts(waitlisted)[0]
    assert pending["Subject"] == "Registration received: Protection"
    for message in (waitlisted, pending):
        text, html = parts(message)
        assert "zoom.us" not in text and "zoom.us" not in html
        assert list(message.iter_attachments()) == []
        assert "/registrations/manage/" in text


def test_cancel_from_the_email_link_promotes_and_tells_the_next_person(mail_client, smtp_server):
    event = make_event(capacity=1)
    register_by_form(mail_client, event, email="first@example.org", name="First Delegate")
    register_by_form(mail_client, event, email="second@example.org", name="Second Delegate")
    link = manage_path(smtp_server.inbox.to("first@example.org")[0])
    smtp_server.inbox.clear()

    response = submit(mail_client, f"{link}/cancel", {})
    assert response.status_code == 302

    subjects = {m["To"]: m["Subject"] for m in smtp_server.inbox.messages}
    assert subjects == {
        "First Delegate <first@example.org>": f"Registration cancelled: {event.title}",
        "Second Delegate <second@example.org>": f"A seat is yours: {event.title}",
    }
    promoted = smtp_server.inbox.to("second@example.org")[0]
    assert "https://zoom.us/j/" in parts(promoted)[0]
    assert [a.get_filename() for a in promoted.iter_attachments()] == ["invitation.ics"]


def test_mail_waits_in_the_outbox_while_smtp_is_down_and_goes_once_it_is_back(mail_client, smtp_server):
    event = make_event()
    smtp_server.stop()
    register_by_form(mail_client, event)

    message = db.session.scalars(sa.select(Message)).one()
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1 and "Connection" in message.last_error
    assert message.next_attempt_dt > utcnow()

    smtp_server.start()  # same port
    assert deliver_pending().sent == 0  # not due yet: backoff
    report = deliver_pending(now=utcnow() + timedelta(minutes=5))
    assert report.sent == 1
    assert len(smtp_server.inbox.messages) == 1
    assert deliver_pending(now=utcnow() + timedelta(hours=5)).claimed == 0
    assert len(smtp_server.inbox.messages) == 1


def test_a_refused_recipient_fails_permanently_without_blocking_the_rest(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    event = make_event()
    smtp_server.inbox.refuse.add("bounce@example.org")
    for email in ("ok1@example.org", "bounce@example.org", "ok2@example.org"):
        service.register(event, Applicant(email=email, name="D", organisation_kind=OrganisationKind.NGO))

    report = deliver_pending()
    assert (report.sent, report.failed, report.retrying) == (2, 1, 0)
    statuses = dict(db.session.execute(sa.select(Message.to_address, Message.status)).all())
    assert statuses["bounce@example.org"] == MessageStatus.FAILED
    failed = db.session.scalars(sa.select(Message).where(Message.status == MessageStatus.FAILED)).one()
    assert failed.last_error.startswith("550")
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        "D <ok1@example.org>",
        "D <ok2@example.org>",
    ]
    assert deliver_pending(now=utcnow() + timedelta(days=1)).claimed == 0


def test_two_workers_at_once_send_each_message_once(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    mail_app.config["OUTBOX_BATCH_SIZE"] = 5
    event = make_event(capacity=None)
    for n in range(40):
        service.register(event, Applicant(email=f"d{n}@example.org", name=f"D{n}"))
    db.session.rollback()
    reports = at_once(mail_app, deliver_pending, copies=2)
    assert sum(r.sent for r in reports) == 40
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(ids) == 40 and len(set(ids)) == 40


def test_an_expired_claim_is_taken_over_by_the_next_worker(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    service.register(make_event(), Applicant(email="d@example.org", name="D"))
    db.session.execute(
        sa.update(Message).values(
            status=MessageStatus.SENDING, claimed_until_dt=utcnow() + timedelta(minutes=5)
        )
    )
    db.session.commit()
    assert deliver_pending().claimed == 0  # another worker holds it
    assert deliver_pending(now=utcnow() + timedelta(minutes=6)).sent == 1  # that worker died
    assert len(smtp_server.inbox.messages) == 1


def test_a_name_with_a_line_break_cannot_add_headers(mail_app, smtp_server):
    """The form refuses it; a message composed around it anyway is failed when composed, never sent."""
    mail_app.config["OUTBOX_KICK"] = False
    service.register(make_event(), Applicant(email="d@example.org", name="Eve\r\nBcc: victim@example.org"))
    assert deliver_pending().failed == 1  # composed by the worker, refused before any sending
    message = db.session.scalars(sa.select(Message)).one()
    assert message.status == MessageStatus.FAILED and "line break" in message.last_error
    assert message.mime is None
    assert deliver_pending().claimed == 0
    retry_failed()  # even queued again by an operator, it is refused, not sent
    assert deliver_pending().failed == 1
    assert smtp_server.inbox.messages == []


def test_without_smtp_server_messages_are_written_as_eml_files(app, client, tmp_path):
    event = make_event()
    register_by_form(client, event)
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    content = eml.read_text()
    assert "Subject: Registration confirmed: Partnership" in content
    assert db.session.scalar(sa.select(Message.status)) == MessageStatus.SENT


def test_registration_status_in_email_matches_the_database(mail_client, smtp_server):
    event = make_event(capacity=1)
    register_by_form(mail_client, event, email="a@example.org")
    register_by_form(mail_client, event, email="b@example.org")
    statuses = db.session.execute(
        sa.text("SELECT d.email, r.status FROM registration r JOIN delegate d ON d.id = r.delegate_id")
    ).all()
    assert dict(statuses) == {
        "a@example.org": RegistrationStatus.CONFIRMED.value,
        "b@example.org": "waitlisted",
    }
    assert [m["Subject"].split(":")[0] for m in smtp_server.inbox.messages] == [
        "Registration confirmed",
        "Waiting list",
    ]


def test_a_batch_whose_claim_runs_out_is_given_back_unsent(mail_app, smtp_server):
    """A worker stops before its claim lapses, so that no other worker can send the same message."""
    mail_app.config.update(OUTBOX_KICK=False, OUTBOX_CLAIM_SECONDS=0)
    service.register(make_event(), Applicant(email="d@example.org", name="D"))
    report = deliver_pending()
    assert (report.claimed, report.sent) == (1, 0)
    message = db.session.scalars(sa.select(Message)).one()
    assert (message.status, message.attempts, message.claimed_until_dt) == (MessageStatus.QUEUED, 0, None)
    assert smtp_server.inbox.messages == []
    mail_app.config["OUTBOX_CLAIM_SECONDS"] = 300
    assert deliver_pending().sent == 1


def test_a_worker_whose_claim_lapsed_never_gives_back_what_another_took(mail_app, smtp_server):
    """Composing a large batch can outlast the claim: another worker then takes the messages
    and sends them. The first worker, giving back what it did not send, must leave them alone,
    or they would be queued and sent again."""
    from app.services.mail.delivery import Recorder, SentLedger, claim

    mail_app.config["OUTBOX_KICK"] = False
    service.register(make_event(), Applicant(email="d@example.org", name="D"))
    now = utcnow()
    [first] = claim(now, 10)  # worker A
    later = now + timedelta(seconds=mail_app.config["OUTBOX_CLAIM_SECONDS"] + 1)
    [taken] = claim(later, 10)  # worker B, once A's claim has lapsed
    assert taken.id == first.id and taken.attempts == 2

    ledger = SentLedger()
    try:
        Recorder(ledger).release([first])  # A gives back what it did not send: B holds it
        row = db.session.get(Message, first.id, populate_existing=True)
        assert (row.status, row.claimed_until_dt) == (MessageStatus.SENDING, taken.claimed_until)
        db.session.rollback()
        Recorder(ledger).failed(first, "451 try again", permanent=False)  # nor as A's failure
        row = db.session.get(Message, first.id, populate_existing=True)
        assert (row.status, row.last_error) == (MessageStatus.SENDING, "")
    finally:
        ledger.close()


def test_while_a_delivery_task_waits_no_other_is_queued_and_it_takes_every_message(mail_app, smtp_server):
    """A busy site queues one delivery task for many registrations, and none is left behind."""
    from app.queue import huey
    from app.services.mail.tasks import deliver_outbox

    huey.immediate = False  # a real queue (its SQLite file), with no worker running
    huey.flush()
    try:
        event = make_event(capacity=10)
        for n in range(3):
            service.register(event, Applicant(email=f"d{n}@example.org", name=f"D {n}"))
        assert huey.pending_count() == 1  # the first registration's kick; the others saw it waiting

        task = huey.dequeue()
        assert isinstance(task, deliver_outbox.task_class)
        assert huey.execute(task) == 3  # it claims all three
        service.register(event, Applicant(email="late@example.org", name="Late"))
        assert huey.pending_count() == 1  # after the task began, a new kick is queued
        assert huey.execute(huey.dequeue()) == 1
        assert len(smtp_server.inbox.messages) == 4
    finally:
        huey.flush()
        huey.immediate = True


class RecordCheckingInbox(InboxHandler):
    """Accepts a message only after looking up, in the database, the status of every message it
    accepted before; keeps the Message-IDs it found not recorded as sent."""

    def __init__(self, inbox):
        super().__init__(inbox)
        self.engine: sa.Engine | None = None  # the app's, once it exists
        self.accepted: list[str] = []
        self.unrecorded: set[str] = set()

    async def handle_DATA(self, server, session, envelope):
        with self.engine.connect() as connection:
            sent = set(
                connection.scalars(
                    sa.select(Message.message_id).where(
                        Message.message_id.in_(self.accepted), Message.status == MessageStatus.SENT
                    )
                )
            )
        self.unrecorded |= set(self.accepted) - sent
        reply = await super().handle_DATA(server, session, envelope)
        self.accepted.append(self.inbox.messages[-1]["Message-ID"])
        return reply


@pytest.fixture
def checking_smtp():
    server = SmtpServer()
    server.handler_class = RecordCheckingInbox
    server.start()
    yield server
    server.stop()


@pytest.fixture
def checking_app(tmp_path, checking_smtp):
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=checking_smtp.port, OUTBOX_KICK=False)
    with app.app_context():
        checking_smtp.controller.handler.engine = db.engine
    yield from with_fresh_database(app)


def test_each_message_is_recorded_as_sent_before_the_next_one_goes(checking_app, checking_smtp):
    """So a worker killed at any moment has at most the message on the wire unrecorded."""
    event = make_event(capacity=None)
    for n in range(30):
        service.register(event, Applicant(email=f"d{n}@example.org", name=f"D{n}"))
    before = utcnow()

    assert deliver_pending().sent == 30
    handler = checking_smtp.controller.handler
    assert len(handler.accepted) == 30
    assert not handler.unrecorded, f"{len(handler.unrecorded)} went on before the one before was recorded"
    rows = db.session.execute(sa.select(Message.status, Message.sent_dt, Message.claimed_until_dt)).all()
    assert {(status, claimed) for status, _sent, claimed in rows} == {(MessageStatus.SENT, None)}
    assert all(before <= sent <= utcnow() for _status, sent, _claimed in rows)


REFUSED_RECORD = {
    "sqlite": [
        "CREATE TRIGGER refuse_record BEFORE UPDATE OF status ON message"
        " WHEN NEW.status = 'sent' AND OLD.to_address = 'd2@example.org'"
        " BEGIN SELECT RAISE(ABORT, 'record refused by the test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_record() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RAISE EXCEPTION 'record refused by the test'; END $$",
        "CREATE TRIGGER refuse_record BEFORE UPDATE OF status ON message FOR EACH ROW"
        " WHEN (NEW.status = 'sent' AND OLD.to_address = 'd2@example.org') EXECUTE FUNCTION refuse_record()",
    ],
}
ALLOW_RECORD = {
    "sqlite": ["DROP TRIGGER refuse_record"],
    "postgresql": ["DROP TRIGGER refuse_record ON message", "DROP FUNCTION refuse_record()"],
}


def run_sql(statements: list[str]) -> None:
    with db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_a_message_whose_record_fails_stops_the_sending_and_is_the_only_one_sent_again(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    event = make_event(capacity=None)
    for n in range(5):
        service.register(event, Applicant(email=f"d{n}@example.org", name=f"D{n}"))
    db.session.rollback()
    dialect = db.engine.dialect.name
    run_sql(REFUSED_RECORD[dialect])  # the database refuses to record d2 as sent
    started = time.monotonic()
    try:
        with pytest.raises(Exception, match="record refused by the test"):
            deliver_pending()
    finally:
        run_sql(ALLOW_RECORD[dialect])
    # Not a measure of speed: the server was left waiting for d3's content, and a goodbye
    # (QUIT) it read as content went unanswered until the connection's timeout.
    assert time.monotonic() - started < mail_app.config["MAIL_TIMEOUT"], "waited for a QUIT's answer"
    # d2 went, and the next message's content never did.
    assert [m["To"] for m in smtp_server.inbox.messages] == [f"D{n} <d{n}@example.org>" for n in range(3)]
    db.session.rollback()
    statuses = dict(db.session.execute(sa.select(Message.to_address, Message.status)).all())
    assert statuses == {
        "d0@example.org": MessageStatus.SENT,
        "d1@example.org": MessageStatus.SENT,
        "d2@example.org": MessageStatus.SENDING,  # its claim lapses, then it goes again
        "d3@example.org": MessageStatus.QUEUED,
        "d4@example.org": MessageStatus.QUEUED,
    }

    assert deliver_pending(now=utcnow() + timedelta(minutes=6)).sent == 3
    received = Counter(m["To"] for m in smtp_server.inbox.messages)
    assert received == {f"D{n} <d{n}@example.org>": 2 if n == 2 else 1 for n in range(5)}


def test_no_connection_keeps_the_ledgers_unflushed_commits_after_it(mail_app, smtp_server):
    """On PostgreSQL the ledger commits without waiting for the disk; the connection goes back
    to the pool as it came, so that nothing else commits that way."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    mail_app.config["OUTBOX_KICK"] = False
    service.register(make_event(), Applicant(email="d@example.org", name="D"))
    assert deliver_pending().sent == 1
    db.session.remove()
    pooled = [db.engine.connect() for _ in range(db.engine.pool.checkedin())]
    try:
        settings = {c.exec_driver_sql("SHOW synchronous_commit").scalar() for c in pooled}
    finally:
        for connection in pooled:
            connection.close()
    assert pooled and settings == {"on"}
