"""Configuration guards and how times are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.database import utcnow
from app.formatting import event_when, time_range, window_label, zone_label
from tests.conftest import make_event


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PLENARY_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app(
        {
            "PLENARY_ENV": "production",
            "SECRET_KEY": "a-long-random-value-from-the-environment",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Brussels", "10:00–12:00 CEST (UTC+02:00)"),
        ("Africa/Nairobi", "11:00–13:00 EAT (UTC+03:00)"),
        ("Africa/Khartoum", "10:00–12:00 CAT (UTC+02:00)"),
        ("Asia/Dubai", "12:00–14:00 (UTC+04:00)"),  # no letters for this zone: offset only
        ("America/New_York", "04:00–06:00 EDT (UTC-04:00)"),
    ],
)
def test_times_in_the_events_zone_with_offset(app, zone, expected):
    start = datetime(2021, 6, 30, 8, tzinfo=UTC)  # Partnership, 10:00 in Brussels
    assert time_range(start, start + timedelta(hours=2), zone).endswith(expected)


def test_date_is_the_local_date(app):
    start = datetime(2021, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Nairobi
    assert time_range(start, start + timedelta(hours=1), "Africa/Nairobi").startswith("Thursday 1 July 2021")


def test_winter_time_changes_the_label(app):
    start = datetime(2021, 1, 13, 9, tzinfo=UTC)
    assert zone_label(start.astimezone(ZoneInfo("Europe/Brussels"))) == "CET (UTC+01:00)"


def test_event_when(app):
    event = make_event(start=datetime(2021, 6, 30, 8, tzinfo=UTC))
    assert event_when(event) == "Wednesday 30 June 2021, 10:00–12:00 CEST (UTC+02:00)"


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({}, "Registration open"),
        ({"capacity": 5}, "Open – 5 seats left"),
        ({"capacity": 0}, "Full – join the waiting list"),
        ({"starts_in": timedelta(days=3, hours=12)}, "Closes in 3 days"),
        ({"registration_closes_dt": utcnow() - timedelta(hours=1)}, "Registration closed"),
        ({"starts_in": timedelta(days=-2)}, "Past event"),
        ({"is_cancelled": True}, "Cancelled"),
    ],
)
def test_registration_state_in_words(app, fields, label):
    event = make_event(**fields)
    assert window_label(event, event.registration_window()) == label


def test_not_yet_open_names_the_opening_time(app):
    opens = datetime(2031, 1, 5, 7, tzinfo=UTC)
    event = make_event(start=datetime(2031, 2, 5, 12, tzinfo=UTC), registration_opens_dt=opens)
    label = window_label(event, event.registration_window(now=datetime(2031, 1, 1, tzinfo=UTC)))
    assert label == "Registration opens Sunday 5 January 2031, 08:00 CET (UTC+01:00)"


def test_an_unexpected_error_gets_our_500_page(tmp_path):
    app = create_app(
        {
            "PLENARY_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            "PROPAGATE_EXCEPTIONS": False,
        }
    )

    @app.route("/boom")
    def boom():
        raise ZeroDivisionError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "a bug" not in page
