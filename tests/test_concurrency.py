"""Capacity holds under real concurrency: threads, and separate processes, on real commits."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event, Message, MessageStatus, OrganisationKind, Registration, RegistrationStatus
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import TEST_DATABASE_URL, make_app, make_event

pytestmark = pytest.mark.slow


def applicant(n: int) -> Applicant:
    return Applicant(
        email=f"delegate{n}@example.org",
        name=f"Delegate {n}",
        organisation_kind=OrganisationKind.NGO,
        country="KE",
    )


def register_in_thread(app, event_id: int, n: int, barrier: threading.Barrier, results: dict, errors: list):
    with app.app_context():
        try:
            event = db.session.get(Event, event_id)
            db.session.rollback()  # give the connection back: the pool is smaller than the crowd
            barrier.wait(timeout=60)
            outcome = service.register(event, applicant(n))
            results[n] = (outcome.status, outcome.waitlist_position)
        except Exception as error:  # recorded, and the test fails on it
            errors.append(repr(error))
        finally:
            db.session.remove()


def assert_seats_held(event_id: int, attempts: int, seats: int, results: dict) -> None:
    statuses = [status for status, _position in results.values()]
    assert len(results) == attempts
    assert statuses.count(RegistrationStatus.CONFIRMED) == seats
    assert statuses.count(RegistrationStatus.WAITLISTED) == attempts - seats
    positions = sorted(
        position for status, position in results.values() if status == RegistrationStatus.WAITLISTED
    )
    assert positions == list(range(1, attempts - seats + 1))

    db.session.rollback()  # a fresh snapshot: the threads committed after ours began
    event = db.session.get(Event, event_id)
    assert event.confirmed_count == seats
    stored = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    assert dict(stored) == {
        RegistrationStatus.CONFIRMED: seats,
        RegistrationStatus.WAITLISTED: attempts - seats,
    }
    # Arrival order: the waiting list, read back in promotion order, matches the positions handed out.
    waiting = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.status_changed_dt, Registration.id)
    ).all()
    by_email = {f"delegate{n}@example.org": position for n, (_s, position) in results.items()}
    assert [by_email[r.email] for r in waiting] == list(range(1, attempts - seats + 1))


def test_fifty_threads_ten_seats(app):
    event = make_event(capacity=10)
    attempts = 50
    barrier = threading.Barrier(attempts)
    results, errors = {}, []
    threads = [
        threading.Thread(target=register_in_thread, args=(app, event.id, n, barrier, results, errors))
        for n in range(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert_seats_held(event.id, attempts, 10, results)
    # Every message went out once, though many deliveries ran at the same time.
    sent = db.session.scalars(sa.select(Message.status)).all()
    assert len(sent) == attempts and set(sent) == {MessageStatus.SENT}
    assert len(list(Path(app.config["MAIL_DIR"]).glob("*.eml"))) == attempts


def test_concurrent_cancellations_promote_different_people(app):
    event = make_event(capacity=4)
    outcomes = [service.register(event, applicant(n)) for n in range(8)]
    confirmed = [o.registration.id for o in outcomes[:4]]
    barrier = threading.Barrier(len(confirmed))
    errors: list[str] = []

    def cancel(registration_id: int):
        with app.app_context():
            try:
                registration = db.session.get(Registration, registration_id)
                db.session.rollback()
                barrier.wait(timeout=60)
                service.cancel(registration)
            except Exception as error:
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cancel, args=(rid,)) for rid in confirmed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.rollback()  # a fresh snapshot: the threads committed after ours began
    statuses = [db.session.get(Registration, o.registration.id).status for o in outcomes]
    assert statuses == [RegistrationStatus.CANCELLED] * 4 + [RegistrationStatus.CONFIRMED] * 4
    assert db.session.get(Event, event.id).confirmed_count == 4


def _register_in_process(tmp_path: str, event_id: int, numbers: list[int], barrier, queue) -> None:
    app = make_app(Path(tmp_path), OUTBOX_KICK=False)
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.rollback()
        barrier.wait(timeout=60)
        for n in numbers:
            outcome = service.register(event, applicant(n))
            queue.put((n, outcome.status.value, outcome.waitlist_position))
        db.engine.dispose()


def test_four_processes_sixty_attempts_ten_seats(app, tmp_path):
    event = make_event(capacity=10)
    # Processes started from a server that has imported the app already (not spawned, each
    # importing it again: 2 s of CPU apiece), and not forked from this one, with its threads
    # and connections.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier, queue = context.Barrier(4), context.Queue()
    processes = [
        context.Process(
            target=_register_in_process, args=(str(tmp_path), event.id, list(range(p, 60, 4)), barrier, queue)
        )
        for p in range(4)
    ]
    for process in processes:
        process.start()
    results = {}
    for _ in range(60):
        n, status, position = queue.get(timeout=120)
        results[n] = (RegistrationStatus(status), position)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert_seats_held(event.id, 60, 10, results)


# --- the waiting list while someone else holds a row (PostgreSQL's row locks) -----------------

on_postgresql = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="row locks held by another connection: on SQLite every unit of work that writes holds "
    "the whole database (BEGIN IMMEDIATE), so no row can be held while a cancellation runs",
)


def in_thread(app, work) -> tuple[threading.Thread, list[str]]:
    """`work()` in a thread of its own, with its own app context and connection."""
    errors: list[str] = []

    def run():
        with app.app_context():
            try:
                work()
            except Exception as error:  # recorded, and the test fails on it
                errors.append(repr(error))
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def waiting_on_a_lock(count: int, *threads: threading.Thread) -> None:
    """Until `count` other connections wait for a lock, or the threads have ended (a run that
    waits for nothing), at most 10 s."""
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 10
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline and any(thread.is_alive() for thread in threads):
            if watcher.execute(waiting).scalar_one() >= count:
                return
            watcher.rollback()
            time.sleep(0.02)


def statuses_of(*outcomes) -> list[RegistrationStatus]:
    db.session.rollback()  # a fresh snapshot: the threads committed after ours began
    return [db.session.get(Registration, o.registration.id).status for o in outcomes]


@on_postgresql
def test_a_cancellation_waits_for_the_first_on_the_waiting_list_while_their_row_is_held(app):
    """An organiser editing the first waiting person's details holds their row for a moment:
    the seat a cancellation frees still goes to them, not to the second in line."""
    event = make_event(capacity=1)
    confirmed, first, second = (service.register(event, applicant(n)) for n in range(3))
    assert statuses_of(first, second) == [RegistrationStatus.WAITLISTED] * 2
    with db.engine.connect() as organiser:
        organiser.execute(
            sa.select(Registration.id).where(Registration.id == first.registration.id).with_for_update()
        )
        cancelling, errors = in_thread(app, lambda: service.cancel(confirmed.registration))
        waiting_on_a_lock(1, cancelling)
        time.sleep(0.5)  # the organiser's edit takes a moment
        organiser.rollback()
    cancelling.join(timeout=30)
    assert errors == []
    assert statuses_of(confirmed, first, second) == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]


@on_postgresql
def test_an_organiser_promoting_while_a_cancellation_promotes_the_same_person_is_told_no(app):
    """Both take the event's lock before the registration's: the cancellation promotes the
    first in line, and the organiser's promotion of that same person, waiting behind it, is
    refused as a registration no longer waiting (not a deadlock, and not the second in line)."""
    from app.services.registration.registrations import RegistrationError
    from tests.conftest import make_account

    event = make_event(capacity=1)
    confirmed, first, second = (service.register(event, applicant(n)) for n in range(3))
    organiser = make_account("organiser")
    refusals: list[str] = []

    def promote_first():
        try:
            service.promote(db.session.get(Registration, first.registration.id), by=organiser)
        except RegistrationError as refusal:
            refusals.append(str(refusal))

    with db.engine.connect() as holder:  # the event, held (by a registration) while both start
        holder.execute(sa.select(Event.id).where(Event.id == event.id).with_for_update())
        cancelling, cancel_errors = in_thread(app, lambda: service.cancel(confirmed.registration))
        waiting_on_a_lock(1, cancelling)
        promoting, promote_errors = in_thread(app, promote_first)
        waiting_on_a_lock(2, cancelling, promoting)
        holder.rollback()
    cancelling.join(timeout=30)
    promoting.join(timeout=30)
    assert cancel_errors == [] and promote_errors == []
    assert refusals == ["Only a registration on the waiting list can be moved from it."]
    assert statuses_of(confirmed, first, second) == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]
