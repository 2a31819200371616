"""How long a 20,000-row Zoom participant report takes to import, step by step.

    .venv/bin/python bench/attendance_import.py [--rows 20000] [--people 5000] [--registrants 2000]

Generates a Zoom meeting participant report (tests/data/synthetic.py: every person joins
again every 15 minutes, some connections overlapping) for an event with the given number
of registrations, then times what the organiser waits for:

    parse    reading the file and merging the rows per person (no database)
    preview  the upload: parse, match to registrations, store the preview
    save     the confirmation: the job writing the Attendance rows in batches (run inline)
    replace  a corrected file confirmed in place of the import: the event counted again
             from its reports, in one unit of work (its preview is not counted)
    remove   the corrected file removed: its attendance taken back

Runs on a fresh SQLite file, or on BENCH_DATABASE_URL (an empty PostgreSQL database).
The last line is one JSON object of the figures; import_20k_ms is preview + save.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Account,
    AccountRole,
    Attendance,
    AttendanceImport,
    Delegate,
    Event,
    ImportStatus,
    Registration,
    RegistrationStatus,
)
from app.queue import huey  # noqa: E402
from app.services.accounts.accounts import create_account  # noqa: E402
from app.services.attendance import attendance as service  # noqa: E402
from app.services.attendance import corrections  # noqa: E402
from app.services.attendance import participant_reports as reports  # noqa: E402
from tests.data.synthetic import person, zoom_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--registrants", type=int, default=2000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_DIR": str(workdir / "mail")})
    huey.immediate = True  # the job runs inline, so that its time is measured here
    logging.getLogger("huey").setLevel(logging.WARNING)
    data = zoom_report(args.people, args.rows, datetime(2021, 6, 30, 10))
    with app.test_request_context():
        db.drop_all()
        db.create_all()
        event, account = _event_with_registrations(args.registrants)

        started = time.perf_counter()
        report = reports.read_report(reports.read_table(data, "participants.csv"), ZoneInfo(event.timezone))
        parse_ms = (time.perf_counter() - started) * 1000
        people = len(report.participants)
        del report  # what the web process holds during an upload: not a parsed report besides

        started = time.perf_counter()
        imported = service.start_import(event, "participants.csv", data, event.timezone, by=account)
        preview_ms = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        service.confirm_import(imported, {}, service.WALK_IN, event.attendance_min_minutes, by=account)
        save_ms = (time.perf_counter() - started) * 1000

        imported = db.session.get(AttendanceImport, imported.id, populate_existing=True)
        written = db.session.scalar(sa.select(sa.func.count(Attendance.id)))
        ok = imported.status == ImportStatus.DONE and written == people == args.people

        # The same report with a line more (a new file): read, then confirmed in place of the first.
        corrected = service.start_import(
            event, "corrected.csv", data + b"\r\n", event.timezone, by=account, replaces=imported
        )
        started = time.perf_counter()
        service.confirm_import(corrected, {}, service.WALK_IN, by=account)
        replace_ms = (time.perf_counter() - started) * 1000
        rewritten = db.session.scalar(sa.select(sa.func.count(Attendance.id)))

        started = time.perf_counter()
        corrections.remove_import(corrected, by=account)
        remove_ms = (time.perf_counter() - started) * 1000
        left = db.session.scalar(sa.select(sa.func.count(Attendance.id)))
        ok = ok and rewritten == written and left == 0
        figures = {
            "rows": args.rows,
            "people": args.people,
            "registrants": args.registrants,
            "database": db.engine.dialect.name,
            "file_mb": round(len(data) / 2**20, 2),
            "parse_ms": round(parse_ms),
            "preview_ms": round(preview_ms),
            "save_ms": round(save_ms),
            "matched": imported.matched_count,
            "written": written,
            "ok": ok,
            "import_20k_ms": round(preview_ms + save_ms),
            "replace_ms": round(replace_ms),
            "remove_ms": round(remove_ms),
        }
        db.session.remove()
        db.drop_all()
    for name, value in figures.items():
        print(f"{name:>14}: {value}")
    print(json.dumps(figures))
    if not ok:
        sys.exit(1)


def _event_with_registrations(count: int) -> tuple[Event, Account]:
    start = datetime(2021, 6, 30, 8, tzinfo=UTC)
    event = Event(
        title="Partnership",
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        timezone="Europe/Brussels",
        join_url="https://zoom.us/j/81234567890",
    )
    db.session.add(event)
    db.session.commit()
    account = create_account("bench@example.org", "Bench", secrets.token_urlsafe(16), AccountRole.ORGANISER)
    now = datetime.now(UTC)
    delegates = [{"email": person(n)[1], "name": person(n)[0], "created_dt": now} for n in range(count)]
    db.session.execute(sa.insert(Delegate), delegates)
    delegates = dict(db.session.execute(sa.select(Delegate.email, Delegate.id)).all())
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "event_id": event.id,
                "delegate_id": delegates[person(n)[1]],
                "name": person(n)[0],
                "status": RegistrationStatus.CONFIRMED,
                "consent_privacy_dt": now,
                "created_dt": now,
                "status_changed_dt": now,
            }
            for n in range(count)
        ],
    )
    db.session.commit()
    return event, account


if __name__ == "__main__":
    main()
