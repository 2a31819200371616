"""The join details (link, passcode, dial-in) go only where the join link goes: to confirmed
registrants, on the result page of their own form, their manage page, the confirmation and
the reminders; never on public pages, feeds or the public .ics, never to the waiting list or
to people awaiting approval."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from app.extensions import db
from app.models import Event, Registration, RegistrationStatus
from tests.conftest import delegate_form, make_event, manage_path, submit
from tests.test_console_programme import app_config, edit_form, post, text_of  # noqa: F401 (fixture)
from tests.test_embed import post as embed_post

JOIN_URL = "https://zoom.us/j/81234567890"
PASSCODE = "4Ps-0626"
DIAL_IN = "+41 22 555 01 23 (Geneva)\n+31 70 555 04 56 (The Hague)\nMeeting ID: 812 3456 7890"
SECRETS = (JOIN_URL, PASSCODE, "+41 22 555 01 23", "Meeting ID: 812 3456 7890")


def joinable(**fields) -> Event:
    return make_event(join_url=JOIN_URL, join_passcode=PASSCODE, dial_in=DIAL_IN, **fields)


def register(client, event, language: str = "en", **form):
    """The form sent from `client`'s browser; returns the result page."""
    url = f"/events/{event.id}/register?lang={language}"
    response = submit(client, url, delegate_form(language=language, **form))
    assert response.status_code == 302, text_of(response)[:500]
    return text_of(client.get(f"/registrations/done?lang={language}"))


def assert_no_secret(page: str) -> None:
    for secret in SECRETS:
        assert secret not in page, secret


# --- the result page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ("Join link", "Passcode", "Dial-in", "Google Calendar", "Outlook", "Outlook.com")),
        ("fr", ("Code secret", "Accès par téléphone", "Google Agenda")),
        ("ar", ("رمز الدخول", "الاتصال الهاتفي")),
    ],
)
def test_a_confirmed_registrant_sees_the_join_details_and_calendar_links(app, language, labels):
    event = joinable()
    page = register(app.test_client(), event, language)
    for secret in SECRETS:
        assert secret in page, secret
    for label in labels:
        assert label in page, label
    assert "<bdi>4Ps-0626</bdi>" in page
    assert "calendar.google.com" in page and "outlook.office.com" in page and "outlook.live.com" in page
    assert f"/registrations/done/events/{event.id}/calendar.ics" in page


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_waiting_list_and_those_awaiting_approval_see_no_join_details(app, language):
    full = joinable(capacity=0)
    page = register(app.test_client(), full, language)
    assert_no_secret(page)
    assert "/calendar.ics" not in page
    needs_approval = joinable(requires_approval=True)
    page = register(app.test_client(), needs_approval, language)
    assert_no_secret(page)
    if language == "en":
        assert "The link to join comes with that email, once your seat is confirmed." in page
    if language == "fr":
        assert "Le lien de connexion vous parviendra avec ce courriel" in page


def test_someone_sending_a_registered_address_again_gets_the_neutral_answer(app):
    """Whoever types a registrant's address learns nothing, least of all the join details."""
    event = joinable()
    register(app.test_client(), event, email="amina@example.org")
    page = register(app.test_client(), event, email="amina@example.org")
    assert "If this address is registered for this event" in page
    assert_no_secret(page)


def test_a_change_of_the_join_details_shows_on_the_next_result_page_at_once(app, console):
    event = joinable()
    assert PASSCODE in register(app.test_client(), event, email="first@example.org")
    response = post(console, f"/console/events/{event.id}/edit", edit_form(event, join_passcode="NEW-0001"))
    assert response.status_code in (302, 303), text_of(response)[:500]
    page = register(app.test_client(), event, email="second@example.org")
    assert "NEW-0001" in page and PASSCODE not in page


def test_the_result_pages_calendar_file_is_for_that_browser_only(app):
    event = joinable()
    browser = app.test_client()
    register(browser, event)
    url = f"/registrations/done/events/{event.id}/calendar.ics"
    response = browser.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [entry] = Calendar.from_ical(response.data).walk("VEVENT")
    assert PASSCODE in str(entry["DESCRIPTION"])
    registration = db.session.scalars(db.select(Registration)).one()
    assert str(entry["UID"]).startswith(f"registration-{registration.id}-")  # the email's entry
    assert app.test_client().get(url).status_code == 404  # another browser
    assert browser.get(f"/registrations/done/events/{event.id + 1}/calendar.ics").status_code == 404

    registration.status = RegistrationStatus.CANCELLED
    db.session.commit()
    assert browser.get(url).status_code == 404  # no longer confirmed


def test_the_embedded_forms_answer_shows_no_join_details(app):
    """Its outcome travels in a signed URL naming only the event and the status, the same for
    every confirmed registrant and valid for an hour: shared, it would hand the join details to
    anyone. So it says they come by email."""
    event = joinable()
    frame = app.test_client(use_cookies=False)
    response = embed_post(frame, event)
    assert response.status_code == 302
    page = text_of(frame.get(response.headers["Location"]))
    assert "Your seat is confirmed." in page
    assert_no_secret(page)


def test_a_waiting_browser_gets_no_calendar_file(app):
    event = joinable(capacity=0)
    browser = app.test_client()
    register(browser, event)
    assert browser.get(f"/registrations/done/events/{event.id}/calendar.ics").status_code == 404


# --- the manage page, public pages, emails ----------------------------------------------------


def test_the_manage_page_shows_the_join_details_to_the_confirmed_only(mail_app, smtp_server):
    seated, waiting = joinable(capacity=1), None
    client = mail_app.test_client()
    register(client, seated, email="seated@example.org")
    register(mail_app.test_client(), seated, email="waiting@example.org")
    seated_mail, waiting_mail = smtp_server.inbox.messages
    page = text_of(client.get(manage_path(seated_mail)))
    for secret in SECRETS:
        assert secret in page, secret
    waiting = text_of(client.get(manage_path(waiting_mail)))
    assert_no_secret(waiting)


def test_the_emails_carry_the_join_details_to_the_confirmed_only(mail_app, smtp_server):
    event = joinable(capacity=1)
    register(mail_app.test_client(), event, email="seated@example.org")
    register(mail_app.test_client(), event, email="waiting@example.org")
    confirmation, waitlisted = smtp_server.inbox.messages
    for part in ("plain", "html"):
        body = confirmation.get_body((part,)).get_content()
        for secret in SECRETS:
            assert secret in body, (part, secret)
        assert_no_secret(waitlisted.get_body((part,)).get_content())


def test_public_pages_feeds_and_the_public_calendar_carry_no_join_details(app, client):
    event = joinable()
    pages = [
        client.get(f"/events/{event.id}"),
        client.get(f"/events/{event.id}/register"),
        client.get(f"/events/{event.id}/calendar.ics"),
        client.get("/"),
        client.get("/calendar.ics"),
        client.get(f"/api/v1/events/{event.id}"),
        client.get("/api/v1/events"),
    ]
    for response in pages:
        assert response.status_code == 200, response.request.path
        assert_no_secret(text_of(response))


# --- the console ------------------------------------------------------------------------------


def test_the_event_form_saves_the_passcode_and_dial_in(app, console):
    event = make_event()
    response = post(
        console, f"/console/events/{event.id}/edit", edit_form(event, join_passcode=PASSCODE, dial_in=DIAL_IN)
    )
    assert response.status_code in (302, 303), text_of(response)[:500]
    saved = db.session.get(Event, event.id, populate_existing=True)
    assert (saved.join_passcode, saved.dial_in.replace("\r\n", "\n")) == (PASSCODE, DIAL_IN)
    page = text_of(console.get(f"/console/events/{event.id}"))
    assert PASSCODE in page and "Meeting ID: 812 3456 7890" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("join_passcode", "x" * 101),
        ("join_passcode", "12\x0034"),
        ("dial_in", "+41\x07 22"),
        ("dial_in", "9" * 2001),
    ],
)
def test_a_bad_passcode_or_dial_in_is_refused(app, console, field, value):
    event = joinable()
    response = post(console, f"/console/events/{event.id}/edit", edit_form(event, **{field: value}))
    assert response.status_code == 400
    assert "error-summary" in text_of(response)
    saved = db.session.get(Event, event.id, populate_existing=True)
    assert (saved.join_passcode, saved.dial_in) == (PASSCODE, DIAL_IN)


def test_a_meeting_by_telephone_only_gives_its_dial_in_to_the_confirmed_calendar(app):
    event = make_event(join_url="", join_passcode=PASSCODE, dial_in=DIAL_IN)
    browser = app.test_client()
    page = register(browser, event)
    assert PASSCODE in page and "Meeting ID: 812 3456 7890" in page
    [entry] = Calendar.from_ical(
        browser.get(f"/registrations/done/events/{event.id}/calendar.ics").data
    ).walk("VEVENT")
    assert "Passcode: 4Ps-0626\nDial-in:\n+41 22 555 01 23 (Geneva)" in str(entry["DESCRIPTION"])
    assert "Join link" not in str(entry["DESCRIPTION"])
    assert_no_secret(text_of(app.test_client().get(f"/events/{event.id}/calendar.ics")))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_passcode_is_news_to_the_confirmed_only(app, smtp_server, console, language):
    event = joinable(capacity=1)
    register(app.test_client(), event, language, email="seated@example.org")
    register(app.test_client(), event, language, email="waiting@example.org")
    smtp_server.inbox.clear()
    response = post(console, f"/console/events/{event.id}/edit", edit_form(event, join_passcode="NEW-0001"))
    assert response.status_code == 303
    [update] = smtp_server.inbox.messages
    assert update["To"].endswith("<seated@example.org>")
    text = update.get_body(("plain",)).get_content().replace("\r\n", "\n")
    label = {"en": "Passcode", "fr": "Code secret"}[language]
    assert f"{label}\n" in text and PASSCODE in text and "NEW-0001" in text
    [entry] = Calendar.from_ical(next(update.iter_attachments()).get_content().encode()).walk("VEVENT")
    assert "NEW-0001" in str(entry["DESCRIPTION"]) and int(entry["SEQUENCE"]) == 1
