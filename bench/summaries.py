"""How long the summaries take on a programme of 50 events and 100,000 registrations.

    .venv/bin/python bench/summaries.py [--database-url postgresql+psycopg://postgres@127.0.0.1/plenary_bench]
                                        [--events 50] [--registrations 100000] [--runs 7]

Builds the programme with bulk inserts -- 5 series of 4 modules and standalone
meetings of every kind since 2015, 2,000 registrations per event, attendance
recorded for four events in five (with walk-ins), the rest counted from their
registrations -- then times the event, series and programme summaries (the
median of several runs) and prints their figures. Always on a fresh SQLite
file; also on PostgreSQL when --database-url or TEST_DATABASE_URL names an
(empty, disposable) database. The last line is one JSON object of the timings.

The programme summary is timed three ways: reading each meeting's people as stored in the
database by the run before (programme_summary_ms); right after a change committed to one
meeting's participants, which counts that meeting again (programme_summary_after_change_ms);
and the very first count, nothing stored, every meeting counted and stored
(programme_summary_first_count_ms). That count is also timed as the job
queue's periodic task does it after changes, so that readers find every meeting stored
(people_counted_by_queue_ms: each meeting forgotten, as after a bulk load).

Also timed on each database: csv_export_ms, the attendance CSV of the event
summarised (all events are the same size, so the largest: its 2,000
registrations give some 1,250 attendance rows, 50 walk-ins and the no-shows),
audit entry included, every chunk read; the public summaries, which read the figures
last published (public_event_summary_ms, public_series_summary_ms,
public_programme_summary_ms, every meeting published first); and import_20k_ms, the 20,000-row
participant report import of bench/attendance_import.py (run once, on its own
fresh tables).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
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
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    EventKind,
    OrganisationKind,
    Registration,
    RegistrationStatus,
    Series,
)
from app.services.reporting import figure_exports, summaries  # noqa: E402
from bench import attendance_import  # noqa: E402

COUNTRIES = [
    "ET",
    "ER",
    "SD",
    "SS",
    "SO",
    "DJ",
    "KE",
    "UG",
    "EG",
    "LY",
    "TN",
    "NL",
    "IT",
    "FR",
    "DE",
    "BE",
    "ES",
    "SE",
    "GB",
    "NO",
    "CH",
    "MT",
]
KINDS = list(OrganisationKind)
STATUSES = (
    [RegistrationStatus.CONFIRMED] * 80
    + [RegistrationStatus.WAITLISTED] * 8
    + [RegistrationStatus.CANCELLED] * 10
    + [RegistrationStatus.PENDING] * 2
)
BATCH = 5000


def build(events_wanted: int, registrations_wanted: int, rng: random.Random) -> dict:
    """The programme, inserted in bulk; returns the ids to summarise."""
    series = [Series(title=f"Webinar series {n + 1}") for n in range(5)]
    db.session.add_all(series)
    db.session.flush()
    start = datetime(2015, 11, 10, 8, tzinfo=UTC)
    span = (datetime(2025, 6, 1, tzinfo=UTC) - start) / events_wanted
    kinds = [kind for kind in EventKind]
    events = []
    for n in range(events_wanted):
        begins = start + span * n
        in_series = series[n // 4] if n < 20 else None
        events.append(
            Event(
                title=f"Meeting {n + 1}",
                series_id=in_series.id if in_series else None,
                kind=EventKind.WEBINAR if in_series else kinds[n % len(kinds)],
                start_dt=begins,
                end_dt=begins + timedelta(hours=2),
                timezone="Africa/Addis_Ababa",
                capacity=None,
                recommendations_count=n % 7,
            )
        )
    db.session.add_all(events)
    db.session.flush()
    per_event = registrations_wanted // events_wanted
    delegates = registrations_wanted // 3
    now = datetime.now(UTC)
    _insert(
        Delegate,
        (
            dict(
                email=f"delegate{n}@example.org",
                name=f"Delegate {n}",
                country=rng.choice(COUNTRIES),
                organisation_kind=rng.choice(KINDS),
                organisation=f"Organisation {n % 400}",
            )
            for n in range(delegates)
        ),
    )
    first_delegate = db.session.scalar(sa.select(sa.func.min(Delegate.id)))
    registration_id = 0
    for index, event in enumerate(events):
        people = rng.sample(range(delegates), per_event)
        rows, attendance = [], []
        recorded = index % 5 != 4
        for person in people:
            registration_id += 1
            status = rng.choice(STATUSES)
            rows.append(
                dict(
                    id=registration_id,
                    event_id=event.id,
                    delegate_id=first_delegate + person,
                    status=status,
                    name=f"Delegate {person}",
                    country=COUNTRIES[person % len(COUNTRIES)],
                    organisation_kind=KINDS[person % len(KINDS)],
                    organisation=f"Organisation {person % 400}",
                    consent_privacy_dt=now,
                    consent_participant_list=person % 2 == 0,
                )
            )
            if recorded and status == RegistrationStatus.CONFIRMED and rng.random() < 0.75:
                minutes = rng.randint(2, 120)
                attendance.append(
                    dict(
                        event_id=event.id,
                        registration_id=registration_id,
                        participant_key=f"reg:{registration_id}",
                        source=AttendanceSource.ZOOM,
                        minutes=minutes,
                        attended=minutes >= 10,
                    )
                )
        if recorded:
            attendance += [
                dict(
                    event_id=event.id,
                    participant_key=f"walk-in-{event.id}-{n}@example.net",
                    email=f"walk-in-{event.id}-{n}@example.net",
                    country=rng.choice(COUNTRIES),
                    source=AttendanceSource.ZOOM,
                    minutes=rng.randint(10, 120),
                    attended=True,
                )
                for n in range(50)
            ]
        _insert(Registration, rows)
        _insert(Attendance, attendance)
    db.session.commit()
    with_attendance = [event for index, event in enumerate(events) if index % 5 != 4 and event.series_id]
    return {"event_id": with_attendance[-1].id, "series_id": series[-1].id}


def _insert(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(sa.insert(model), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(model), batch)


def timed(work, runs: int) -> tuple[float, object]:
    durations, result = [], None
    for _ in range(runs):
        db.session.expire_all()
        began = time.perf_counter()
        result = work()
        durations.append((time.perf_counter() - began) * 1000)
        db.session.rollback()
    return round(statistics.median(durations), 1), result


def timed_after(prepare, work, runs: int) -> float:
    """The median of work() timed `runs` times, each after prepare(run), which is not timed."""
    durations = []
    for run in range(runs):
        prepare(run)
        db.session.expire_all()
        began = time.perf_counter()
        work()
        durations.append((time.perf_counter() - began) * 1000)
        db.session.rollback()
    return round(statistics.median(durations), 1)


def timed_after_changes(work, runs: int) -> float:
    """work() timed right after each of `runs` committed changes to one meeting: a walk-in
    marked absent, then present again (an even number: the data ends as it began)."""
    walk_in = db.session.scalar(
        sa.select(sa.func.min(Attendance.id)).where(Attendance.registration_id.is_(None))
    )

    def change(run: int) -> None:
        db.session.execute(
            sa.update(Attendance).where(Attendance.id == walk_in).values(attended=run % 2 == 1)
        )
        db.session.commit()

    return timed_after(change, work, runs + runs % 2)


def timed_first_count(runs: int, work) -> float:
    """work() timed after forgetting every stored figure."""
    return timed_after(lambda _run: summaries.forget_kept_figures(), work, runs)


def run(url: str, args) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False})
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        began = time.perf_counter()
        ids = build(args.events, args.registrations, random.Random(2021))
        # Statistics and visibility maps as a database in service has them (autovacuum).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(
                "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
            )
        print(f"[{db.engine.dialect.name}] built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        event = db.session.get(Event, ids["event_id"])
        series = db.session.get(Series, ids["series_id"])
        event_ms, event_summary = timed(lambda: summaries.event_summary(event), args.runs)
        series_ms, series_summary = timed(lambda: summaries.series_summary(series), args.runs)
        programme_ms, programme = timed(lambda: summaries.programme_summary(), args.runs)
        # Right after a change to one meeting's participants: what the first reader after it waits.
        changed_ms = timed_after_changes(summaries.programme_summary, args.runs)
        # Nothing stored (the first count of a programme): every meeting counted.
        first_ms = timed_first_count(args.runs, summaries.programme_summary)
        # The same count by the job queue's periodic task, which a reader then finds stored.
        queue_ms = timed_first_count(args.runs, summaries.store_changed_people)
        # The public summaries: the figures last published, read as stored (publishing each
        # meeting counts it once, as an organiser's button does).
        for held in db.session.scalars(sa.select(Event).where(Event.is_cancelled.is_(False))).all():
            summaries.publish_figures(held)
        public_event_ms, _ = timed(lambda: summaries.event_summary(event, published=True), args.runs)
        public_series_ms, _ = timed(lambda: summaries.series_summary(series, published_only=True), args.runs)
        public_programme_ms, _ = timed(lambda: summaries.programme_summary(published_only=True), args.runs)
        csv_ms, csv_size = timed(
            lambda: len("".join(figure_exports.attendance_export(event, "csv").chunks)), args.runs
        )
        report(db.engine.dialect.name, event_summary, series_summary, programme)
        print(
            f"[{db.engine.dialect.name}] attendance CSV of {event.title}: {csv_size} characters",
            file=sys.stderr,
        )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return {
        "event_summary_ms": event_ms,
        "series_summary_ms": series_ms,
        "programme_summary_ms": programme_ms,
        "programme_summary_after_change_ms": changed_ms,
        "programme_summary_first_count_ms": first_ms,
        "people_counted_by_queue_ms": queue_ms,
        "csv_export_ms": csv_ms,
        "public_event_summary_ms": public_event_ms,
        "public_series_summary_ms": public_series_ms,
        "public_programme_summary_ms": public_programme_ms,
    }


def import_20k(url: str | None) -> float:
    """import_20k_ms of bench/attendance_import.py, on `url` (else on a SQLite file of its own).
    Its own lines go to stderr, so that the last line here stays ours."""
    saved_argv, saved_url = sys.argv, os.environ.get("BENCH_DATABASE_URL")
    sys.argv = [attendance_import.__file__]
    if url:
        os.environ["BENCH_DATABASE_URL"] = url
    else:
        os.environ.pop("BENCH_DATABASE_URL", None)
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            attendance_import.main()
    except SystemExit:
        pass  # it exits 1 when the import went wrong; its figures say so ("ok": false)
    finally:
        sys.argv = saved_argv
        if saved_url is None:
            os.environ.pop("BENCH_DATABASE_URL", None)
        else:
            os.environ["BENCH_DATABASE_URL"] = saved_url
    print(output.getvalue(), file=sys.stderr, end="")
    return json.loads(output.getvalue().strip().splitlines()[-1])["import_20k_ms"]


def report(name: str, event_summary, series_summary, programme) -> None:
    figures = event_summary.figures
    print(f"[{name}] event {event_summary.event.title}:")
    for field in (
        "registered",
        "confirmed",
        "waitlisted",
        "pending",
        "cancelled",
        "attended",
        "attended_confirmed",
        "no_shows",
        "walk_ins",
        "attendance_rate",
        "average_minutes",
        "median_minutes",
        "participants",
        "countries",
        "returning",
        "first_time",
    ):
        print(f"  {field}: {getattr(figures, field)}")
    print(f"  regions: {[(share.label, share.count) for share in event_summary.breakdowns.regions]}")
    print(f"  kinds: {[(share.label, share.count) for share in event_summary.breakdowns.organisation_kinds]}")
    top = [(share.label, share.count) for share in event_summary.top_organisations[:3]]
    print(f"  top organisations: {top}")
    print(f"[{name}] series {series_summary.series.title}:")
    for row in series_summary.rows:
        f = row.figures
        print(
            f"  {f.event.title}: registered {f.registered}, participants {f.participants}, "
            f"change {row.attended_change}"
        )
    print(f"  unique participants {series_summary.unique_participants}")
    print(f"  modules attended {series_summary.modules_attended}")
    print(
        f"[{name}] programme: {programme.meeting_count} meetings, {programme.participations} participations,"
    )
    print(f"  {programme.unique_participants} people, {programme.breakdowns.country_count} countries,")
    print(f"  {programme.recommendations} recommendations, by year {programme.participations_by_year}")
    breakdowns = programme.breakdowns
    print(f"  countries: {[(share.key, share.count) for share in breakdowns.countries]}")
    print(f"  sub-regions: {[(share.key, share.count, share.countries) for share in breakdowns.sub_regions]}")
    print(f"  kinds: {[(share.key, share.count) for share in breakdowns.organisation_kinds]}")
    print(f"  member states: {breakdowns.member_states}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = {
        "sqlite": run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='plenary-bench-')) / 'bench.db'}", args)
    }
    results["sqlite"]["import_20k_ms"] = import_20k(None)
    if args.database_url and args.database_url.startswith("postgresql"):
        results["postgresql"] = run(args.database_url, args)
        results["postgresql"]["import_20k_ms"] = import_20k(args.database_url)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
