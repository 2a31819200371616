"""Work that grows with the audience runs on the job queue, never in a request: the waiting
list moved into the seats a new capacity adds, and the registrations table's actions on many
(services/registration/audience.py, through mailouts). A batch at a time, each its own
transaction, resumable, and never more people seated than seats."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Event, Mailout, MailoutKind, MailoutStatus, Message, Registration, RegistrationStatus
from app.services.mail import mailouts
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import at_once, csrf_token, make_event

WAITLISTED, CONFIRMED, CANCELLED = (
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.CANCELLED,
)
BATCH = 5  # small batches, so that a dozen people take several


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(mailouts, "BATCH", BATCH)


def waiting_list(people: int, capacity: int = 0) -> Event:
    event = make_event("Partnership", capacity=capacity)
    for n in range(people):
        registrations.register(event, Applicant(email=f"d{n}@example.org", name=f"Delegate {n}"))
    return db.session.get(Event, event.id)


def statuses(event: Event) -> list[RegistrationStatus]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Registration.status).where(Registration.event_id == event.id).order_by(Registration.id)
        )
    )


def emails_of_kind(kind: str) -> Counter:
    """How many emails of `kind` each registration got."""
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(Message.registration_id).where(Message.kind == kind)))


def seats(event: Event) -> tuple[int, int, int]:
    """The capacity, the seat counter, and the confirmed registrations counted."""
    db.session.rollback()
    event = db.session.get(Event, event.id, populate_existing=True)
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(Registration.event_id == event.id, Registration.status == CONFIRMED)
    )
    return event.capacity, event.confirmed_count, confirmed


def post(client, url: str, **data):
    """POST to one of the registrations table's forms, with the table's CSRF token."""
    table = url.split("/registrations")[0] + "/registrations"
    return client.post(url, data={"csrf_token": csrf_token(client, table), **data})


def test_a_new_capacity_promotes_nobody_in_the_request_the_queue_does_it_in_batches(console, queued):
    event = waiting_list(12)
    url = f"/console/events/{event.id}/registrations"
    response = post(console, f"{url}/capacity", capacity="10")

    job = db.session.scalars(sa.select(Mailout)).one()
    assert (job.kind, job.total, job.status) == (MailoutKind.PROMOTION, 10, MailoutStatus.WRITING)
    assert response.status_code == 303 and response.headers["Location"] == f"/console/mailouts/{job.id}"
    assert statuses(event) == [WAITLISTED] * 12  # nobody moved in the request
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting list moved into the new seats" in page and 'data-count="written">0<' in page

    queued()
    assert statuses(event) == [CONFIRMED] * 10 + [WAITLISTED] * 2  # first come, first served
    assert seats(event) == (10, 10, 10)
    assert set(emails_of_kind("registration_confirmed").values()) == {1}
    assert len(emails_of_kind("registration_confirmed")) == 10
    db.session.rollback()
    job = db.session.get(Mailout, job.id)
    assert (job.status, job.written) == (MailoutStatus.DONE, 10)
    progress = console.get(f"/console/mailouts/{job.id}/progress.json").get_json()
    assert (progress["written"], progress["total"], progress["status"]) == (10, 10, "done")


def test_a_promotion_whose_worker_died_is_resumed_and_seats_each_person_once(app, queued):
    event = waiting_list(13)
    job = registrations.set_capacity(event, 12)
    assert mailouts.run(job.id, batches=1) == BATCH
    # The worker dies after a batch, its claim left until it runs out.
    db.session.execute(sa.update(Mailout).values(claimed_until_dt=utcnow() + mailouts.CLAIM))
    db.session.commit()
    assert statuses(event) == [CONFIRMED] * BATCH + [WAITLISTED] * 8
    assert mailouts.resume_stalled() == 0  # its claim still holds

    later = utcnow() + mailouts.CLAIM + timedelta(minutes=1)
    at_once(app, lambda: mailouts.resume_stalled(now=later), 2)  # the sweep, twice at once
    queued()  # and the lost task's own run
    assert statuses(event) == [CONFIRMED] * 12 + [WAITLISTED]
    assert seats(event) == (12, 12, 12)
    promoted = emails_of_kind("registration_confirmed")
    assert len(promoted) == 12 and set(promoted.values()) == {1}
    db.session.rollback()
    assert db.session.get(Mailout, job.id).status == MailoutStatus.DONE


def test_a_bulk_action_on_many_is_done_by_the_queue_batch_by_batch_and_resumes(console, queued):
    event = make_event("Partnership", capacity=None)
    for n in range(12):
        registrations.register(event, Applicant(email=f"d{n}@example.org", name=f"Delegate {n}"))
    ids = db.session.scalars(sa.select(Registration.id).order_by(Registration.id)).all()
    url = f"/console/events/{event.id}/registrations/actions"
    response = post(console, url, action="cancel", ids=[str(i) for i in ids])

    job = db.session.scalars(sa.select(Mailout)).one()
    assert (job.kind, job.total) == (MailoutKind.REGISTRATION_ACTION, 12)
    assert response.status_code == 303 and response.headers["Location"] == f"/console/mailouts/{job.id}"
    assert statuses(event) == [CONFIRMED] * 12  # nothing changed in the request

    assert mailouts.run(job.id, batches=1) == BATCH  # one batch, one transaction
    assert statuses(event) == [CANCELLED] * BATCH + [CONFIRMED] * 7
    queued()  # the task goes on from the cursor
    assert statuses(event) == [CANCELLED] * 12
    cancelled = emails_of_kind("registration_cancelled")
    assert len(cancelled) == 12 and set(cancelled.values()) == {1}
    db.session.rollback()
    job = db.session.get(Mailout, job.id)
    assert (job.status, job.written, job.params["refused_count"]) == (MailoutStatus.DONE, 12, 0)


def test_an_action_on_every_registration_of_the_list_needs_no_ticks(console, queued):
    event = waiting_list(7, capacity=2)
    url = f"/console/events/{event.id}/registrations/actions?status=waitlisted"
    response = post(console, url, action="reject", everyone="y")
    assert response.status_code == 303
    assert statuses(event) == [CONFIRMED] * 2 + [WAITLISTED] * 5
    queued()
    assert statuses(event) == [CONFIRMED] * 2 + [RegistrationStatus.REJECTED] * 5


def test_a_bulk_action_with_neither_ticks_nor_every_registration_is_refused(console, queued):
    event = waiting_list(2, capacity=1)
    response = post(console, f"/console/events/{event.id}/registrations/actions", action="reject")
    assert response.status_code == 400
    assert "Tick at least one registration." in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Mailout)).all() == []


@pytest.mark.slow
def test_no_overbooking_while_registrations_come_in_during_a_promotion(app, queued):
    """The promotion's batches and new registrations take seats at the same time: the guarded
    seat update gives no more than there are, on PostgreSQL as on SQLite."""
    event = waiting_list(30)
    job = registrations.set_capacity(event, 20)
    event_id = event.id
    newcomers = iter(range(100, 200))

    def work():
        if next(newcomers) == 100:
            return mailouts.run(job.id)
        outcomes = []
        for _ in range(5):
            applicant = Applicant(email=f"new{next(newcomers)}@example.org", name="Newcomer")
            outcomes.append(registrations.register(db.session.get(Event, event_id), applicant))
        return outcomes

    at_once(app, work, 4)
    queued()
    capacity, counted, confirmed = seats(event)
    assert capacity == counted == confirmed == 20
    assert statuses(event).count(WAITLISTED) == 30 + 15 - 20
