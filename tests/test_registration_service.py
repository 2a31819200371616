"""The registration rules, called as the views call them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow, write_transaction
from app.extensions import db
from app.models import Delegate, Message, OrganisationKind, Registration, RegistrationStatus
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import make_event, make_series, statements


def applicant(email="amina.yusuf@example.org", name="Amina Yusuf", **fields) -> Applicant:
    fields.setdefault("organisation_kind", OrganisationKind.MEMBER_STATE)
    fields.setdefault("country", "ET")
    return Applicant(email=email, name=name, organisation="Ministry of Labour", **fields)


def messages(kind: str | None = None) -> list[Message]:
    query = sa.select(Message).order_by(Message.id)
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query))


def test_confirmed_while_seats_remain_then_waitlisted_in_order(app):
    event = make_event(capacity=2)
    outcomes = [service.register(event, applicant(f"d{i}@example.org")) for i in range(5)]
    assert [o.status for o in outcomes] == [RegistrationStatus.CONFIRMED] * 2 + [
        RegistrationStatus.WAITLISTED
    ] * 3
    assert [o.waitlist_position for o in outcomes[2:]] == [1, 2, 3]
    db.session.refresh(event)
    assert event.confirmed_count == 2
    assert [m.kind for m in messages()] == ["registration_confirmed"] * 2 + ["registration_waitlisted"] * 3


def test_approval_required_makes_registration_pending_without_taking_a_seat(app):
    event = make_event(capacity=1, requires_approval=True)
    outcome = service.register(event, applicant())
    assert outcome.status == RegistrationStatus.PENDING
    db.session.refresh(event)
    assert event.confirmed_count == 0
    assert [m.kind for m in messages()] == ["registration_pending"]


def test_repeat_registration_changes_nothing_and_mails_only_the_address(app):
    event = make_event()
    first = service.register(event, applicant())
    again = service.register(event, applicant(name="Someone Else", organisation_kind=OrganisationKind.NGO))
    assert again.is_neutral and again.status is None
    registration = db.session.get(Registration, first.registration.id)
    assert registration.name == "Amina Yusuf"
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
    assert db.session.scalar(sa.select(Delegate.name)) == "Amina Yusuf"
    assert [m.kind for m in messages()] == ["registration_confirmed", "registration_reminder_link"]
    # A third try within minutes does not mail the address again.
    service.register(event, applicant())
    assert len(messages("registration_reminder_link")) == 1


def test_cancel_frees_the_seat_for_the_first_on_the_waiting_list(app):
    event = make_event(capacity=1)
    first = service.register(event, applicant("first@example.org"))
    second = service.register(event, applicant("second@example.org"))
    third = service.register(event, applicant("third@example.org"))
    promoted = service.cancel(first.registration)
    assert [r.id for r in promoted] == [second.registration.id]
    statuses = dict(db.session.execute(sa.select(Registration.id, Registration.status)).all())
    assert statuses[first.registration.id] == RegistrationStatus.CANCELLED
    assert statuses[second.registration.id] == RegistrationStatus.CONFIRMED
    assert statuses[third.registration.id] == RegistrationStatus.WAITLISTED
    assert service.waitlist_position(db.session, db.session.get(Registration, third.registration.id)) == 1
    db.session.refresh(event)
    assert event.confirmed_count == 1
    kinds = [(m.kind, m.to_address) for m in messages()][-2:]
    assert kinds == [
        ("registration_cancelled", "first@example.org"),
        ("registration_confirmed", "second@example.org"),
    ]


def test_cancelling_twice_is_harmless(app):
    event = make_event(capacity=1)
    outcome = service.register(event, applicant())
    service.cancel(outcome.registration)
    assert service.cancel(outcome.registration) == []
    db.session.refresh(event)
    assert event.confirmed_count == 0
    assert len(messages("registration_cancelled")) == 1


def test_cancelled_delegate_can_register_again_with_a_new_link(app):
    event = make_event(capacity=5)
    outcome = service.register(event, applicant())
    old_key = outcome.registration.manage_key
    service.cancel(outcome.registration)
    again = service.register(event, applicant())
    assert again.status == RegistrationStatus.CONFIRMED
    assert again.registration.id == outcome.registration.id
    assert again.registration.manage_key != old_key


@pytest.mark.parametrize(
    "fields",
    [
        {"is_cancelled": True},
        {"starts_in": timedelta(hours=-1)},
        {"registration_closes_dt": utcnow() - timedelta(minutes=1)},
        {"registration_opens_dt": utcnow() + timedelta(days=1)},
        {"is_published": False},
    ],
    ids=["cancelled", "started", "closed", "not-yet-open", "unpublished"],
)
def test_closed_events_refuse_and_store_nothing(app, fields):
    event = make_event(**fields)
    with pytest.raises(service.EventNotOpen):
        service.register(event, applicant())
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_series_registration_is_one_transaction(app):
    series = make_series()
    events = [
        make_event(title, series=series, starts_in=timedelta(days=10 + i))
        for i, title in enumerate(["Prevention", "Protection", "Prosecution", "Partnership"])
    ]
    outcomes = service.register_for_series(series, events, applicant())
    assert {o.status for o in outcomes} == {RegistrationStatus.CONFIRMED}
    batch_keys = set(db.session.scalars(sa.select(Registration.batch_key)))
    assert len(batch_keys) == 1 and None not in batch_keys
    assert len(messages("registration_confirmed")) == 4


def test_series_registration_with_one_closed_event_registers_nothing(app):
    series = make_series()
    open_event = make_event("Prevention", series=series)
    closed = make_event("Protection", series=series, registration_closes_dt=utcnow() - timedelta(hours=1))
    with pytest.raises(service.EventNotOpen):
        service.register_for_series(series, [open_event, closed], applicant())
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Delegate.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
    db.session.refresh(open_event)
    assert open_event.confirmed_count == 0


def test_series_registration_refuses_events_of_another_series(app):
    series, other = make_series(), make_series("Another series")
    foreign = make_event(series=other)
    with pytest.raises(service.RegistrationError):
        service.register_for_series(series, [foreign], applicant())


def someone_else() -> Applicant:
    """Amina's address typed into a form by someone else, with other details."""
    return Applicant(
        email="amina.yusuf@example.org",
        name="Not Amina",
        organisation="Front Organisation",
        organisation_kind=OrganisationKind.PRIVATE_SECTOR,
        country="ER",
        job_title="Impostor",
        language="fr",
    )


REGISTER_AGAIN = {
    "a published event (the web form)": lambda event: service.register_for_published(
        event.id, someone_else()
    ),
    "an event (the API, the embedded form)": lambda event: service.register(event, someone_else()),
    "a series (the series form)": lambda event: service.register_for_series(
        event.series, [event], someone_else()
    ),
}


@pytest.mark.parametrize("register_again", REGISTER_AGAIN.values(), ids=list(REGISTER_AGAIN))
def test_a_registration_for_another_event_keeps_the_delegates_details(app, register_again):
    """One person across events: a public form may create the delegate but never changes an
    existing one (anyone can type any address); each registration keeps what was typed."""
    first = make_event("Prevention")
    second = make_event("Protection", series=make_series())
    service.register(first, applicant(job_title="Director"))
    register_again(second)
    delegates = db.session.scalars(sa.select(Delegate)).all()
    assert len(delegates) == 1
    assert delegates[0].details() == {
        "name": "Amina Yusuf",
        "latin_name": "",
        "organisation": "Ministry of Labour",
        "organisation_kind": OrganisationKind.MEMBER_STATE,
        "country": "ET",
        "job_title": "Director",
        "language": "en",
        "salutation": "",
        "given_name": "",
        "family_name": "",
    }
    typed = db.session.scalars(sa.select(Registration).where(Registration.event_id == second.id)).one()
    assert {key: typed.details()[key] for key in someone_else().details()} == someone_else().details()
    assert typed.delegate_id == delegates[0].id


def test_failed_unit_of_work_leaves_no_outbox_message(app):
    """A registration whose transaction rolls back takes its email with it."""
    event = make_event(capacity=1)
    with pytest.raises(RuntimeError), write_transaction() as session:
        delegate = service._delegate_for(session, applicant(), utcnow())
        outcome = service._register_one(session, event, delegate, applicant(), None, utcnow())
        assert outcome.status == RegistrationStatus.CONFIRMED
        assert session.scalar(sa.select(sa.func.count(Message.id))) == 1  # written, not committed
        raise RuntimeError("something after the registration failed")
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
    db.session.refresh(event)
    assert event.confirmed_count == 0


def test_update_details_changes_registration_and_delegate(app):
    event = make_event()
    outcome = service.register(event, applicant())
    service.update_details(outcome.registration, applicant(name="Amina Y.", job_title="Adviser"))
    registration = db.session.get(Registration, outcome.registration.id)
    assert (registration.name, registration.job_title) == ("Amina Y.", "Adviser")
    assert registration.delegate.name == "Amina Y."


def test_a_registration_writes_each_row_once_and_returns_what_was_stored(app):
    """One statement a row (no second UPDATE of the delegate or the registration at the
    commit), and the registration the service returns is the one stored."""
    app.config["OUTBOX_KICK"] = False  # the worker's statements, inline in tests, are not the request's
    event = make_event(capacity=1)
    with statements() as executed:
        outcome = service.register(event, applicant())
    written = [
        s.split("(")[0].split(" SET")[0].strip() for s in executed if s.startswith(("INSERT", "UPDATE"))
    ]
    assert written == [
        "INSERT INTO delegate",
        "UPDATE event",  # the seat
        "INSERT INTO registration",
        "INSERT INTO message",
        "INSERT INTO message_content",
    ]
    returned = outcome.registration
    expected = (returned.id, returned.manage_key, returned.status, returned.delegate_id, returned.version)
    db.session.expire_all()
    stored = db.session.get(Registration, returned.id)
    assert (stored.id, stored.manage_key, stored.status, stored.delegate_id, stored.version) == expected
    assert (
        stored.status == RegistrationStatus.CONFIRMED and stored.delegate.email == "amina.yusuf@example.org"
    )


def test_the_upserted_delegate_is_the_sessions_own_copy_with_the_rows_values(app):
    """A caller already holding the delegate gets that same object, refreshed from the row
    the upsert returned, as a load would."""
    service.register(make_event(), applicant())
    with write_transaction() as session:
        held = session.scalars(sa.select(Delegate)).one()
        session.execute(sa.update(Delegate.__table__).values(job_title="Adviser"))  # behind the ORM
        delegate = service._delegate_for(session, applicant(), utcnow())
        assert delegate is held and held.job_title == "Adviser"
