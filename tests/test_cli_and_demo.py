"""The command line: the demo programme and the outbox, as `make run` and an operator use them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import (
    Document,
    Event,
    Message,
    Registration,
    RegistrationState,
    RegistrationStatus,
    Series,
    Speaker,
)
from app.services import registrations as service
from app.services.registrations import Applicant


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
