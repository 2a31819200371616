"""How long the registrations exports take at 20,000 registrations, as an organiser gets them.

    .venv/bin/python bench/exports.py [--database-url postgresql+psycopg://postgres@127.0.0.1/plenary_bench]
                                      [--registrations 20000] [--runs 5]

Builds one event with 20,000 registrations in bulk (some 60% of them with attendance
recorded, a few names a spreadsheet would take for formulas), signs an organiser in
through the login form, then times what the browser waits for: the test client over the
real views, every byte of the body read. Each figure is the median of several runs, as
wall time and as this process's CPU time (the app's own work: on a machine shared with
other busy processes, the wall time grows with their load). The registrations table's
first page and a searched CSV are timed too. Always on a fresh SQLite file; also on
PostgreSQL when --database-url or TEST_DATABASE_URL names an (empty, disposable) database.
The last line is one JSON object of the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    AccountRole,
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from app.services.accounts.accounts import create_account  # noqa: E402

COUNTRIES = ["ET", "ER", "SD", "SS", "SO", "DJ", "KE", "UG", "EG", "LY", "TN", "NL", "IT", "FR", "DE", "BE"]
KINDS = list(OrganisationKind)
LANGUAGES = ["en", "en", "fr", "ar"]
STATUSES = (
    [RegistrationStatus.CONFIRMED] * 85
    + [RegistrationStatus.WAITLISTED] * 5
    + [RegistrationStatus.CANCELLED] * 10
)
PASSWORD = "bench password, not a secret"  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
BATCH = 5000


def build(count: int, rng: random.Random) -> int:
    """One event of `count` registrations, inserted in bulk; returns its id."""
    start = datetime(2025, 3, 12, 8, tzinfo=UTC)
    event = Event(
        title="Partnership",
        start_dt=start,
        end_dt=start + timedelta(hours=3),
        timezone="Africa/Addis_Ababa",
        capacity=None,
        join_url="https://zoom.us/j/81234567890",
    )
    db.session.add(event)
    db.session.flush()
    now = datetime.now(UTC)
    _insert(
        Delegate,
        [
            {
                "id": n,
                "email": f"delegate{n}@example.org",
                "name": _name(n),
                "created_dt": now,
            }
            for n in range(1, count + 1)
        ],
    )
    registrations, attendance = [], []
    for n in range(1, count + 1):
        status = rng.choice(STATUSES)
        registrations.append(
            {
                "id": n,
                "event_id": event.id,
                "delegate_id": n,
                "status": status,
                "name": _name(n),
                "organisation": f"Ministry of Labour {n % 300}",
                "organisation_kind": KINDS[n % len(KINDS)],
                "country": COUNTRIES[n % len(COUNTRIES)],
                "job_title": "Director of Migration Affairs" if n % 3 else "",
                "language": LANGUAGES[n % len(LANGUAGES)],
                "consent_privacy_dt": now,
                "created_dt": now - timedelta(minutes=n),
                "status_changed_dt": now,
            }
        )
        if status == RegistrationStatus.CONFIRMED and rng.random() < 0.7:
            minutes = rng.randint(2, 180)
            attendance.append(
                {
                    "event_id": event.id,
                    "registration_id": n,
                    "participant_key": f"reg:{n}",
                    "name": _name(n),
                    "source": AttendanceSource.ZOOM,
                    "minutes": minutes,
                    "attended": minutes >= 10,
                }
            )
    _insert(Registration, registrations)
    _insert(Attendance, attendance)
    db.session.commit()
    return event.id


def _name(n: int) -> str:
    # One in a hundred as a spreadsheet would read a formula: the exports neutralise them.
    return f"=Delegate {n}" if n % 100 == 0 else f"Delegate {n}"


def _insert(model, rows: list[dict]) -> None:
    for first in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[first : first + BATCH])


def signed_in(app):
    """A test client signed in as an organiser, through the login form."""
    create_account("organiser@bench.example.org", "Organiser", PASSWORD, AccountRole.ORGANISER)
    client = app.test_client()
    token = CSRF_RE.search(client.get("/console/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/console/login",
        data={"email": "organiser@bench.example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.status_code
    return client


def fetched(client, url: str) -> int:
    """GET `url` and read all of its body; returns its size in bytes."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = len(response.get_data())
    response.close()
    return size


def timed(client, url: str, runs: int) -> tuple[float, float, int]:
    """The median wall time and the median CPU time of this process (the app's own work, which
    other processes on a busy machine do not inflate as much), in ms; and the body's size."""
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        began, cpu_began = time.perf_counter(), time.process_time()
        size = fetched(client, url)
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - cpu_began) * 1000)
    return round(statistics.median(walls), 1), round(statistics.median(cpus), 1), size


def run(url: str, args) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False, "LOG_REQUESTS": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        event_id = build(args.registrations, random.Random(2021))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(
                "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
        name = db.engine.dialect.name
        print(f"[{name}] built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        client = signed_in(app)
        db.session.remove()
        base = f"/console/events/{event_id}/registrations"
        figures = {}
        for label, path in (
            ("table_ms", base),
            ("csv_ms", f"{base}.csv"),
            ("xlsx_ms", f"{base}.xlsx"),
            ("csv_search_ms", f"{base}.csv?q=delegate 1"),
        ):
            fetched(client, path)  # once untimed: templates compiled, caches warm
            figures[label], figures[label.replace("_ms", "_cpu_ms")], size = timed(client, path, args.runs)
            print(
                f"[{name}] {label[:-3]:>10}: {figures[label]:8.1f} ms, "
                f"{figures[label.replace('_ms', '_cpu_ms')]:7.1f} ms of CPU here  ({size:,} bytes)"
            )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = {"registrations": args.registrations}
    results["sqlite"] = run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='plenary-bench-')) / 'bench.db'}", args)
    if args.database_url and args.database_url.startswith("postgresql"):
        results["postgresql"] = run(args.database_url, args)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
