"""Each change in a registration's or an event's life produces the right email, once."""

from __future__ import annotations

import contextlib
import socket
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.database import on_commit, write_transaction
from app.extensions import db
from app.models import (
    Event,
    Mailout,
    MailoutKind,
    MailoutStatus,
    Message,
    MessageStatus,
    Registration,
    RegistrationStatus,
)
from app.services.mail import event_notices as event_service
from app.services.mail.delivery import Pacer, deliver_pending
from app.services.mail.mailouts import Enqueue
from app.services.mail.outbox import retry_failed
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant, RegistrationError
from tests.conftest import make_event


def applicant(email="amina.yusuf@example.org", **fields) -> Applicant:
    return Applicant(
        email=email, name=fields.pop("name", "Amina Yusuf"), organisation="Ministry of Labour", **fields
    )


def calendar_of(message):
    [attachment] = list(message.iter_attachments())
    return Calendar.from_ical(attachment.get_content())


def test_approval_confirms_the_seat_and_sends_the_invitation(mail_app, smtp_server):
    event = make_event("Protection", requires_approval=True, capacity=1)
    pending = service.register(event, applicant()).registration
    service.approve(pending)
    subjects = [m["Subject"] for m in smtp_server.inbox.messages]
    assert subjects == ["Registration received: Protection", "Registration approved: Protection"]
    approved = smtp_server.inbox.messages[-1]
    assert "approved your registration" in approved.get_body(("plain",)).get_content()
    assert str(calendar_of(approved)["method"]) == "REQUEST"
    with pytest.raises(RegistrationError):
        service.approve(db.session.get(Registration, pending.id))  # not pending any more
    assert len(smtp_server.inbox.messages) == 2


def test_approval_of_a_full_event_joins_the_waiting_list(mail_app, smtp_server):
    event = make_event("Protection", requires_approval=True, capacity=0)
    registration = service.register(event, applicant()).registration
    assert service.approve(registration).status == RegistrationStatus.WAITLISTED
    assert smtp_server.inbox.messages[-1]["Subject"] == "Waiting list: Protection"


def test_rejection_says_why_and_has_no_invitation(mail_app, smtp_server):
    event = make_event("Protection", requires_approval=True)
    registration = service.register(event, applicant()).registration
    service.reject(registration, "  The webinar is for officials of member states.  ")
    rejected = smtp_server.inbox.messages[-1]
    assert rejected["Subject"] == "Registration not accepted: Protection"
    text = rejected.get_body(("plain",)).get_content()
    assert "Reason: The webinar is for officials of member states." in text
    assert list(rejected.iter_attachments()) == []


def test_changing_details_confirms_by_email_only_when_something_changed(mail_app, smtp_server):
    registration = service.register(make_event(), applicant()).registration
    service.update_details(registration, applicant())  # the same details
    assert [m["Subject"].split(":")[0] for m in smtp_server.inbox.messages] == ["Registration confirmed"]
    service.update_details(registration, applicant(name="Amina Yusuf Ali", job_title="Adviser"))
    changed = smtp_server.inbox.messages[-1]
    assert changed["Subject"].startswith("Registration details changed")
    assert "Full name: Amina Yusuf Ali" in changed.get_body(("plain",)).get_content()


def test_moving_an_event_sends_an_updated_invitation_with_the_same_uid(mail_app, smtp_server):
    event = make_event("Partnership", capacity=1)
    service.register(event, applicant("first@example.org"))
    service.register(event, applicant("second@example.org"))  # waitlisted
    original = calendar_of(smtp_server.inbox.to("first@example.org")[0]).walk("VEVENT")[0]

    later = event.start_dt + timedelta(days=7)
    assert event_service.reschedule(event, later, later + timedelta(hours=2)) is True
    update = smtp_server.inbox.to("first@example.org")[-1]
    assert update["Subject"] == "Changed: Partnership"
    entry = calendar_of(update).walk("VEVENT")[0]
    assert str(entry["uid"]) == str(original["uid"])
    assert int(entry["sequence"]) == int(original["sequence"]) + 1
    assert entry.decoded("dtstart") == later
    waiting = smtp_server.inbox.to("second@example.org")[-1]
    assert waiting["Subject"] == "Changed: Partnership" and list(waiting.iter_attachments()) == []
    # Saving the same time again tells nobody anything.
    count = len(smtp_server.inbox.messages)
    assert (
        event_service.reschedule(db.session.get(type(event), event.id), later, later + timedelta(hours=2))
        is False
    )
    assert len(smtp_server.inbox.messages) == count


def test_cancelling_an_event_removes_it_from_calendars(mail_app, smtp_server):
    event = make_event("Partnership")
    service.register(event, applicant())
    event_service.cancel_event(event, "The Chair has postponed the series.")
    cancelled = smtp_server.inbox.messages[-1]
    assert cancelled["Subject"] == "Cancelled: Partnership"
    assert "The Chair has postponed the series." in cancelled.get_body(("plain",)).get_content()
    calendar = calendar_of(cancelled)
    assert str(calendar["method"]) == "CANCEL"
    entry = calendar.walk("VEVENT")[0]
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 1
    assert "zoom.us" not in calendar.to_ical().decode()
    event_service.cancel_event(event)  # twice: nothing more is sent
    assert len(smtp_server.inbox.messages) == 2


def test_the_registrants_are_told_of_a_change_by_the_job_queue_not_in_the_request(
    mail_app, smtp_server, queued
):
    """Writing 2,000 notices took seconds of the request: it records a mailout, the queue writes them."""
    event = make_event("Partnership", capacity=1)
    service.register(event, applicant("first@example.org"))
    service.register(event, applicant("second@example.org"))  # waitlisted
    service.cancel(service.register(event, applicant("third@example.org")).registration)
    queued()
    smtp_server.inbox.clear()

    later = event.start_dt + timedelta(days=7)
    assert event_service.reschedule(event, later, later + timedelta(hours=2)) is True
    assert db.session.scalars(sa.select(Message).where(Message.kind == "event_changed")).all() == []
    [mailout] = db.session.scalars(sa.select(Mailout)).all()
    assert (mailout.kind, mailout.status, mailout.total) == (
        MailoutKind.EVENT_CHANGED,
        MailoutStatus.WRITING,
        2,
    )

    queued()  # a worker writes the notices, then delivers them
    assert sorted(e.rcpt_tos[0] for e in smtp_server.inbox.envelopes) == [
        "first@example.org",
        "second@example.org",
    ]
    assert (
        calendar_of(smtp_server.inbox.to("first@example.org")[0]).walk("VEVENT")[0].decoded("dtstart")
        == later
    )
    db.session.refresh(mailout)
    assert (mailout.status, mailout.written) == (MailoutStatus.DONE, 2)


def test_a_notice_not_written_yet_gives_way_to_a_later_change_or_the_cancellation(
    mail_app, smtp_server, queued
):
    event = make_event("Partnership")
    for email in ("first@example.org", "second@example.org"):
        service.register(event, applicant(email))
    queued()
    smtp_server.inbox.clear()
    later = event.start_dt + timedelta(days=7)
    event_service.reschedule(event, later, later + timedelta(hours=2))
    event_service.reschedule(db.session.get(Event, event.id), later, later + timedelta(hours=3))
    event_service.cancel_event(db.session.get(Event, event.id), "Postponed.")

    queued()
    received = zip(smtp_server.inbox.envelopes, smtp_server.inbox.messages, strict=True)
    assert sorted((envelope.rcpt_tos[0], message["Subject"]) for envelope, message in received) == [
        ("first@example.org", "Cancelled: Partnership"),
        ("second@example.org", "Cancelled: Partnership"),
    ]  # one email each, saying what the event is now
    mailouts = db.session.scalars(sa.select(Mailout).order_by(Mailout.id)).all()
    assert [(m.kind, m.status, m.written) for m in mailouts] == [
        (MailoutKind.EVENT_CHANGED, MailoutStatus.DONE, 0),
        (MailoutKind.EVENT_CHANGED, MailoutStatus.DONE, 0),
        (MailoutKind.EVENT_CANCELLED, MailoutStatus.DONE, 2),
    ]


class Undone(Exception):
    """What a caller refuses after a nested unit of work has recorded a notice."""


def test_a_mailout_asks_the_queue_once_after_the_commit_and_never_when_undone(mail_app, smtp_server, queued):
    """The job is asked for by an `on_commit()` callback equal to any other for the same
    mailout: registered twice, it runs once; registered in a nested unit that is undone, it
    is dropped with the mailout."""
    from app.queue import huey

    mail_app.config["OUTBOX_KICK"] = False  # only the mailouts' jobs wait in the queue
    event = make_event("Partnership")
    service.register(event, applicant("first@example.org"))
    deliver_pending()
    smtp_server.inbox.clear()
    later = event.start_dt + timedelta(days=7)
    with write_transaction():
        with contextlib.suppress(Undone), write_transaction():
            event_service.reschedule(db.session.get(Event, event.id), later, later + timedelta(hours=2))
            raise Undone
        event_service.cancel_event(db.session.get(Event, event.id), "Postponed.")
        [mailout] = db.session.scalars(sa.select(Mailout)).all()
        on_commit(Enqueue(mailout.id))  # asked for again in the same unit of work
        assert huey.pending_count() == 0  # nothing before the commit
    assert huey.pending_count() == 1
    assert mailout.kind == MailoutKind.EVENT_CANCELLED

    assert queued() == 1
    deliver_pending()
    assert [message["Subject"] for message in smtp_server.inbox.messages] == ["Cancelled: Partnership"]


def test_reschedule_refuses_nonsense(app):
    event = make_event()
    with pytest.raises(event_service.EventChangeError):
        event_service.reschedule(event, event.end_dt, event.start_dt)
    with pytest.raises(event_service.EventChangeError):
        event_service.reschedule(event, event.start_dt.replace(tzinfo=None), event.end_dt)


def test_a_temporary_smtp_refusal_is_retried_later(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    service.register(make_event(), applicant())
    handler = smtp_server.controller.handler
    real_rcpt, attempts = handler.handle_RCPT, []

    async def greylist(server, session, envelope, address, rcpt_options):
        """The first attempt is told 451 (try again later), as greylisting servers do."""
        attempts.append(address)
        if len(attempts) == 1:
            return "451 4.7.1 Greylisted, please try again later"
        return await real_rcpt(server, session, envelope, address, rcpt_options)

    handler.handle_RCPT = greylist
    first = deliver_pending()
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    message = db.session.scalars(sa.select(Message)).one()
    assert message.status == MessageStatus.QUEUED and message.last_error.startswith("451")
    second = deliver_pending(now=message.next_attempt_dt + timedelta(seconds=1))
    assert second.sent == 1 and len(smtp_server.inbox.messages) == 1


def test_failed_messages_can_be_queued_again(mail_app, smtp_server):
    mail_app.config["OUTBOX_KICK"] = False
    smtp_server.inbox.refuse.add("amina.yusuf@example.org")
    service.register(make_event(), applicant())
    assert deliver_pending().failed == 1
    smtp_server.inbox.refuse.clear()
    result = mail_app.test_cli_runner().invoke(args=["mail", "retry-failed"])
    assert "1 failed messages queued again" in result.output
    assert deliver_pending().sent == 1
    assert retry_failed() == 0


class StoppedClock:
    """A clock that moves only when the code sleeps, or the test says time has passed: what
    the pacer does is then the same on an idle machine and a loaded one."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.naps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.naps.append(seconds)
        self.now += seconds


def test_the_sending_rate_is_kept():
    clock = StoppedClock()
    pacer = Pacer(per_minute=1200, clock=clock.monotonic, sleep=clock.sleep)  # one every 50 ms
    for _ in range(5):
        pacer.wait()
    assert clock.naps == pytest.approx([0.05] * 4)  # four intervals between five messages
    clock.now += 0.08  # a slow message: its interval has passed
    pacer.wait()
    assert len(clock.naps) == 4
    unlimited_clock = StoppedClock()
    unlimited = Pacer(per_minute=0, clock=unlimited_clock.monotonic, sleep=unlimited_clock.sleep)
    for _ in range(1000):
        unlimited.wait()
    assert unlimited_clock.naps == []


def test_a_server_that_never_answers_times_out_and_the_message_waits(tmp_path):
    """A silent server must not hang the worker: MAIL_TIMEOUT ends the wait, the message is kept.

    The server hangs up after SILENT_SERVER_PATIENCE seconds, far beyond MAIL_TIMEOUT and
    short of the 30 s default: "timed out" says the worker gave up first, at its own timeout,
    however busy the machine (a bound on the time the delivery took failed under load)."""
    from tests.conftest import make_app, with_fresh_database

    with silent_smtp_server() as port:
        app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=0.5, OUTBOX_KICK=False)
        for _ in with_fresh_database(app):
            service.register(make_event(), applicant())
            report = deliver_pending()
            assert (report.sent, report.retrying) == (0, 1)
            message = db.session.scalars(sa.select(Message)).one()
            assert message.status == MessageStatus.QUEUED and "timed out" in message.last_error


SILENT_SERVER_PATIENCE = 20.0  # seconds


@contextmanager
def silent_smtp_server():
    """The port of a server that accepts a connection, never says hello, and hangs up after
    SILENT_SERVER_PATIENCE seconds (at once when the block ends)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(SILENT_SERVER_PATIENCE)
    done = threading.Event()

    def hold_the_line():
        try:
            connection, _ = listener.accept()
        except OSError:  # nobody called
            return
        with connection:
            done.wait(SILENT_SERVER_PATIENCE)

    holder = threading.Thread(target=hold_the_line, daemon=True)
    holder.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        listener.close()
        holder.join(timeout=5)
