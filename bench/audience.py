"""What the console does to a whole audience, at 2,000 people: the time of the request, and
the time of the job queue's work after it.

    .venv/bin/python bench/audience.py [--database-url postgresql+psycopg://postgres@127.0.0.1/plenary_bench]
                                       [--people 2000] [--only follow_up,reschedule,...]

Each case has an event of its own, filled in bulk, and an organiser signed in through the
login form:

- follow_up: the thank-you with a certificate of attendance (a PDF each) to 2,000
  attendees of a past event, sent from the follow-up page (the test client over the real
  view);
- reschedule and cancel: an event of 2,000 registrants moved by a day, then cancelled
  (every registrant told);
- capacity: 2,000 seats added to an event whose 2,000 registrants wait on its list (each
  promoted and told);
- mailing: a message written to the 2,000 registrants, sent from the messages page;
- bulk: a bulk action (resend) on the most registrations the table lets one tick at once;
- bulk_all: the same action on every registration of the list (2,000), all pages.

After the request, the job queue's tasks are run in this process, one after another, as
one worker does, until none is left (outbox delivery is not part of this: it is timed by
bench/mail.py). Printed for each: the request, the queue, the emails written. Always on a
fresh SQLite file; also on PostgreSQL when --database-url or TEST_DATABASE_URL names an
(empty, disposable) database. The last line is one JSON object of the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402
from flask import g  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from app import create_app  # noqa: E402
from app.console.registrations_forms import MAX_CHOSEN  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    AccountRole,
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    Message,
    Registration,
    RegistrationStatus,
)
from app.queue import huey  # noqa: E402
from app.services.accounts.accounts import create_account  # noqa: E402
from app.services.mail import event_notices as event_changes  # noqa: E402

PASSWORD = "bench password, not a secret"  # noqa: S105
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
STAMP_RE = re.compile(r'name="stamp" type="hidden" value="(\d+)"')
CASES = ("follow_up", "reschedule", "cancel", "capacity", "mailing", "bulk", "bulk_all")


def make_event(title: str, start: datetime, **fields) -> Event:
    event = Event(
        title=title,
        start_dt=start,
        end_dt=start + timedelta(hours=2),
        timezone="Europe/Brussels",
        join_url="https://zoom.us/j/81234567890",
        **fields,
    )
    db.session.add(event)
    db.session.commit()
    return event


# The registrants' languages, in turn: English and French certificates are set in the PDF core
# fonts (some 5 ms each); an Arabic one embeds a Unicode font (some 140 ms): --languages en,fr,ar.
LANGUAGES = ["en", "fr"]


def fill(event: Event, people: int, status: RegistrationStatus, *, attended: bool = False) -> None:
    """`people` registrations of `event` (and their delegates), inserted in bulk."""
    first = (db.session.scalar(sa.select(sa.func.max(Delegate.id))) or 0) + 1
    now = datetime.now(UTC)
    ids = range(first, first + people)
    db.session.execute(
        sa.insert(Delegate),
        [
            {"id": n, "email": f"delegate{n}@example.org", "name": f"Delegate {n}", "created_dt": now}
            for n in ids
        ],
    )
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "id": n,
                "event_id": event.id,
                "delegate_id": n,
                "status": status,
                "name": f"Delegate {n}",
                "organisation": "Ministry of Labour",
                "country": "ET",
                "language": LANGUAGES[n % len(LANGUAGES)],
                "consent_privacy_dt": now,
                "created_dt": now,
                "status_changed_dt": now + timedelta(microseconds=n),
            }
            for n in ids
        ],
    )
    if attended:
        db.session.execute(
            sa.insert(Attendance),
            [
                {
                    "event_id": event.id,
                    "registration_id": n,
                    "participant_key": f"reg:{n}",
                    "name": f"Delegate {n}",
                    "source": AttendanceSource.ZOOM,
                    "minutes": 30 + n % 90,
                    "attended": True,
                }
                for n in ids
            ],
        )
    if status == RegistrationStatus.CONFIRMED:
        db.session.execute(sa.update(Event).where(Event.id == event.id).values(confirmed_count=people))
    db.session.commit()
    # Statistics as a database in service has them (autovacuum): without them, PostgreSQL
    # plans the follow-up page's counts as if the tables were empty (seconds, not 20 ms).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


class FreshClient(FlaskClient):
    """Each request with an empty `g`: this bench holds an app context around its requests,
    which would otherwise share one `g` and Flask-Login's user cached in it."""

    def open(self, *args, **kwargs):
        forget_g()
        return super().open(*args, **kwargs)


def forget_g() -> None:
    for name in list(g):
        g.pop(name)


def signed_in(app):
    app.test_client_class = FreshClient
    create_account("organiser@bench.example.org", "Organiser", PASSWORD, AccountRole.ORGANISER)
    client = app.test_client()
    posted(client, "/console/login", "/console/login", email="organiser@bench.example.org", password=PASSWORD)
    return client


def _form(client, page: str, **fields) -> dict:
    """`fields` with the CSRF token (and the stamp, if any) of the form on `page`."""
    html = client.get(page).get_data(as_text=True)
    fields["csrf_token"] = CSRF_RE.search(html).group(1)
    stamp = STAMP_RE.search(html)
    if stamp:
        fields.setdefault("stamp", stamp.group(1))
    return fields


def posted(client, page: str, to: str, **fields) -> None:
    """POST the form of `page` to `to`, as a browser does; any answer but a redirect stops the bench."""
    response = client.post(to, data=_form(client, page, **fields))
    assert response.status_code in (302, 303), (
        to,
        response.status_code,
        response.get_data(as_text=True)[:500],
    )


def run_queue() -> int:
    """Run the queued tasks here, one after another, until none is left; returns how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def emails() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Message.id)))


def timed(work) -> dict:
    """The request (or service call), then the queue; and the emails written by both."""
    db.session.remove()
    before = emails()
    db.session.remove()
    forget_g()  # a service called here acts as no one, not as the last request's user
    began = time.perf_counter()
    work()
    request_s = time.perf_counter() - began
    db.session.remove()
    began = time.perf_counter()
    tasks = run_queue()
    queue_s = time.perf_counter() - began
    return {
        "request_s": round(request_s, 3),
        "queue_s": round(queue_s, 3),
        "tasks": tasks,
        "emails": emails() - before,
    }


def case_follow_up(client, people: int) -> dict:
    event = make_event("Partnership", datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3))
    fill(event, people, RegistrationStatus.CONFIRMED, attended=True)
    page = f"/console/events/{event.id}/follow-up"  # before the session ends with the timing
    return timed(
        lambda: posted(client, page, f"{page}/send", audience="attendees", certificate="y", note="Thanks")
    )


def _future_event(title: str, people: int, status=RegistrationStatus.CONFIRMED, **fields) -> int:
    event = make_event(title, datetime.now(UTC).replace(microsecond=0) + timedelta(days=30), **fields)
    fill(event, people, status)
    return event.id


def case_reschedule(client, people: int) -> dict:
    event_id = _future_event("Prevention", people)

    def move():
        moved = db.session.get(Event, event_id)
        event_changes.reschedule(moved, moved.start_dt + timedelta(days=1), moved.end_dt + timedelta(days=1))

    return timed(move)


def case_cancel(client, people: int) -> dict:
    event_id = _future_event("Protection", people)
    return timed(lambda: event_changes.cancel_event(db.session.get(Event, event_id), "Postponed"))


def case_capacity(client, people: int) -> dict:
    event_id = _future_event("Prosecution", people, RegistrationStatus.WAITLISTED, capacity=0)
    page = f"/console/events/{event_id}/registrations"
    return timed(lambda: posted(client, page, f"{page}/capacity", capacity=str(people)))


def case_mailing(client, people: int) -> dict:
    event_id = _future_event("Partnership 2", people)
    page = f"/console/events/{event_id}/messages"
    return timed(
        lambda: posted(
            client,
            page,
            f"{page}/send",
            audience="confirmed",
            subject="The agenda",
            body="Dear {name}, see you.",
        )
    )


def case_bulk(client, people: int) -> dict:
    event_id = _future_event("Partnership 3", people)
    ids = db.session.scalars(
        sa.select(Registration.id).where(Registration.event_id == event_id).limit(MAX_CHOSEN)
    ).all()
    page = f"/console/events/{event_id}/registrations"
    figures = timed(
        lambda: posted(client, page, f"{page}/actions", action="resend", ids=[str(i) for i in ids])
    )
    return {**figures, "chosen": len(ids)}


def case_bulk_all(client, people: int) -> dict:
    event_id = _future_event("Partnership 4", people)
    page = f"/console/events/{event_id}/registrations"
    return timed(lambda: posted(client, page, f"{page}/actions", action="resend", everyone="y"))


def run(url: str, args) -> dict:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": False, "LOG_REQUESTS": False, "LOG_LEVEL": "WARNING"}
    )
    results = {}
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        huey.flush()
        name = db.engine.dialect.name
        client = signed_in(app)
        for case in args.only:
            results[case] = globals()[f"case_{case}"](client, args.people)
            figures = results[case]
            print(
                f"[{name}] {case:>10}: request {figures['request_s']:7.3f} s, "
                f"queue {figures['queue_s']:7.3f} s ({figures['tasks']} tasks), "
                f"{figures['emails']} emails written"
            )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--only", default=",".join(CASES), type=lambda text: text.split(","))
    parser.add_argument("--languages", default=",".join(LANGUAGES), type=lambda text: text.split(","))
    args = parser.parse_args()
    unknown = set(args.only) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    LANGUAGES[:] = args.languages
    results = {"people": args.people, "languages": args.languages}
    results["sqlite"] = run(f"sqlite:///{Path(tempfile.mkdtemp(prefix='plenary-bench-')) / 'bench.db'}", args)
    if args.database_url and args.database_url.startswith("postgresql"):
        results["postgresql"] = run(args.database_url, args)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
