"""The registration form and its result page are rendered once and filled in per visitor
(app/registration/form_pages.py): each visitor still gets their own token, stamp and
place, and what changes on the event shows at once."""

from __future__ import annotations

import re

import pytest
from itsdangerous import TimestampSigner

from app.extensions import db
from tests.conftest import CSRF_RE, delegate_form, make_event, stamp_signer

STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')
PLACE_RE = re.compile(r"You are number (\d+) on the waiting list")


def url(event) -> str:
    return f"/events/{event.id}/register"


def form_page(app, path: str) -> str:
    response = app.test_client().get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def register(app, event, email: str) -> str:
    """A fresh visitor's whole journey; returns the result page."""
    client = app.test_client()
    page = client.get(url(event)).get_data(as_text=True)
    data = delegate_form(email=email, csrf_token=CSRF_RE.search(page).group(1))
    data["started"] = STARTED_RE.search(page).group(1)
    assert client.post(url(event), data=data).status_code == 302
    return client.get("/registrations/done").get_data(as_text=True)


def test_each_visitor_gets_a_token_and_a_stamp_of_the_moment_they_came(app, monkeypatch):
    event = make_event(capacity=10)
    pages = [form_page(app, url(event)) for _ in range(3)]
    assert len({CSRF_RE.search(page).group(1) for page in pages}) == 3
    # The pages are otherwise the same page.
    assert len({CSRF_RE.sub("", STARTED_RE.sub("", page)) for page in pages}) == 1

    later = int(TimestampSigner.get_timestamp(None)) + 600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    visitor = app.test_client()
    stamp = STARTED_RE.search(visitor.get(url(event)).get_data(as_text=True)).group(1)
    signer = stamp_signer(app, visitor)  # bound to this visitor's session
    assert signer.unsign(stamp, return_timestamp=True)[1].timestamp() == later  # signed now, not kept
    monkeypatch.undo()
    assert "Your seat is confirmed." in register(app, event, "first@example.org")


def test_an_edit_of_the_event_shows_at_once(app):
    event = make_event("Partnership", capacity=10)
    assert "Partnership" in form_page(app, url(event))
    event.title = "Partnership (new date)"
    db.session.commit()
    assert "Partnership (new date)" in form_page(app, url(event))


def test_the_seats_left_and_a_full_event_show_at_once(app):
    event = make_event(capacity=2)
    assert "Open – 2 seats left" in form_page(app, url(event))
    register(app, event, "a@example.org")
    assert "Open – 1 seat left" in form_page(app, url(event))
    register(app, event, "b@example.org")
    page = form_page(app, url(event))
    assert "All seats are taken" in page and "Full – join the waiting list" in page


def test_each_language_has_its_page(app):
    event = make_event(capacity=10)
    english, french = form_page(app, url(event)), form_page(app, url(event) + "?lang=fr")
    assert '<html lang="en"' in english and '<html lang="fr"' in french
    assert "Full name" in english and "Full name" not in french


def test_a_message_due_to_one_visitor_is_shown_to_them_only(app):
    event = make_event(capacity=10)
    form_page(app, url(event))  # the page is kept
    client = app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for this visitor only.")]
    assert "A message for this visitor only." in client.get(url(event)).get_data(as_text=True)
    assert "A message for this visitor only." not in form_page(app, url(event))


def test_each_person_on_the_waiting_list_sees_their_own_place(app):
    event = make_event(capacity=1)
    assert "Your seat is confirmed." in register(app, event, "seated@example.org")
    places = [PLACE_RE.search(register(app, event, f"w{n}@example.org")).group(1) for n in range(3)]
    assert places == ["1", "2", "3"]


@pytest.mark.parametrize("method", ["head", "get"])
def test_the_form_page_answers_get_and_head(app, method):
    event = make_event(capacity=10)
    assert getattr(app.test_client(), method)(url(event)).status_code == 200


def test_a_title_that_looks_like_the_pages_own_marks_does_not_confuse_them(app):
    from app.registration.form_pages import PLACE_MARKS

    event = make_event(f"Webinar no. {PLACE_MARKS[0]}", capacity=0)
    page = register(app, event, "waiting@example.org")
    assert PLACE_RE.search(page).group(1) == "1" and f"Webinar no. {PLACE_MARKS[0]}" in page
