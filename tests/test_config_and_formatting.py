"""Configuration guards and how times are shown."""

from __future__ import annotations

import re
import secrets
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app import create_app
from app.database import utcnow
from app.formatting import event_when, time_range, window_label, zone_label
from tests.conftest import make_event

ROOT = Path(__file__).resolve().parent.parent
# A value given to a secret key on a line of the repository: quoted, or after = or : (an .env file).
KEY_LINE = re.compile(r"secret[_ ]?key", re.IGNORECASE)
KEY_VALUE = re.compile(r"""(["'])([^"'\s]+)\1|SECRET_KEY\s*[=:]\s*([^\s"',)]+)""")


def production_app(tmp_path, secret_key: str | None):
    config = {"PLENARY_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    if secret_key is not None:
        config["SECRET_KEY"] = secret_key
    return create_app(config)


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production_app(tmp_path, None)


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = production_app(tmp_path, secrets.token_urlsafe(32))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


@pytest.mark.parametrize("key", ["", "x", "a-short-secret", "S3cr3t-but-only-31-characters!!"])
def test_production_refuses_a_secret_key_shorter_than_32_characters(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY is too short .* at least 32 characters"):
        production_app(tmp_path, key)


@pytest.mark.parametrize("key", ["x" * 40, "ab" * 32, "0123456" * 8])
def test_production_refuses_a_long_key_of_few_different_characters(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY has too few different characters"):
        production_app(tmp_path, key)


def repository_files() -> list[Path]:
    """The files git tracks (every file but the virtualenv's and git's own without git)."""
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
        return [ROOT / name for name in listed.stdout.splitlines()]
    except (OSError, subprocess.CalledProcessError):
        skipped = {".git", ".venv", "node_modules", "instance", "__pycache__"}
        return [path for path in ROOT.rglob("*") if path.is_file() and not skipped & set(path.parts)]


def keys_written_in_the_repository() -> set[str]:
    keys = set()
    for path in repository_files():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue  # not text
        for line in filter(KEY_LINE.search, lines):
            keys.update(quoted or assigned for _quote, quoted, assigned in KEY_VALUE.findall(line))
    return keys


def test_production_refuses_every_secret_key_written_in_the_repository(tmp_path):
    keys = keys_written_in_the_repository()
    # The scan finds them: in the code, the tests, the examples of the docs and the benchmarks.
    assert {
        "dev-only-secret-key-change-me",
        "testing-secret-key",
        "change-me-to-64-random-characters",
    } <= keys
    assert "bench-registration-secret-key-0123456789abcdef" in keys
    for key in sorted(keys):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            production_app(tmp_path, key)
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            production_app(tmp_path, f" {key}\n")  # as an environment file may give it


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
