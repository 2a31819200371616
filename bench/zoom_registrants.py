"""Adding 2,000 registrants to a Zoom webinar at Zoom's documented rate limit, against the
stand-in server (tests/standins/zoom.py), which answers 429 past the limit as Zoom does.

    .venv/bin/python bench/zoom_registrants.py [--registrants 2000] [--limit 30] [--rate 30]

`--limit`: the calls a second the stand-in allows (Zoom's "Light" APIs, which adding a
registrant is: 30 a second on Pro, 80 on Business and above); `--rate`: the calls a second the
client paces itself to (ZOOM_RATE_PER_SECOND). The theoretical minimum is registrants / limit
seconds; the figure is the time the sync took (every batch of the task, run inline, as the
worker runs them one after the other), the 429s it met and the registrants Zoom then holds.

Runs on a fresh SQLite file, or on BENCH_DATABASE_URL (an empty PostgreSQL database).
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
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
from app.models import Delegate, Event, PlatformRegistrant, Registration, RegistrationStatus  # noqa: E402
from app.services.integrations import meetings, registrants  # noqa: E402
from tests.standins import zoom  # noqa: E402

WEBINAR = "81234567890"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrants", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=30)
    parser.add_argument("--rate", type=float, default=30)
    args = parser.parse_args()

    standin, server = zoom.start()
    standin.per_second = int(args.limit)
    standin.add_meeting(WEBINAR)
    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_DIR": str(workdir / "mail"),
            "OUTBOX_KICK": False,  # the sync is timed here, not left to a worker
            "ZOOM_API_URL": standin.url + "/v2",
            "ZOOM_OAUTH_URL": standin.url,
            "ZOOM_ACCOUNT_ID": standin.account_id,
            "ZOOM_CLIENT_ID": standin.client_id,
            "ZOOM_CLIENT_SECRET": standin.client_secret,
            "ZOOM_RATE_PER_SECOND": args.rate,
        }
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.test_request_context():
        db.drop_all()
        db.create_all()
        event = _event_with_registrations(args.registrants)
        meetings.link(event, meetings.Platform.ZOOM, meeting_id=WEBINAR, by=None)
        standin.calls.clear()

        started = time.perf_counter()
        runs = 0
        while True:
            runs += 1
            progress = registrants.sync_event(event.id)
            if not progress.more:
                break
        seconds = time.perf_counter() - started

        added = db.session.scalar(
            sa.select(sa.func.count()).select_from(PlatformRegistrant).where(PlatformRegistrant.on_platform)
        )
        calls = sum(1 for method, path in standin.calls if method == "POST" and path.endswith("/registrants"))
        minimum = args.registrants / args.limit
        figures = {
            "database": db.engine.dialect.name,
            "registrants": args.registrants,
            "limit_per_second": args.limit,
            "client_rate_per_second": args.rate,
            "added": added,
            "on_zoom": len(standin.meetings[WEBINAR]["registrants"]),
            "task_runs": runs,
            "registrant_calls": calls,
            "answered_429": calls - added,
            "seconds": round(seconds, 2),
            "theoretical_minimum_seconds": round(minimum, 2),
            "ratio_to_minimum": round(seconds / minimum, 3),
        }
        print(
            f"{added} of {args.registrants} registrants added in {seconds:.1f} s "
            f"(minimum at {args.limit:g}/s: {minimum:.1f} s, ratio {seconds / minimum:.2f})"
        )
        print(json.dumps(figures))
        db.session.remove()
        db.drop_all()
    server.shutdown()


def _event_with_registrations(count: int) -> Event:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    event = Event(
        title="Partnership",
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        timezone="Europe/Brussels",
        join_url=f"https://zoom.us/w/{WEBINAR}",
        capacity=None,
    )
    db.session.add(event)
    db.session.commit()
    now = datetime.now(UTC)
    people = [(f"Delegate Number{n}", f"delegate{n}@example.org") for n in range(count)]
    db.session.execute(sa.insert(Delegate), [{"email": e, "name": n, "created_dt": now} for n, e in people])
    ids = dict(db.session.execute(sa.select(Delegate.email, Delegate.id)).all())
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "event_id": event.id,
                "delegate_id": ids[email],
                "name": name,
                "status": RegistrationStatus.CONFIRMED,
                "consent_privacy_dt": now,
                "created_dt": now,
                "status_changed_dt": now,
            }
            for name, email in people
        ],
    )
    db.session.commit()
    return event


if __name__ == "__main__":
    main()
