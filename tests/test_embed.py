"""The registration form embedded in another website's iframe: no session, its own signed token."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Registration, RegistrationStatus
from app.registration.embed import form_token
from tests.conftest import delegate_form, make_event

EMBED_SITE = "https://www.khartoumprocess.net"
HIDDEN_RE = re.compile(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"')


@pytest.fixture
def app_config():
    return {"EMBED_ORIGINS": [EMBED_SITE]}


@pytest.fixture
def frame(app):
    """A browser inside a third-party iframe: it sends and keeps no cookie of ours."""
    return app.test_client(use_cookies=False)


def url(event) -> str:
    return f"/embed/events/{event.id}/register"


def hidden_fields(body: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in HIDDEN_RE.findall(body)}


def post(frame, event, **overrides):
    """Fill in the embedded form as a person does: the hidden fields of the page, then the rest."""
    page = frame.get(url(event))
    assert page.status_code == 200
    data = {**hidden_fields(page.get_data(as_text=True)), **delegate_form()}
    data.update(overrides)
    return frame.post(url(event), data={k: v for k, v in data.items() if v is not None})


def stored() -> list[Registration]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Registration)))


def test_embedded_form_renders_without_site_chrome_and_may_be_framed_by_the_configured_site(app, frame):
    event = make_event("Partnership")
    response = frame.get(url(event))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="embed_token"' in body
    assert 'name="email"' in body
    assert "site-header" not in body and "site-footer" not in body
    assert 'name="csrf_token"' not in body
    assert "Set-Cookie" not in response.headers  # nothing that a framed page could not keep
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {EMBED_SITE}" in policy


def test_site_pages_stay_unframeable(app, client):
    event = make_event("Partnership")
    policy = client.get(f"/events/{event.id}/register").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy


def test_registering_through_the_embed_confirms_and_sends_the_email(mail_app, smtp_server):
    frame = mail_app.test_client(use_cookies=False)
    event = make_event("Partnership")
    response = post(frame, event)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/embed/registrations/done?outcome=")

    done = frame.get(response.headers["Location"])
    body = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "Your seat is confirmed" in body
    assert "site-header" not in body
    [registration] = stored()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.email == "amina.yusuf@example.org"
    [message] = smtp_server.inbox.to("amina.yusuf@example.org")
    assert "Partnership" in message["Subject"]


def test_a_second_registration_gets_the_neutral_answer(app, frame):
    event = make_event("Partnership")
    post(frame, event)
    again = post(frame, event, name="Someone Else")
    body = frame.get(again.headers["Location"]).get_data(as_text=True)
    assert "If this address is registered for this event" in body
    assert "Your seat is confirmed" not in body
    assert [r.name for r in stored()] == ["Amina Yusuf"]


def test_full_event_puts_the_embedded_registrant_on_the_waiting_list(app, frame):
    event = make_event("Partnership", capacity=0)
    response = post(frame, event)
    body = frame.get(response.headers["Location"]).get_data(as_text=True)
    assert "number 1 on the waiting list" in body


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"country": "XX"}, "country"),
        ({"consent_privacy": None}, "consent_privacy"),
    ],
)
def test_bad_input_shows_the_form_again_with_errors(app, frame, overrides, field):
    event = make_event("Partnership")
    response = post(frame, event, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in body
    assert 'name="embed_token"' in body  # a fresh token to send it again
    assert stored() == []


def test_forged_token_is_refused(app, frame):
    event = make_event("Partnership")
    response = post(frame, event, embed_token="forged.token.value")
    assert response.status_code == 400
    assert "has expired or did not come from this site" in response.get_data(as_text=True)
    assert stored() == []


def test_missing_token_is_refused(app, frame):
    event = make_event("Partnership")
    response = frame.post(url(event), data=delegate_form())
    assert response.status_code == 400
    assert stored() == []


def test_token_of_another_events_form_is_refused(app, frame):
    event = make_event("Partnership")
    other = make_event("Prevention")
    response = post(frame, event, embed_token=form_token(other))
    assert response.status_code == 400
    assert stored() == []


def test_expired_token_is_refused(app, frame, monkeypatch):
    event = make_event("Partnership")
    long_ago = time.time() - app.config["EMBED_TOKEN_MAX_AGE"] - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: long_ago)
        old = form_token(event)
    response = post(frame, event, embed_token=old)
    assert response.status_code == 400
    assert stored() == []


def test_unknown_or_unpublished_event_is_not_found(app, frame):
    draft = make_event("Draft", is_published=False)
    assert frame.get("/embed/events/999999/register").status_code == 404
    assert frame.get(url(draft)).status_code == 404
    assert frame.post(url(draft), data=delegate_form()).status_code == 404


def test_closed_event_says_so_and_refuses_a_submission(app, frame):
    event = make_event("Partnership", starts_in=timedelta(days=-1))
    page = frame.get(url(event))
    assert page.status_code == 200
    assert "already taken place" in page.get_data(as_text=True)
    assert 'name="embed_token"' not in page.get_data(as_text=True)
    assert frame.post(url(event), data=delegate_form()).status_code == 409
    assert stored() == []


def test_forged_answer_page_is_refused(app, frame):
    assert frame.get("/embed/registrations/done?outcome=forged").status_code == 400
    assert frame.get("/embed/registrations/done").status_code == 400


def test_console_event_page_offers_the_embed_snippet(app, console):
    event = make_event("Partnership")
    body = console.get(f"/console/events/{event.id}").get_data(as_text=True)
    assert "Embed this form" in body
    assert f"&lt;iframe src=&#34;http://localhost/embed/events/{event.id}/register&#34;" in body


def test_the_embedded_form_has_the_site_forms_rate_limit(app, frame):
    app.config["REGISTRATION_RATE_LIMIT"] = "2 per minute"
    event = make_event("Partnership")
    codes = [post(frame, event, email="not-an-address").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert stored() == []
