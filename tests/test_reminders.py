"""Reminders arrive at the right moments, once, with the join link when it matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event, Message, Registration, SentReminder
from app.services.mail import event_notices as event_service
from app.services.mail.reminders import (
    Reminder,
    ScheduleError,
    parse_offset,
    schedule_for,
    send_due_reminders,
    set_schedule,
)
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import at_once, make_event, make_series

# Partnership, 30 June 2030 10:00 in Brussels; registrations opened weeks before.
START = datetime(2030, 6, 30, 8, tzinfo=UTC)
REGISTERED = START - timedelta(days=30)


@pytest.fixture
def event(app):
    app.config["OUTBOX_KICK"] = False
    event = make_event("Partnership", start=START, capacity=10, join_url="https://zoom.us/j/81234567890")
    for n in range(3):
        service.register(event, Applicant(email=f"d{n}@example.org", name=f"Delegate {n}"), now=REGISTERED)
    db.session.execute(sa.delete(Message))  # the confirmations are not what these tests look at
    db.session.commit()
    return event


def reminders(kind: str = "reminder") -> list[Message]:
    return list(db.session.scalars(sa.select(Message).where(Message.kind == kind).order_by(Message.id)))


def test_default_schedule_is_a_week_a_day_and_an_hour_before(event):
    assert [r.minutes for r in schedule_for(event)] == [7 * 1440, 1440, 60]


@pytest.mark.parametrize(
    ("before", "minutes", "join_link"),
    [(timedelta(days=7), 10080, False), (timedelta(days=1), 1440, True), (timedelta(hours=1), 60, True)],
)
def test_each_reminder_goes_at_its_moment_to_every_confirmed_registrant(event, before, minutes, join_link):
    assert send_due_reminders(now=START - before - timedelta(minutes=1)) == 0
    assert send_due_reminders(now=START - before) == 3
    sent = reminders()
    assert sorted(m.to_address for m in sent) == ["d0@example.org", "d1@example.org", "d2@example.org"]
    assert ("https://zoom.us/j/81234567890" in sent[0].body_text) is join_link
    assert ("https://zoom.us/j/81234567890" in sent[0].body_html) is join_link
    assert "CEST (UTC+02:00)" in sent[0].body_text
    assert {r.minutes_before for r in db.session.scalars(sa.select(SentReminder))} == {minutes}


def test_reminder_subject_says_when(event):
    send_due_reminders(now=START - timedelta(hours=1))
    assert reminders()[0].subject == "Reminder: Partnership starts in 1 hour"
    send_due_reminders(now=START - timedelta(days=1))
    assert reminders()[-1].subject == "Reminder: Partnership starts in 1 day"


def test_running_again_sends_nothing_twice(event):
    moment = START - timedelta(days=1)
    assert send_due_reminders(now=moment) == 3
    assert send_due_reminders(now=moment + timedelta(minutes=1)) == 0
    assert send_due_reminders(now=moment + timedelta(hours=2)) == 0
    assert len(reminders()) == 3


def test_a_worker_back_from_downtime_catches_up_within_the_window(event):
    # The 1-day reminder was due 5 hours ago; a quarter of a day has not passed yet.
    assert send_due_reminders(now=START - timedelta(hours=19)) == 3


def test_a_reminder_too_late_to_be_useful_is_skipped(event):
    # The 1-hour reminder's window is 15 minutes; 20 minutes late, it no longer goes.
    assert send_due_reminders(now=START - timedelta(minutes=40)) == 0
    # And none at all once the event has started.
    assert send_due_reminders(now=START + timedelta(minutes=1)) == 0
    assert reminders() == []


def test_only_confirmed_registrants_before_the_moment_get_it(event):
    late = START - timedelta(hours=23)  # after the 1-day moment
    service.register(event, Applicant(email="late@example.org", name="Late"), now=late)
    waiting = make_event("Full", start=START, capacity=0)
    service.register(waiting, Applicant(email="waiting@example.org", name="W"), now=REGISTERED)
    first = db.session.scalars(sa.select(Registration).order_by(Registration.id)).first()
    service.cancel(first, now=REGISTERED + timedelta(days=1))

    assert send_due_reminders(now=START - timedelta(hours=20)) == 2  # 1-day reminder: d1, d2
    assert sorted(m.to_address for m in reminders()) == ["d1@example.org", "d2@example.org"]
    assert send_due_reminders(now=START - timedelta(hours=1)) == 3  # 1-hour: d1, d2 and late
    assert "late@example.org" in {m.to_address for m in reminders()}


def test_cancelled_or_unpublished_event_sends_none(event):
    event_service.cancel_event(event)
    assert send_due_reminders(now=START - timedelta(days=1)) == 0
    db.session.execute(sa.update(Event).values(is_cancelled=False, is_published=False))
    db.session.commit()
    assert send_due_reminders(now=START - timedelta(hours=1)) == 0
    assert reminders() == []


def test_moving_the_event_moves_its_pending_reminders(event):
    assert send_due_reminders(now=START - timedelta(days=7)) == 3
    later = START + timedelta(days=14)
    event_service.reschedule(event, later, later + timedelta(hours=2), now=START - timedelta(days=7))
    assert send_due_reminders(now=START - timedelta(days=1)) == 0  # the old moment is gone
    assert send_due_reminders(now=later - timedelta(days=7)) == 3  # the week-before again, for the new date
    assert send_due_reminders(now=later - timedelta(days=1)) == 3


def test_organisers_note_appears_in_that_reminder(event):
    set_schedule(event, [Reminder(1440), Reminder(60, "Please test your audio before joining.")])
    assert send_due_reminders(now=START - timedelta(hours=1)) == 3
    message = reminders()[0]
    assert "Please test your audio before joining." in message.body_text
    assert "Please test your audio before joining." in message.body_html


def test_series_sets_the_default_for_its_events(app):
    series = make_series()
    event = make_event(series=series, start=START)
    set_schedule(series, [Reminder(2 * 1440), Reminder(30)])
    db.session.refresh(event)
    assert [r.minutes for r in schedule_for(event)] == [2880, 30]
    set_schedule(event, [Reminder(120)])
    assert [r.minutes for r in schedule_for(db.session.get(Event, event.id))] == [120]


@pytest.mark.parametrize(
    "schedule",
    [
        [Reminder(2)],
        [Reminder(61 * 1440)],
        [Reminder(60), Reminder(60)],
        [Reminder(m) for m in range(10, 80, 10)],
        [Reminder(60, "x" * 1001)],
    ],
    ids=["too-close", "too-far", "twice", "too-many", "long-note"],
)
def test_bad_schedules_are_refused(event, schedule):
    with pytest.raises(ScheduleError):
        set_schedule(event, schedule)
    assert db.session.get(Event, event.id).reminder_schedule is None


@pytest.mark.parametrize(("text", "minutes"), [("7d", 10080), ("24h", 1440), ("90m", 90), ("45", 45)])
def test_offsets_are_read_from_short_text(text, minutes):
    assert parse_offset(text) == minutes


@pytest.mark.parametrize("text", ["", "d", "1w", "-5m", "1.5h"])
def test_unreadable_offsets_are_refused(text):
    with pytest.raises(ScheduleError):
        parse_offset(text)


def test_two_schedulers_at_once_send_each_reminder_once(app, event):
    counts = at_once(app, lambda: send_due_reminders(now=START - timedelta(days=1)), copies=3)
    assert sum(counts) == 3
    db.session.rollback()
    assert len(reminders()) == 3


def test_cli_shows_and_sets_the_schedule(event, runner):
    result = runner.invoke(
        args=["reminders", "schedule", str(event.id), "2d", "2h", "--note", "2h=Bring questions"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.split("\n")[:2] == [
        "  2880 minutes before",
        "   120 minutes before  note: Bring questions",
    ]
    bad = runner.invoke(args=["reminders", "schedule", str(event.id), "1w"])
    assert bad.exit_code == 2 and "not an offset" in bad.output
    missing = runner.invoke(args=["reminders", "schedule", "999999", "1d"])
    assert missing.exit_code == 2
    assert runner.invoke(args=["reminders", "send"]).exit_code == 0
