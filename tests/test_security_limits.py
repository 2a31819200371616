"""Rate limits on the public forms and the manage links, and the 429 page that says when to retry."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message, Registration
from app.services import registrations
from app.services.links import manage_token
from app.services.registrations import Applicant
from tests.conftest import csrf_token, delegate_form, make_event

LIMITS = {
    "REGISTRATION_RATE_LIMIT": "4 per minute",
    "REGISTRATION_EMAIL_RATE_LIMIT": "2 per hour",
    "MANAGE_RATE_LIMIT": "5 per minute",
}


@pytest.fixture
def app_config(request):
    return getattr(request, "param", LIMITS)


def registrations_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def messages_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def post(client, url: str, token: str, **overrides):
    return client.post(url, data={"csrf_token": token, **delegate_form(**overrides)})


def assert_retry_page(response, at_most: int) -> None:
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= at_most
    text = response.get_data(as_text=True)
    assert "Too many requests" in text
    assert "Please try again in" in text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_registration_posts_are_limited_per_address(app, client):
    event = make_event()
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    for _ in range(4):
        assert post(client, url, token, name="").status_code == 400  # wrong forms count too
    response = post(client, url, token, email="late.comer@example.org")
    assert_retry_page(response, at_most=60)
    assert registrations_count() == 0 and messages_count() == 0
    assert client.get(url).status_code == 200  # reading the form is not limited


@pytest.mark.parametrize(
    "app_config", [{**LIMITS, "REGISTRATION_RATE_LIMIT": "100 per minute"}], indirect=True
)
def test_registrations_are_limited_per_email_across_events(app, client):
    events = [make_event(title) for title in ("Prevention", "Protection", "Prosecution")]
    urls = [f"/events/{event.id}/register" for event in events]
    token = csrf_token(client, urls[0])

    # Corrections of a wrong form do not count: only what registers (or sends an email) does.
    for _ in range(3):
        assert post(client, urls[0], token, email="Amina.Yusuf@Example.org ", country="").status_code == 400
    assert post(client, urls[0], token).status_code == 302
    assert post(client, urls[1], token, email=" AMINA.YUSUF@example.org").status_code == 302
    before = (registrations_count(), messages_count())

    response = post(client, urls[2], token, email="amina.yusuf@example.org")
    assert_retry_page(response, at_most=3600)
    assert (registrations_count(), messages_count()) == before

    assert post(client, urls[2], token, email="samuel.tesfaye@example.org").status_code == 302


def test_the_series_form_shares_the_limits(app, client):
    from tests.conftest import make_series

    series = make_series()
    make_event("Prevention", series=series)
    url = f"/series/{series.id}/register"
    token = csrf_token(client, url)
    for _ in range(4):
        assert post(client, url, token).status_code == 400  # no event chosen
    assert client.post(url, data={"csrf_token": token, **delegate_form()}).status_code == 429


def test_manage_links_are_limited_per_address_across_their_pages(app, client):
    event = make_event()
    registration = registrations.register(
        event, Applicant(email="amina.yusuf@example.org", name="Amina")
    ).registration
    base = f"/registrations/manage/{manage_token(registration)}"
    for url in (base, f"{base}/cancel", base, "/registrations/manage/guessed-token", f"{base}/calendar.ics"):
        assert client.get(url).status_code in (200, 404)
    assert_retry_page(client.get(f"{base}/cancel"), at_most=60)
    assert_retry_page(client.get("/registrations/manage/another-guess"), at_most=60)


@pytest.mark.parametrize("app_config", [{}], indirect=True)
def test_the_test_configuration_switches_them_off(app, client):
    event = make_event(capacity=None)
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    statuses = {post(client, url, token, email=f"delegate{n}@example.org").status_code for n in range(25)}
    assert statuses == {302}


@pytest.mark.parametrize("app_config", [{**LIMITS, "REGISTRATION_RATE_LIMIT": "off"}], indirect=True)
def test_a_limit_can_be_switched_off_alone(app, client):
    event = make_event(capacity=None)
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    assert {post(client, url, token, name="").status_code for _ in range(8)} == {400}


def test_the_sign_in_limit_shows_the_same_page(app, client):
    from tests.conftest import sign_in

    for _ in range(5):
        assert sign_in(client, "nobody@secretariat.example.org", "wrong").status_code == 400
    assert_retry_page(sign_in(client, "nobody@secretariat.example.org", "wrong"), at_most=60)
