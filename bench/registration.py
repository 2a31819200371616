"""Registrations per second through the web form, against the floor of the stack.

    .venv/bin/python bench/registration.py [--seconds 15 | --registrations N] [--clients 8]
        [--capacity 200] [--databases sqlite,postgresql] [--keep]

Each run lasts --seconds, or with --registrations until N journeys have
completed (wrk has no request limit: the Lua script counts journeys in a file
and this script stops wrk with SIGINT; a few more may complete meanwhile).

For each database (a fresh SQLite file; PostgreSQL at BENCH_DATABASE_URL, an
empty database, or else a database plenary_bench created and dropped here on
postgres@127.0.0.1, skipped with a line saying so if unreachable), this script:

1. creates the schema and one published event whose registration is open and
   whose capacity (--capacity, default 200) is below the number of
   registrations a run makes, so that the waiting list path runs too (a line
   says so if it did not);
2. serves Plenary with `gunicorn --workers 2 wsgi:app` on a free port of
   127.0.0.1 (PLENARY_ENV=development, its own instance folder, so the job
   queue is an SQLite file there; no queue consumer runs, so mail is composed
   into the outbox and a delivery task enqueued, as in the request, but not
   sent), makes a few warm-up registrations with a Python client, then lets
   wrk (`-t K -c K`, bench/journey.lua) drive K concurrent visitors, each
   journey a fresh visitor: GET the form (new session cookie, CSRF token from
   the page), POST it with a unique email (302), GET /registrations/done, which
   must show "confirmed" or "waiting list";
3. serves bench/floor_app.py the same way (same gunicorn settings, same
   database, its own table) and drives the same journey on it: a bare
   Flask-WTF form whose POST does one INSERT and redirects to a small page;
4. checks the booking in the database: confirmed registrations <= capacity
   and Event.confirmed_count == the number of CONFIRMED rows (any difference
   counts as overbooked); seats left free while people wait are reported too.

Figures: `rate` is completed journeys per second (one registration each);
p50/p95/p99_ms are per HTTP request, as wrk measures them (write to response,
connection set-up excluded), over the three requests of the journeys;
journey_p*_ms are per whole journey (three requests and the two reconnects:
gunicorn's sync workers close each connection) and step_p50_ms/step_p99_ms per
step (form GET, POST, result GET), measured in the Lua script. With K clients
and 2 sync workers a request also waits for those ahead of it, so latency is
mostly K/2 times the service time. ratio = rate / floor_rate.
server_cpu_ms_per_journey is the CPU time of the two gunicorn workers over the
run divided by the journeys (from /proc), and wrk_cpu_share the cores wrk used,
which shows that the load generator is not the bottleneck.

Targets, reported and not asserted: ratio >= 0.6 on each database; p99 (per
request) under 100 ms at 8 clients; no overbooking ever. The script exits
non-zero if anything is overbooked or if errors exceed 1% of the journeys of a
run (either app), not on a missed target. Needs wrk (`apt-get install wrk`).
The files (server logs, wrk output, the SQLite database) are removed after a
clean run unless --keep. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))  # for floor_app; after the project, so it shadows nothing
WORKDIR = Path(tempfile.mkdtemp(prefix="plenary-bench-registration-"))
KEEP_WORKDIR = {"keep": False}  # kept from the first run on, unless all went well without --keep
atexit.register(lambda: KEEP_WORKDIR["keep"] or shutil.rmtree(WORKDIR, ignore_errors=True))
# This process's own job queue file (app.queue opens it on import); each server gets its own below.
os.environ.setdefault("PLENARY_INSTANCE_DIR", str(WORKDIR / "bench-process"))

import floor_app  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Event, Registration, RegistrationStatus  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1/plenary_bench"
SECRET_KEY = "bench-registration-secret-key-0123456789abcdef"  # noqa: S105 - a throwaway server
GOAL_RATIO = 0.6
GOAL_P99_MS = 100
MAX_ERROR_SHARE = 0.01
WARM_UP_JOURNEYS = 6
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
COOKIE_RE = re.compile(r"(session=[^;]+)")


class BenchError(RuntimeError):
    pass


# --- the databases ---------------------------------------------------------------


def psql(url: sa.URL, sql: str, database: str = "postgres") -> subprocess.CompletedProcess:
    command = ["psql", "-h", url.host or HOST, "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    command += ["-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    if url.password:
        env["PGPASSWORD"] = url.password
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def drop_database_sql(url: sa.URL) -> str:
    return f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'


def postgres_target() -> tuple[str | None, bool, str]:
    """(url, whether this script creates and drops the database, why not if url is None)."""
    given = os.environ.get("BENCH_DATABASE_URL")
    url = sa.make_url(given or DEFAULT_PG_URL)
    if url.get_backend_name() != "postgresql":
        return None, False, f"BENCH_DATABASE_URL is not PostgreSQL ({url.get_backend_name()})"
    if shutil.which("psql") is None:
        return None, False, "psql is not installed"
    try:
        probe = psql(url, "SELECT 1", database=url.database if given else "postgres")
    except subprocess.TimeoutExpired:
        return None, False, f"no answer from {url.host}:{url.port or 5432}"
    if probe.returncode != 0:
        return None, False, f"unreachable: {(probe.stderr.strip().splitlines() or ['?'])[0]}"
    if given:
        return given, False, ""
    for sql in (drop_database_sql(url), f'CREATE DATABASE "{url.database}"'):
        result = psql(url, sql)
        if result.returncode != 0:
            return None, False, f"could not create {url.database}: {result.stderr.strip()}"
    return url.render_as_string(hide_password=False), True, ""


def prepare(url: str, capacity: int) -> int:
    """Fresh tables for Plenary and the floor, and one open event; returns its id."""
    plenary = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False})
    with plenary.app_context():
        db.drop_all()
        db.create_all()
        start = (utcnow() + timedelta(days=30)).replace(microsecond=0)
        event = Event(
            title="Partnership and Protection: a Khartoum Process webinar",
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            timezone="Europe/Brussels",
            capacity=capacity,
            join_url="https://zoom.us/j/81234567890",
        )
        db.session.add(event)
        db.session.commit()
        assert event.registration_window().accepts_registrations
        event_id = event.id
        db.session.remove()
        db.engine.dispose()
    floor = floor_app.create_app(url)
    with floor.app_context():
        floor_app.db.drop_all()
        floor_app.db.create_all()
        floor_app.db.engine.dispose()
    return event_id


def booking(url: str, event_id: int) -> dict:
    plenary = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False})
    with plenary.app_context():
        statuses = dict(
            db.session.execute(
                sa.select(Registration.status, sa.func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status)
            ).all()
        )
        event = db.session.get(Event, event_id)
        capacity, confirmed_count = event.capacity, event.confirmed_count
        db.session.remove()
        db.engine.dispose()
    confirmed = statuses.get(RegistrationStatus.CONFIRMED, 0)
    waitlisted = statuses.get(RegistrationStatus.WAITLISTED, 0)
    return {
        "registrations": sum(statuses.values()),
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "confirmed_count": confirmed_count,
        "overbooked": max(confirmed - capacity, 0) + abs(confirmed_count - confirmed),
        # Seats left free while people wait: not overbooking, but as wrong.
        "seats_left_with_waitlist": (capacity - confirmed) if waitlisted and confirmed < capacity else 0,
    }


def floor_rows(url: str) -> int:
    floor = floor_app.create_app(url)
    with floor.app_context():
        count = floor_app.db.session.scalar(sa.select(sa.func.count(floor_app.Entry.id)))
        floor_app.db.session.remove()
        floor_app.db.engine.dispose()
    return count


def drop_tables(url: str) -> None:
    plenary = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False})
    with plenary.app_context():
        db.drop_all()
        db.engine.dispose()
    floor = floor_app.create_app(url)
    with floor.app_context():
        floor_app.db.drop_all()
        floor_app.db.engine.dispose()


# --- the servers -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn --workers 2 on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, target: str, env: dict, log: Path, ready_path: str, extra: tuple = ()):
        self.port = free_port()
        self.command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{self.port}", "--workers", "2"]
        self.command += [*extra, target]
        self.env = dict(env, BASE_URL=f"http://{HOST}:{self.port}")
        self.log = log
        self.ready_path = ready_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                status, _, _ = request(self.port, "GET", self.ready_path)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"gunicorn did not answer on {self.ready_path} in 30 s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # the master stops its workers
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def workers_cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master's children, the workers."""
        total, master = 0, str(self.process.pid)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == master:  # ppid; utime and stime are fields 14 and 15 of stat(5)
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def request(port: int, method: str, path: str, body: str | None = None, cookie: str | None = None):
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def journey_by_hand(port: int, form_path: str, done_path: str, fields: dict) -> str:
    """One journey with Python: checks the path works before wrk runs; returns the result page."""
    status, headers, page = request(port, "GET", form_path)
    token, cookie = CSRF_RE.search(page), COOKIE_RE.search(headers.get("Set-Cookie", ""))
    if status != 200 or not token or not cookie:
        raise BenchError(f"GET {form_path}: {status}, token {bool(token)}, cookie {bool(cookie)}")
    body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)})
    status, headers, page = request(port, "POST", form_path, body, cookie.group(1))
    if status != 302:
        raise BenchError(f"POST {form_path}: {status}\n{page[:2000]}")
    cookie = COOKIE_RE.search(headers.get("Set-Cookie", "")) or cookie
    status, _, page = request(port, "GET", done_path, cookie=cookie.group(1))
    if status != 200:
        raise BenchError(f"GET {done_path}: {status}")
    return page


def app_fields(n: int) -> dict:
    return {
        "name": f"Warm-up {n}",
        "email": f"warmup.{n}@example.org",
        "organisation": "Ministry of Labour and Social Affairs",
        "organisation_kind": "member_state",
        "country": "ET",
        "job_title": "Director of Migration Affairs",
        "language": "en",
        "consent_privacy": "y",
    }


# --- the load --------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)], 2)


def drive(server: Gunicorn, kind: str, form_path: str, done_path: str, args, workdir: Path) -> dict:
    """Run wrk with bench/journey.lua; returns the figures of the run."""
    out = workdir / f"wrk-{kind}.json"
    progress = workdir / f"wrk-{kind}.progress" if args.registrations else None
    seconds = args.seconds if not args.registrations else 600
    command = ["wrk", "-t", str(args.clients), "-c", str(args.clients), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "-s", str(BENCH / "journey.lua"), f"http://{HOST}:{server.port}"]
    command += ["--", kind, form_path, done_path, str(out), str(progress or "")]
    log = workdir / f"wrk-{kind}.txt"
    workers_before = server.workers_cpu_seconds()
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("w") as output:
        wrk = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        if progress:
            # wrk has no request limit: one byte a journey in `progress`, then SIGINT.
            deadline = time.monotonic() + seconds
            while wrk.poll() is None and time.monotonic() < deadline:
                if progress.exists() and progress.stat().st_size >= args.registrations:
                    wrk.send_signal(signal.SIGINT)
                    break
                time.sleep(0.01)
        try:
            returncode = wrk.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            wrk.kill()
            returncode = wrk.wait()
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = server.workers_cpu_seconds() - workers_before
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    if returncode != 0 or not out.exists():
        raise BenchError(f"wrk failed ({returncode}): {log.read_text()}")
    raw = json.loads(out.read_text())
    elapsed = raw["duration_us"] / 1e6
    errors = raw["errors"] + raw["socket_errors"]
    return {
        "journeys": raw["completed"],
        "seconds": round(elapsed, 2),
        "rate": round(raw["completed"] / elapsed, 1),
        "requests": raw["requests"],
        "p50_ms": round(raw["request_p50_us"] / 1000, 2),
        "p95_ms": round(raw["request_p95_us"] / 1000, 2),
        "p99_ms": round(raw["request_p99_us"] / 1000, 2),
        "max_ms": round(raw["request_max_us"] / 1000, 2),
        "journey_p50_ms": percentile(raw["lat_journey"], 50),
        "journey_p95_ms": percentile(raw["lat_journey"], 95),
        "journey_p99_ms": percentile(raw["lat_journey"], 99),
        "step_p50_ms": {step: percentile(raw[f"lat_{step}"], 50) for step in ("get", "post", "done")},
        "step_p99_ms": {step: percentile(raw[f"lat_{step}"], 99) for step in ("get", "post", "done")},
        "errors": errors,
        # CPU time of the two gunicorn workers per completed journey, and wrk's share of one core.
        "server_cpu_ms_per_journey": round(1000 * workers_cpu / max(raw["completed"], 1), 2),
        "wrk_cpu_share": round(wrk_cpu / elapsed, 2),
        "socket_errors": raw["socket_errors"],
        "first_error": raw["first_error"],
        "confirmed_pages": raw["confirmed"],
        "waitlisted_pages": raw["waitlisted"],
    }


def run_database(label: str, url: str, args, workdir: Path) -> dict:
    """Plenary then the floor on one database; returns the figures for the JSON line."""
    workdir.mkdir(parents=True)
    event_id = prepare(url, args.capacity)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY, PLENARY_ENV="development")
    env["PLENARY_INSTANCE_DIR"] = str(workdir / "instance")
    env["MAIL_DIR"] = str(workdir / "instance" / "mail")
    # wrk posts each form at once, thousands of times from one address: the spam
    # check's minimum fill time and the rate limits would refuse nearly all of it.
    env.update(FORM_MIN_FILL_SECONDS="0", RATELIMIT_ENABLED="0")
    for name in ("REDIS_URL", "MAIL_SERVER", "LOG_FORMAT", "LOG_LEVEL"):
        env.pop(name, None)

    form_path, done_path = f"/events/{event_id}/register", "/registrations/done"
    with Gunicorn("wsgi:app", env, workdir / "gunicorn-app.log", form_path) as server:
        for n in range(WARM_UP_JOURNEYS):
            page = journey_by_hand(server.port, form_path, done_path, app_fields(n))
            if "Your seat is confirmed." not in page and "on the waiting list." not in page:
                raise BenchError(f"warm-up registration {n}: no outcome on the result page")
        app_run = drive(server, "app", form_path, done_path, args, workdir)
    book = booking(url, event_id)

    with Gunicorn(
        "floor_app:create_app()",
        env,
        workdir / "gunicorn-floor.log",
        "/form",
        extra=("--pythonpath", str(BENCH)),
    ) as server:
        for n in range(WARM_UP_JOURNEYS):
            journey_by_hand(server.port, "/form", "/done", {"name": f"W {n}", "email": f"w{n}@example.org"})
        floor_run = drive(server, "floor", "/form", "/done", args, workdir)
    rows = floor_rows(url)

    ratio = round(app_run["rate"] / floor_run["rate"], 3) if floor_run["rate"] else None
    figures = {
        "rate": app_run["rate"],
        "floor_rate": floor_run["rate"],
        "ratio": ratio,
        "p50_ms": app_run["p50_ms"],
        "p95_ms": app_run["p95_ms"],
        "p99_ms": app_run["p99_ms"],
        "errors": app_run["errors"],
        "overbooked": book["overbooked"],
        "journeys": app_run["journeys"],
        "seconds": app_run["seconds"],
        "journey_p50_ms": app_run["journey_p50_ms"],
        "journey_p95_ms": app_run["journey_p95_ms"],
        "journey_p99_ms": app_run["journey_p99_ms"],
        "step_p50_ms": app_run["step_p50_ms"],
        "step_p99_ms": app_run["step_p99_ms"],
        "max_ms": app_run["max_ms"],
        "server_cpu_ms_per_journey": app_run["server_cpu_ms_per_journey"],
        "floor_server_cpu_ms_per_journey": floor_run["server_cpu_ms_per_journey"],
        "wrk_cpu_share": app_run["wrk_cpu_share"],
        "floor_wrk_cpu_share": floor_run["wrk_cpu_share"],
        "capacity": args.capacity,
        "confirmed": book["confirmed"],
        "waitlisted": book["waitlisted"],
        "registrations_in_db": book["registrations"],
        "seats_left_with_waitlist": book["seats_left_with_waitlist"],
        "floor_journeys": floor_run["journeys"],
        "floor_rows_in_db": rows,
        "floor_p50_ms": floor_run["p50_ms"],
        "floor_p99_ms": floor_run["p99_ms"],
        "floor_journey_p99_ms": floor_run["journey_p99_ms"],
        "floor_errors": floor_run["errors"],
        "clients": args.clients,
        "workers": 2,
    }
    figures["targets"] = {
        "ratio": ratio is not None and ratio >= GOAL_RATIO,
        "p99": app_run["p99_ms"] < GOAL_P99_MS,
        "no_overbooking": book["overbooked"] == 0,
    }
    steps50, steps99 = app_run["step_p50_ms"], app_run["step_p99_ms"]
    print(
        f"{label}: {app_run['journeys']} registrations in {app_run['seconds']} s by {args.clients} clients: "
        f"{app_run['rate']}/s; per request p50 {app_run['p50_ms']} ms, p95 {app_run['p95_ms']} ms, "
        f"p99 {app_run['p99_ms']} ms; {app_run['errors']} errors; "
        f"{book['confirmed']} confirmed (capacity {args.capacity}), {book['waitlisted']} waitlisted, "
        f"{book['overbooked']} overbooked"
    )
    print(
        f"{label}:   per journey p50 {app_run['journey_p50_ms']} ms, p99 {app_run['journey_p99_ms']} ms; "
        f"per step p50/p99: form {steps50['get']}/{steps99['get']} ms, "
        f"POST {steps50['post']}/{steps99['post']} ms, result {steps50['done']}/{steps99['done']} ms; "
        f"workers' CPU {app_run['server_cpu_ms_per_journey']} ms a journey, "
        f"wrk {app_run['wrk_cpu_share']} core"
    )
    print(
        f"{label}:   floor (bare form, one INSERT): {floor_run['journeys']} journeys, {floor_run['rate']}/s, "
        f"per request p99 {floor_run['p99_ms']} ms, {floor_run['errors']} errors, workers' CPU "
        f"{floor_run['server_cpu_ms_per_journey']} ms a journey, wrk {floor_run['wrk_cpu_share']} core; "
        f"ratio {ratio} (goal >= {GOAL_RATIO})"
    )
    for name, run in (("registration", app_run), ("floor", floor_run)):
        if run["errors"]:
            print(f"{label}:   {name} errors: first was {run['first_error']!r}")
    if book["seats_left_with_waitlist"]:
        print(f"{label}:   WARNING {book['seats_left_with_waitlist']} seats free while people wait")
    if not book["waitlisted"]:
        print(f"{label}:   note: the waiting list was not reached; lower --capacity")
    if "Traceback" in (workdir / "gunicorn-app.log").read_text(errors="replace"):
        print(f"{label}:   the app logged a traceback: see {workdir / 'gunicorn-app.log'}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=15, help="length of each run (default 15)")
    parser.add_argument(
        "--registrations",
        type=int,
        default=0,
        help="instead, run until N journeys have completed (a few more may finish as wrk stops)",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent visitors (wrk -t K -c K)")
    parser.add_argument("--capacity", type=int, default=200, help="seats of the event (default 200)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the files (logs, SQLite) after a success")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    if args.registrations and args.registrations <= args.capacity:
        sys.exit("--registrations must exceed --capacity, or the waiting list is never reached")

    workdir = WORKDIR
    print(
        f"gunicorn --workers 2, wrk -t {args.clients} -c {args.clients}, "
        + (f"{args.registrations} journeys" if args.registrations else f"{args.seconds} s")
        + f" per run, capacity {args.capacity}; files in {workdir} (removed after a success unless --keep)"
    )
    results: dict = {}
    failed = False
    KEEP_WORKDIR["keep"] = True  # the logs of a crash are worth keeping
    for label in [name.strip() for name in args.databases.split(",") if name.strip()]:
        created = False
        if label == "sqlite":
            url = f"sqlite:///{workdir / 'sqlite' / 'bench.db'}"
        elif label == "postgresql":
            url, created, why = postgres_target()
            if url is None:
                print(f"postgresql: skipped: {why}")
                results[label] = {"skipped": why}
                continue
        else:
            sys.exit(f"unknown database {label!r}: sqlite or postgresql")
        try:
            figures = run_database(label, url, args, workdir / label)
        except BenchError as error:
            print(f"{label}: FAILED: {error}")
            results[label] = {"failed": str(error).splitlines()[0]}
            failed = True
            continue
        finally:
            if label == "postgresql":
                if created:
                    psql(sa.make_url(url), drop_database_sql(sa.make_url(url)))
                else:
                    drop_tables(url)
        results[label] = figures
        for name, journeys in (("errors", "journeys"), ("floor_errors", "floor_journeys")):
            if figures[name] > MAX_ERROR_SHARE * max(figures[journeys] + figures[name], 1):
                print(f"{label}: FAIL: {name} {figures[name]} are more than 1% of the journeys")
                failed = True
        if figures["overbooked"]:
            print(f"{label}: FAIL: overbooked by {figures['overbooked']}")
            failed = True

    met = [
        f"{label}: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in fig["targets"].items())
        for label, fig in results.items()
        if "targets" in fig
    ]
    if met:
        print(f"targets (ratio >= {GOAL_RATIO}, p99 < {GOAL_P99_MS} ms, no overbooking): " + "; ".join(met))
    print(json.dumps(results))
    KEEP_WORKDIR["keep"] = failed or args.keep
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
