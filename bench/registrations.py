"""How many registrations per second one machine takes, with the seat guard and the outbox.

    .venv/bin/python bench/registrations.py [--registrations 1000] [--threads 8] [--capacity 500]

Runs on a fresh SQLite file, or on BENCH_DATABASE_URL (an empty PostgreSQL
database). Each registration is one real transaction: the delegate upsert, the
guarded seat UPDATE, the registration and its email in the outbox. The last
line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Message, Registration, RegistrationStatus  # noqa: E402
from app.services.mail.delivery import deliver_pending  # noqa: E402
from app.services.registration import registrations as service  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--capacity", type=int, default=500)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "OUTBOX_KICK": False,  # delivery is timed apart, below
            "MAIL_DIR": str(workdir / "mail"),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.threads, "max_overflow": 0},
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        start = utcnow() + timedelta(days=30)
        event = Event(
            title="Partnership",
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            timezone="Europe/Brussels",
            capacity=args.capacity,
            join_url="https://zoom.us/j/1",
        )
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()

    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(args.registrations))
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                applicant = service.Applicant(email=f"delegate{n}@example.org", name=f"Delegate {n}")
                began = time.perf_counter()
                try:
                    service.register(db.session.get(Event, event_id), applicant)
                except Exception as error:
                    errors.append(repr(error))
                latencies.append(time.perf_counter() - began)
                db.session.remove()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    with app.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
            ).all()
        )
        confirmed_count = db.session.get(Event, event_id).confirmed_count
        delivery_began = time.perf_counter()
        report = deliver_pending()
        delivery_elapsed = time.perf_counter() - delivery_began
        queued = db.session.scalar(sa.select(sa.func.count(Message.id)))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()

    confirmed = statuses.get(RegistrationStatus.CONFIRMED, 0)
    figures = {
        "database": sa.make_url(url).get_backend_name(),
        "registrations": args.registrations,
        "threads": args.threads,
        "capacity": args.capacity,
        "seconds": round(elapsed, 3),
        "per_second": round(args.registrations / elapsed, 1),
        "per_minute": round(60 * args.registrations / elapsed),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[-1], 2),
        "confirmed": confirmed,
        "waitlisted": statuses.get(RegistrationStatus.WAITLISTED, 0),
        "overbooked": max(confirmed - args.capacity, 0) + abs(confirmed_count - confirmed),
        "errors": len(errors),
        "emails_queued": queued,
        "emails_written_per_second": round(report.sent / delivery_elapsed, 1) if delivery_elapsed else None,
    }
    print(
        f"{figures['registrations']} registrations by {figures['threads']} threads on {figures['database']}: "
        f"{figures['per_second']}/s ({figures['per_minute']}/min), p50 {figures['p50_ms']} ms, "
        f"p95 {figures['p95_ms']} ms; {confirmed} confirmed, {figures['waitlisted']} waitlisted, "
        f"{figures['overbooked']} overbooked, {len(errors)} errors"
    )
    print(f"outbox: {queued} emails written as .eml at {figures['emails_written_per_second']}/s")
    print(json.dumps(figures))
    if errors or figures["overbooked"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
