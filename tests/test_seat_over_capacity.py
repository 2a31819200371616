"""Protocol: organisers seat particular people over capacity, deliberately (issue 21); the
normal path still never overbooks, and a cancellation while over capacity promotes nobody."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Event, Message, Registration, RegistrationStatus
from app.services.registration import registrations as service
from tests.conftest import make_event
from tests.test_console_registrations import audit_actions, fresh, page, register, token

CONFIRMED, WAITLISTED, PENDING = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.PENDING,
)


def seat(client, event: Event, *registrations, confirmed: bool = True, **data):
    payload = {"csrf_token": token(client), "ids": [str(r.id) for r in registrations], **data}
    if confirmed:
        payload["protocol_confirmed"] = "y"
    return client.post(f"/console/events/{event.id}/registrations/seat-over-capacity", data=payload)


def counts(event: Event) -> tuple[int | None, int, int]:
    db.session.rollback()
    event = db.session.get(Event, event.id)
    return event.capacity, event.confirmed_count, event.protocol_seats


def full_event(**fields) -> tuple[Event, Registration, Registration]:
    """Two seats, both taken; two people on the waiting list."""
    event = make_event(capacity=2, **fields)
    register(event, "Amina Yusuf")
    register(event, "Dawit Bekele")
    chiara, lars = register(event, "Chiara Rossi"), register(event, "Lars Jensen")
    return event, fresh(chiara), fresh(lars)


def test_an_organiser_seats_chosen_people_over_capacity_with_an_audit_entry_each(console, app):
    event, chiara, lars = full_event()
    assert chiara.status == lars.status == WAITLISTED
    response = seat(console, event, lars)
    assert response.status_code == 303
    assert fresh(lars).status == CONFIRMED and fresh(chiara).status == WAITLISTED  # the one chosen
    assert counts(event) == (2, 3, 1)
    message = db.session.scalars(
        sa.select(Message).where(Message.registration_id == lars.id).order_by(Message.id.desc())
    ).first()
    assert message.kind == "registration_confirmed"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.seat_over_capacity")
    ).one()
    assert entry.account_id == console.account.id and entry.details["over_capacity_by"] == 1
    assert "Over capacity by 1." in page(console, f"/console/events/{event.id}/registrations")
    assert "Over capacity by 1." in page(console, f"/console/events/{event.id}")

    seat(console, event, chiara)
    assert counts(event) == (2, 4, 2)
    assert audit_actions().count("registration.seat_over_capacity") == 2


def test_several_at_once_and_a_pending_person_too(console, app):
    event = make_event(capacity=1, requires_approval=True)
    amina, dawit, chiara = (register(event, name) for name in ("Amina Yusuf", "Dawit Bekele", "Chiara Rossi"))
    service.approve(amina)
    assert fresh(dawit).status == PENDING
    assert seat(console, event, dawit, chiara).status_code == 303
    assert fresh(dawit).status == fresh(chiara).status == CONFIRMED
    assert counts(event) == (1, 3, 2)


def test_a_free_seat_is_taken_first_and_is_not_over_capacity(console, app):
    event = make_event(capacity=3, requires_approval=True)
    amina = register(event, "Amina Yusuf")
    seat(console, event, amina)
    assert counts(event) == (3, 1, 0)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.seat_over_capacity")
    ).one()
    assert entry.details["over_capacity_by"] == 0


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({}, 400, "Tick the box to confirm that these people are seated over capacity."),
        ({"everyone": "y"}, 400, "Seating over capacity applies to the ticked people only."),
    ],
)
def test_without_the_explicit_confirmation_nothing_changes(console, app, data, status, message):
    event, chiara, _lars = full_event()
    response = seat(console, event, chiara, confirmed="everyone" in data, **data)
    assert response.status_code == status
    assert message in unescape(response.get_data(as_text=True))
    assert fresh(chiara).status == WAITLISTED and counts(event) == (2, 2, 0)


def test_someone_already_confirmed_or_of_another_event_refuses_the_whole_request(console, app):
    event, chiara, _lars = full_event()
    amina = db.session.scalars(sa.select(Registration).where(Registration.name == "Amina Yusuf")).one()
    response = seat(console, event, chiara, amina)
    assert response.status_code == 409
    assert "Only people awaiting approval or on the waiting list can be seated" in unescape(
        response.get_data(as_text=True)
    )
    other = register(make_event("Another meeting"), "Ole Hansen")
    assert seat(console, event, chiara, other).status_code == 400
    assert fresh(chiara).status == WAITLISTED and counts(event) == (2, 2, 0)
    assert "registration.seat_over_capacity" not in audit_actions()


def test_a_viewer_cannot_seat_anyone(signed_in, app):
    viewer = signed_in("viewer")
    event, chiara, _lars = full_event()
    assert seat(viewer, event, chiara).status_code == 403
    assert fresh(chiara).status == WAITLISTED


def test_cancelling_while_over_capacity_promotes_nobody_until_back_under(console, app):
    event, chiara, lars = full_event()
    seat(console, event, lars)  # 3 of 2
    amina = db.session.scalars(sa.select(Registration).where(Registration.name == "Amina Yusuf")).one()
    dawit = db.session.scalars(sa.select(Registration).where(Registration.name == "Dawit Bekele")).one()
    service.cancel(amina)
    assert counts(event) == (2, 2, 0)
    assert fresh(chiara).status == WAITLISTED  # back at capacity, not under it
    service.cancel(dawit)
    assert counts(event) == (2, 2, 0)
    assert fresh(chiara).status == CONFIRMED  # under capacity: the waiting list moves


def test_the_normal_path_still_never_overbooks_after_protocol_seats(console, app):
    event, chiara, lars = full_event()
    seat(console, event, lars)
    outcome = service.register(
        db.session.get(Event, event.id),
        service.Applicant(email="ole.hansen@example.org", name="Ole Hansen", country="DK"),
    )
    assert outcome.status == WAITLISTED
    with pytest.raises(service.RegistrationError):
        service.promote(fresh(chiara), by=console.account)
    assert counts(event) == (2, 3, 1)


def test_the_check_refuses_a_count_beyond_capacity_and_protocol_seats(app):
    event = make_event(capacity=1)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Event).where(Event.id == event.id).values(confirmed_count=2))
        db.session.commit()
    db.session.rollback()
    db.session.execute(
        sa.update(Event).where(Event.id == event.id).values(confirmed_count=2, protocol_seats=1)
    )
    db.session.commit()


def test_capacity_raised_while_over_capacity_keeps_only_the_seats_still_beyond(console, app):
    event, chiara, lars = full_event()
    seat(console, event, chiara, lars)  # 4 of 2
    service.set_capacity(db.session.get(Event, event.id), 3)
    assert counts(event) == (3, 4, 1)
    with pytest.raises(service.RegistrationError, match="3 seats are already taken"):
        service.set_capacity(db.session.get(Event, event.id), 1)
    service.set_capacity(db.session.get(Event, event.id), 10)
    assert counts(event) == (10, 4, 0)


def test_the_registration_page_offers_it_only_when_full_and_to_organisers(console, signed_in, app):
    event, chiara, _lars = full_event()
    body = page(console, f"/console/registrations/{chiara.id}")
    assert "Seat over capacity" in body
    viewer = signed_in("viewer")
    assert "Seat over capacity" not in page(viewer, f"/console/registrations/{chiara.id}")
    response = seat(console, event, chiara, return_to="registration")
    assert response.status_code == 303 and response.location.endswith(f"/console/registrations/{chiara.id}")
    roomy = make_event("Roomy", capacity=10, requires_approval=True)
    pending = register(roomy, "Ole Hansen")
    assert "Seat over capacity" not in page(console, f"/console/registrations/{pending.id}")


@pytest.mark.parametrize(
    "language, text", [("fr", "Dépassement de capacité de 1."), ("ar", "تجاوز السعة بـ")]
)
def test_over_capacity_is_said_in_french_and_arabic(console, app, language, text):
    event, _chiara, lars = full_event()
    seat(console, event, lars)
    body = page(console, f"/console/events/{event.id}/registrations?lang={language}")
    assert text in body
