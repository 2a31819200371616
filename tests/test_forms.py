"""Registering through the web forms, as a delegate does, with CSRF protection on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Delegate, Message, Registration, RegistrationStatus
from tests.conftest import csrf_token, delegate_form, make_event, make_series, submit

NEUTRAL = "If this address is registered for this event, a message has been sent"


def count(model) -> int:
    db.session.rollback()  # a fresh snapshot: the request committed in its own transaction
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_nothing_stored() -> None:
    assert count(Registration) == 0
    assert count(Delegate) == 0
    assert count(Message) == 0


def registrations() -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def register_url(event) -> str:
    return f"/events/{event.id}/register"


def field_error(body: str, name: str) -> str | None:
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', body)
    return match.group(1) if match else None


# --- a registration that succeeds -----------------------------------------------


def test_valid_registration_redirects_to_the_result_page(app, client):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/registrations/done"
    body = client.get("/registrations/done").get_data(as_text=True)
    assert "Your seat is confirmed" in body
    assert "Partnership" in body


def test_registration_is_stored_with_the_normalised_email(app, client):
    event = make_event("Partnership")
    submit(client, register_url(event), delegate_form(email="  Amina.Yusuf@Example.ORG "))
    [registration] = registrations()
    assert registration.email == "amina.yusuf@example.org"
    assert registration.status == RegistrationStatus.CONFIRMED
    assert (registration.name, registration.country) == ("Amina Yusuf", "ET")
    assert registration.organisation == "Ministry of Labour and Social Affairs"


def test_full_event_puts_the_delegate_on_the_waiting_list(app, client):
    event = make_event("Partnership", capacity=1, confirmed_count=1)
    submit(client, register_url(event), delegate_form())
    body = client.get("/registrations/done").get_data(as_text=True)
    assert "number 1 on the waiting list" in body
    assert registrations()[0].status == RegistrationStatus.WAITLISTED


def test_approval_required_event_says_the_registration_awaits_approval(app, client):
    event = make_event("Steering Committee", requires_approval=True)
    submit(client, register_url(event), delegate_form())
    body = client.get("/registrations/done").get_data(as_text=True)
    assert "awaiting approval" in body
    assert registrations()[0].status == RegistrationStatus.PENDING


def test_result_page_never_shows_a_manage_link(app, client):
    event = make_event("Partnership")
    submit(client, register_url(event), delegate_form())
    response = client.get("/registrations/done")
    assert response.status_code == 200
    assert "/registrations/manage/" not in response.get_data(as_text=True)


def test_result_page_shown_twice_sends_the_visitor_home(app, client):
    event = make_event("Partnership")
    submit(client, register_url(event), delegate_form())
    client.get("/registrations/done")
    response = client.get("/registrations/done")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_result_page_without_a_registration_sends_the_visitor_home(app, client):
    response = client.get("/registrations/done")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_registering_again_shows_the_neutral_sentence_and_changes_nothing(app, client):
    event = make_event("Partnership")
    submit(client, register_url(event), delegate_form())
    client.get("/registrations/done")
    again = submit(
        client, register_url(event), delegate_form(name="Someone Else", email="AMINA.YUSUF@example.org")
    )
    assert again.status_code == 302
    body = client.get("/registrations/done").get_data(as_text=True)
    assert NEUTRAL in body
    assert "Your seat is confirmed" not in body
    [registration] = registrations()
    assert registration.name == "Amina Yusuf"
    assert registration.delegate.name == "Amina Yusuf"


# --- missing and bad input ---------------------------------------------------------


@pytest.mark.parametrize(
    "missing", ["name", "email", "organisation", "organisation_kind", "country", "consent_privacy"]
)
def test_missing_required_field_is_refused_next_to_the_field(app, client, missing):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(**{missing: None}))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_error(body, missing)
    assert_nothing_stored()


@pytest.mark.parametrize(
    "missing", ["name", "email", "organisation", "organisation_kind", "country", "consent_privacy"]
)
def test_missing_field_keeps_what_was_entered(app, client, missing):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(**{missing: None}))
    body = response.get_data(as_text=True)
    kept = {
        "name": 'value="Amina Yusuf"',
        "email": 'value="amina.yusuf@example.org"',
        "organisation": 'value="Ministry of Labour and Social Affairs"',
        "job_title": 'value="Director of Migration Affairs"',
        "organisation_kind": '<option selected value="member_state">',
        "country": '<option selected value="ET">',
    }
    for name, html in kept.items():
        if name != missing:
            assert html in body, f"{name} was not kept"


def test_empty_fields_are_refused_like_missing_ones(app, client):
    event = make_event("Partnership")
    form = delegate_form(name="   ", organisation="", organisation_kind="", country="")
    response = submit(client, register_url(event), form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for name in ("name", "organisation", "organisation_kind", "country"):
        assert field_error(body, name), name
    assert_nothing_stored()


def test_unchecked_privacy_consent_says_why(app, client):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(consent_privacy=None))
    error = field_error(response.get_data(as_text=True), "consent_privacy")
    assert error == "You need to agree to the privacy notice to register."


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "amina@@example.org"])
def test_invalid_email_is_refused(app, client, email):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(email=email))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_error(body, "email") == "Enter a valid email address, such as name@example.org."
    assert 'value="Amina Yusuf"' in body
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("organisation_kind", "government"),
        ("language", "xx"),
        ("name", "A" * 201),
        ("organisation", "Ministry " * 23),
        ("job_title", "J" * 201),
        ("email", "a" * 243 + "@example.org"),
    ],
    ids=["country", "organisation-kind", "language", "name", "organisation", "job-title", "email"],
)
def test_bad_value_is_refused_and_nothing_stored(app, client, field, value):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(**{field: value}))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field)
    assert_nothing_stored()


def test_header_injection_in_the_name_is_refused(app, client):
    event = make_event("Partnership")
    form = delegate_form(name="Amina Yusuf\r\nBcc: victim@example.org")
    response = submit(client, register_url(event), form)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name")
    assert_nothing_stored()


@pytest.mark.parametrize(
    "data",
    [
        {"organisation_kind": ["a", "b"]},
        {"email": ["amina.yusuf@example.org", "other@example.org"], "name": ["", ""]},
    ],
    ids=["kind-list", "email-list"],
)
def test_list_values_are_refused_not_crashed(app, client, data):
    event = make_event("Partnership")
    response = submit(client, register_url(event), delegate_form(**data))
    assert 400 <= response.status_code < 500
    assert_nothing_stored()


# --- CSRF and size ---------------------------------------------------------------


def test_missing_csrf_token_is_refused_with_our_page(app, client):
    event = make_event("Partnership")
    response = client.post(register_url(event), data=delegate_form())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The form had expired" in body
    assert "Khartoum Process" in body
    assert_nothing_stored()


def test_wrong_csrf_token_is_refused(app, client):
    event = make_event("Partnership")
    csrf_token(client, register_url(event))  # the browser has a session
    response = client.post(register_url(event), data=delegate_form(csrf_token="IjRiYjQ5.forged.token"))
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert_nothing_stored()


def test_csrf_token_of_another_browser_is_refused(app, client):
    event = make_event("Partnership")
    other_browser = app.test_client()
    token = csrf_token(other_browser, register_url(event))
    csrf_token(client, register_url(event))
    response = client.post(register_url(event), data=delegate_form(csrf_token=token))
    assert response.status_code == 400
    assert_nothing_stored()


def test_body_over_the_size_limit_is_refused(app, client):
    event = make_event("Partnership")
    form = delegate_form(job_title="x" * (2 * 1024 * 1024))
    response = submit(client, register_url(event), form)
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)
    assert_nothing_stored()


# --- events that do not take registrations ----------------------------------------

NOT_OPEN = pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        (
            {"registration_closes_dt": utcnow() - timedelta(hours=1)},
            "Registration for this event has closed.",
        ),
        ({"starts_in": timedelta(days=-1)}, "This event has already taken place."),
        ({"is_cancelled": True}, "This event has been cancelled."),
        ({"registration_opens_dt": utcnow() + timedelta(days=3)}, "Registration has not opened yet."),
    ],
    ids=["closed", "past", "cancelled", "not-yet-open"],
)


@NOT_OPEN
def test_form_of_an_event_not_open_shows_a_polite_page(app, client, fields, sentence):
    event = make_event("Partnership", **fields)
    response = client.get(register_url(event))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Registration is not possible" in body
    assert sentence in body
    assert 'name="email"' not in body


@NOT_OPEN
def test_submission_to_an_event_not_open_is_a_conflict(app, client, fields, sentence):
    open_event = make_event("Prevention")
    event = make_event("Partnership", **fields)
    token = csrf_token(client, register_url(open_event))  # the session's token, from any form
    response = client.post(register_url(event), data=delegate_form(csrf_token=token))
    assert response.status_code == 409
    assert sentence in response.get_data(as_text=True)
    assert_nothing_stored()


def test_form_of_an_unknown_event_is_not_found(app, client):
    response = client.get("/events/999999/register")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_submission_to_an_unknown_event_is_not_found(app, client):
    token = csrf_token(client, register_url(make_event("Prevention")))
    response = client.post("/events/999999/register", data=delegate_form(csrf_token=token))
    assert response.status_code == 404
    assert_nothing_stored()


def test_form_of_an_unpublished_event_is_not_found(app, client):
    event = make_event("Partnership", is_published=False)
    assert client.get(register_url(event)).status_code == 404


# --- the series form ----------------------------------------------------------------


@pytest.fixture
def four_ps(app):
    """The series with three modules open and Prevention already closed."""
    series = make_series()
    events = {
        "Prevention": make_event(
            "Prevention", series=series, registration_closes_dt=utcnow() - timedelta(hours=1)
        ),
        "Protection": make_event("Protection", series=series, starts_in=timedelta(days=20)),
        "Prosecution": make_event("Prosecution", series=series, starts_in=timedelta(days=48)),
        "Partnership": make_event("Partnership", series=series, starts_in=timedelta(days=83)),
    }
    return series, events


def checkboxes(body: str) -> dict[int, bool]:
    boxes = re.findall(r"<input[^>]*name=\"events\"[^>]*>", body)
    return {int(re.search(r'value="(\d+)"', box).group(1)): " checked" in box for box in boxes}


def test_series_form_offers_each_open_event_ticked(app, client, four_ps):
    series, events = four_ps
    response = client.get(f"/series/{series.id}/register")
    assert response.status_code == 200
    offered = checkboxes(response.get_data(as_text=True))
    assert offered == {events[t].id: True for t in ("Protection", "Prosecution", "Partnership")}


def test_series_form_ticks_only_events_with_a_seat_at_once_and_says_what_happens(app, client):
    series = make_series()
    free = make_event("Protection", series=series, starts_in=timedelta(days=20))
    full = make_event("Prosecution", series=series, starts_in=timedelta(days=48), capacity=0)
    approved = make_event("Partnership", series=series, starts_in=timedelta(days=83), requires_approval=True)
    body = client.get(f"/series/{series.id}/register").get_data(as_text=True)
    assert checkboxes(body) == {free.id: True, full.id: False, approved.id: False}
    outcome = {
        event.id: re.search(rf'id="events-{event.id}-outcome">([^<]*)<', body).group(1)
        for event in (free, full, approved)
    }
    assert outcome[free.id] == "A seat is free: your registration is confirmed at once."
    assert outcome[full.id].startswith("All seats are taken. If you register, you join the waiting list")
    assert outcome[approved.id].startswith("The organisers approve each registration")
    single = client.get(register_url(approved)).get_data(as_text=True)
    assert "The organisers approve each registration" in single


def test_series_form_leaves_out_closed_events(app, client, four_ps):
    series, events = four_ps
    body = client.get(f"/series/{series.id}/register").get_data(as_text=True)
    assert events["Prevention"].id not in checkboxes(body)
    assert "Prevention" not in body


def test_series_form_registers_the_chosen_events_together(app, client, four_ps):
    series, events = four_ps
    chosen = [events["Protection"].id, events["Partnership"].id]
    response = submit(client, f"/series/{series.id}/register", delegate_form(events=chosen))
    assert response.status_code == 302
    stored = registrations()
    assert sorted(r.event_id for r in stored) == sorted(chosen)
    assert {r.status for r in stored} == {RegistrationStatus.CONFIRMED}
    assert stored[0].batch_key is not None
    assert stored[0].batch_key == stored[1].batch_key
    body = client.get("/registrations/done").get_data(as_text=True)
    assert body.count("Your seat is confirmed") == 2


def test_series_form_without_an_event_asks_for_one(app, client, four_ps):
    series, _events = four_ps
    response = submit(client, f"/series/{series.id}/register", delegate_form())
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert field_error(body, "events") == "Choose at least one event."
    assert 'value="Amina Yusuf"' in body
    assert_nothing_stored()


@pytest.mark.parametrize("chosen", ["abc", "1; DROP TABLE event", "-1", ""])
def test_series_form_refuses_an_event_that_is_not_a_choice(app, client, four_ps, chosen):
    series, events = four_ps
    response = submit(client, f"/series/{series.id}/register", delegate_form(events=chosen))
    assert response.status_code == 400
    assert_nothing_stored()


def test_series_form_refuses_an_event_of_another_series(app, client, four_ps):
    series, events = four_ps
    other = make_event("Thematic Meeting", series=make_series("Another series"))
    data = delegate_form(events=[events["Protection"].id, other.id])
    response = submit(client, f"/series/{series.id}/register", data)
    assert response.status_code == 400
    assert_nothing_stored()


def test_series_form_refuses_a_closed_event_of_the_same_series(app, client, four_ps):
    series, events = four_ps
    data = delegate_form(events=[events["Prevention"].id, events["Protection"].id])
    response = submit(client, f"/series/{series.id}/register", data)
    assert response.status_code == 400
    assert_nothing_stored()


def test_series_form_refuses_bad_delegate_details(app, client, four_ps):
    series, events = four_ps
    data = delegate_form(events=[events["Protection"].id], email="a@b")
    response = submit(client, f"/series/{series.id}/register", data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "email")
    assert_nothing_stored()


def test_series_form_of_an_unknown_series_is_not_found(app, client):
    assert client.get("/series/999999/register").status_code == 404


def test_series_form_keeps_the_chosen_events_when_refused(app, client, four_ps):
    series, events = four_ps
    data = delegate_form(events=[events["Prosecution"].id], email="a@b")
    body = submit(client, f"/series/{series.id}/register", data).get_data(as_text=True)
    assert checkboxes(body) == {
        events["Protection"].id: False,
        events["Prosecution"].id: True,
        events["Partnership"].id: False,
    }


def test_series_form_when_nothing_is_open_says_so(app, client):
    series = make_series()
    make_event("Prevention", series=series, starts_in=timedelta(days=-1))
    response = client.get(f"/series/{series.id}/register")
    assert response.status_code == 200
    assert "None of the events of this series takes registrations" in response.get_data(as_text=True)


def test_series_submission_when_nothing_is_open_is_a_conflict(app, client):
    series = make_series()
    past = make_event("Prevention", series=series, starts_in=timedelta(days=-1))
    token = csrf_token(client, register_url(make_event("Standalone meeting")))
    data = delegate_form(events=[past.id], csrf_token=token)
    response = client.post(f"/series/{series.id}/register", data=data)
    assert response.status_code == 409
    assert_nothing_stored()
