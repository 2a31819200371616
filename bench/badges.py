"""How long printing the badges, and the list of participants, takes as an in-person meeting grows.

    .venv/bin/python bench/badges.py [--sizes 500,2000] [--runs 3]

Both are made in the organiser's request (the PDF is the POST's answer), so their time is
what the organiser waits for, and it grows with the meeting: this says by how much. For each
size, one in-person event whose confirmed registrants are registered through the service
(on a fresh SQLite file, mail left in the outbox), then the median of --runs of: every badge
printed, A6 (one a page) and A4 (four a sheet), through `badges.print_badges` (which also
marks them printed); the list of participants as PDF and as XLSX. Wall time and this
process's CPU time. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import AccountRole, Event, EventFormat  # noqa: E402
from app.services.accounts.accounts import create_account  # noqa: E402
from app.services.attendance import badges  # noqa: E402
from app.services.registration.registrations import Applicant, register  # noqa: E402
from app.services.reporting import participants_list  # noqa: E402

PASSWORD = "bench password, not a secret"  # noqa: S105


def timed(work, runs: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_s": round(statistics.median(walls), 3), "cpu_s": round(statistics.median(cpus), 3)}


def figures_at(event: Event, organiser, runs: int) -> dict[str, dict]:
    def listing():
        return participants_list.participants_list(event, participants_list.Who.CONFIRMED)

    def printing(layout: badges.Layout):
        return lambda: badges.print_badges(event, badges.Who.EVERYONE, layout, by=organiser)

    return {
        "badges_a6": timed(printing(badges.Layout.A6), runs),
        "badges_a4": timed(printing(badges.Layout.A4), runs),
        "list_pdf": timed(lambda: participants_list.pdf(listing()), runs),
        "list_xlsx": timed(lambda: participants_list.xlsx(listing()), runs),
    }


def in_person_meeting(capacity: int) -> Event:
    start = datetime.now(UTC) + timedelta(days=30)
    event = Event(
        title="Senior Officials' Meeting",
        start_dt=start,
        end_dt=start + timedelta(hours=8),
        timezone="Europe/Rome",
        format=EventFormat.IN_PERSON,
        place="Palazzo della Farnesina, Rome",
        capacity=capacity,
        is_published=True,
    )
    db.session.add(event)
    db.session.commit()
    return event


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    folder = Path(tempfile.mkdtemp(prefix="plenary-bench-badges-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "MAIL_DIR": str(folder / "mail"),
            "DOCUMENTS_DIR": str(folder / "documents"),
            "OUTBOX_KICK": False,
        }
    )
    figures: dict[str, dict] = {}
    with app.app_context(), app.test_request_context():
        db.create_all()
        organiser = create_account("bench@example.org", "Bench", PASSWORD, AccountRole.ORGANISER)
        event = in_person_meeting(max(sizes))
        registered = 0
        for size in sizes:
            for n in range(registered, size):
                applicant = Applicant(
                    email=f"p{n}@example.org",
                    name=f"Delegate Number {n}",
                    organisation="Ministry of Foreign Affairs",
                    country=("ET", "SN", "IT", "EG")[n % 4],
                    consent_participant_list=True,
                )
                register(event, applicant)
            registered = size
            figures[str(size)] = figures_at(event, organiser, args.runs)
            for name, figure in figures[str(size)].items():
                wall, cpu, per = figure["wall_s"], figure["cpu_s"], 1000 * figure["wall_s"] / size
                print(
                    f"{size:>6} people {name:<10} {wall:6.2f} s wall {cpu:6.2f} s CPU ({per:.2f} ms a person)"
                )
    print(json.dumps({"database": "sqlite", "runs": args.runs, "sizes": figures}))


if __name__ == "__main__":
    main()
