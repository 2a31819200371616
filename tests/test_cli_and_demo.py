"""The command line: the demo programme and the outbox, as `make run` and an operator use them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceSource,
    Document,
    Event,
    EventFormat,
    EventKind,
    Message,
    Registration,
    RegistrationState,
    RegistrationStatus,
    Series,
    Speaker,
)
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant


def seed(runner, *args):
    result = runner.invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_demo_loads_the_4ps_series_from_the_seeds(runner):
    assert "Demo programme loaded" in seed(runner, "--if-empty")
    series = db.session.scalars(
        sa.select(Series).where(Series.title == "Trafficking in Human Beings: The 4Ps Revisited")
    ).one()
    assert series.chair == "The Netherlands"
    modules = [(e.title, e.start_dt.astimezone(e.zone).date().isoformat()) for e in series.events]
    assert modules == [
        ("Prevention", "2021-03-31"),
        ("Protection", "2021-04-28"),
        ("Prosecution", "2021-05-26"),
        ("Partnership", "2021-06-30"),
    ]
    speakers = {s.name: (s.title, s.organisation) for s in db.session.scalars(sa.select(Speaker))}
    assert speakers["Ms. Conny Rijken"] == (
        "Professor of Human Trafficking and Globalisation",
        "Tilburg University",
    )
    assert any(name.endswith("Johan Kruger") for name in speakers)
    notes = db.session.scalars(sa.select(Document.title).where(Document.kind == "background_note")).all()
    assert len(notes) == 4
    protection = series.events[1]
    confirmed = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.event_id == protection.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )
    assert confirmed > 140  # "over 140 participants"
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0  # the demo mails nobody


def test_seed_demo_gives_upcoming_webinars_to_try(runner):
    seed(runner)
    now = utcnow()
    upcoming = db.session.scalars(sa.select(Event).where(Event.start_dt > now).order_by(Event.start_dt)).all()
    assert len(upcoming) == 3
    states = [e.registration_window(now).state for e in upcoming]
    assert RegistrationState.WAITLIST in states
    few_left = [e for e in upcoming if e.seats_left is not None and 0 < e.seats_left <= 5]
    assert few_left, "one webinar should have only a few seats left"
    assert any(e.requires_approval for e in upcoming)
    for event in upcoming:
        counted = db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(
                Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        assert counted == event.confirmed_count


def test_seed_demo_if_empty_does_nothing_the_second_time(runner):
    seed(runner, "--if-empty")
    events = db.session.scalar(sa.select(sa.func.count(Event.id)))
    assert "not loaded" in seed(runner, "--if-empty")
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == events


def test_demo_documents_download(runner, client):
    seed(runner)
    reader = db.session.scalars(sa.select(Document).where(Document.kind == "reader")).one()
    response = client.get(f"/documents/{reader.id}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert "KP THB 4Ps_WEB.pdf" in response.headers["Content-Disposition"]


def test_a_demo_webinar_takes_a_registration(runner):
    seed(runner)
    upcoming = db.session.scalars(sa.select(Event).where(Event.start_dt > utcnow()).order_by(Event.start_dt))
    event = next(e for e in upcoming if e.registration_window().state == RegistrationState.OPEN)
    outcome = service.register(event, Applicant(email="new.delegate@example.org", name="New Delegate"))
    assert outcome.status == RegistrationStatus.CONFIRMED


def test_outbox_commands_report_and_deliver(app, runner):
    app.config["OUTBOX_KICK"] = False
    start = datetime(2030, 3, 31, 8, tzinfo=UTC)
    event = Event(
        title="Prevention", start_dt=start, end_dt=start.replace(hour=10), timezone="Europe/Brussels"
    )
    db.session.add(event)
    db.session.commit()
    service.register(event, Applicant(email="a@example.org", name="A"))
    assert (
        runner.invoke(args=["mail", "status"]).output.strip() == "queued: 1, sending: 0, sent: 0, failed: 0"
    )
    assert "sent 1" in runner.invoke(args=["mail", "deliver"]).output
    assert (
        runner.invoke(args=["mail", "status"]).output.strip() == "queued: 0, sending: 0, sent: 1, failed: 0"
    )


@pytest.mark.parametrize("app_config", [{"DEMO_ACCOUNTS": True}])
def test_seed_demo_adds_a_console_account_per_role_where_allowed(app, runner):
    from app.demo import DEMO_PASSWORD
    from app.models import Account

    output = seed(runner)
    assert f"admin@plenary.example.org / {DEMO_PASSWORD}" in output
    roles = {account.email: account.role.value for account in db.session.scalars(sa.select(Account))}
    assert roles == {
        "admin@plenary.example.org": "admin",
        "organiser@plenary.example.org": "organiser",
        "viewer@plenary.example.org": "viewer",
    }


def test_seed_demo_adds_no_account_by_default_outside_development(app, runner):
    from app.models import Account

    assert "flask create-admin" in seed(runner)
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == 0


# --- the programme's history and attendance -----------------------------------------------------

SEED_WINDOW = (datetime(2015, 11, 1, tzinfo=UTC), datetime(2020, 4, 1, tzinfo=UTC))


def in_seed_window():
    return Event.start_dt.between(*SEED_WINDOW)


def test_demo_meetings_of_2015_to_2020_add_up_to_the_seed_figures(runner):
    seed(runner)  # how long it takes (`make run` loads it at first start): bench/demo.py
    by_kind = sa.select(Event.kind, sa.func.count()).where(in_seed_window()).group_by(Event.kind)
    kinds = dict(db.session.execute(by_kind).all())
    # "2 Informal Working Groups, 9 Steering Committee Meetings, 7 Senior Officials' Meetings,
    # 12 Thematic Meetings and 1 Regional Training"
    assert kinds == {
        EventKind.WORKING_GROUP: 2,
        EventKind.STEERING_COMMITTEE: 9,
        EventKind.SENIOR_OFFICIALS_MEETING: 7,
        EventKind.THEMATIC_MEETING: 12,
        EventKind.TRAINING: 1,
    }
    attended = (
        sa.select(Attendance.id, Registration.delegate_id)
        .join(Event, Event.id == Attendance.event_id)
        .outerjoin(Registration, Registration.id == Attendance.registration_id)
        .where(in_seed_window(), Attendance.attended.is_(True))
        .subquery()
    )
    participations, delegates = db.session.execute(
        sa.select(sa.func.count(attended.c.id), sa.func.count(sa.distinct(attended.c.delegate_id)))
    ).one()
    assert 1780 <= participations <= 1799  # "gathered almost 1,800 delegates"
    assert delegates < participations  # delegates come back from meeting to meeting
    recommendations = db.session.scalar(
        sa.select(sa.func.sum(Event.recommendations_count)).where(in_seed_window())
    )
    assert 131 <= recommendations <= 139  # "resulted in over 130 recommendations"

    som = db.session.scalars(sa.select(Event).where(Event.title == "7th Senior Officials' Meeting")).one()
    assert som.place == "The Hague, The Netherlands" and som.kind == EventKind.SENIOR_OFFICIALS_MEETING

    # In person, everyone confirmed checked in at the door for the whole meeting.
    meetings = db.session.scalars(
        sa.select(Event).where(in_seed_window(), Event.format == EventFormat.IN_PERSON)
    ).all()
    assert len(meetings) == 31
    for meeting in meetings:
        rows = db.session.execute(
            sa.select(Attendance, Registration)
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Attendance.event_id == meeting.id)
        ).all()
        assert len(rows) == meeting.confirmed_count > 0, meeting.title
        lengths = {attendance.minutes for attendance, _ in rows}
        assert len(lengths) == 1 and lengths.pop() > 0
        for attendance, registration in rows:
            assert attendance.attended and attendance.source == AttendanceSource.CHECK_IN
            assert attendance.participant_key == f"reg:{registration.id}"
            assert registration.status == RegistrationStatus.CONFIRMED and registration.event_id == meeting.id


def test_demo_webinars_have_attendance_like_the_seeds(runner):
    seed(runner)
    series = db.session.scalars(
        sa.select(Series).where(Series.title == "Trafficking in Human Beings: The 4Ps Revisited")
    ).one()
    took_part = {}
    for event in series.events:
        rows = db.session.scalars(sa.select(Attendance).where(Attendance.event_id == event.id)).all()
        attended = [a for a in rows if a.attended]
        walk_ins = [a for a in attended if a.registration_id is None]
        assert 2 <= len(walk_ins) <= 5, event.title
        assert all(a.participant_key == a.email and a.country and a.organisation_kind for a in walk_ins)
        assert all(a.participant_key == f"reg:{a.registration_id}" for a in rows if a.registration_id)
        assert any(not a.attended for a in rows)  # looked in for a few minutes only
        assert event.confirmed_count > len(attended) - len(walk_ins)  # and some never came
        minutes = {a.minutes for a in attended}
        assert len(minutes) > 10 and max(minutes) <= 125
        took_part[event.title] = len(attended)
    assert took_part["Prevention"] > 100  # "more than 100 attendees and panellists"
    assert took_part["Protection"] > 140  # "over 140 participants"
    assert took_part["Prosecution"] > 100  # "over 100 delegates"
