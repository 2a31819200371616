"""The manage link from the email: see, change and cancel a registration, as its owner does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from itsdangerous import URLSafeSerializer

from app.database import utcnow
from app.extensions import db
from app.models import Delegate, Document, DocumentKind, Event, Registration, RegistrationStatus
from app.models.people import new_manage_key
from app.services.links import MANAGE_SALT
from tests.conftest import (
    csrf_token,
    delegate_form,
    make_account,
    make_event,
    make_series,
    manage_path,
    sign_in,
    submit,
)

JOIN_URL = "https://zoom.us/j/81234567890"
NOT_VALID = "This link is not valid"
AMINA = "amina.yusuf@example.org"
DAWIT = "dawit.bekele@example.org"


@pytest.fixture
def site(mail_app):
    """A browser on the app that sends its mail to the test SMTP server."""
    return mail_app.test_client()


def register(site, smtp_server, event, email: str = AMINA, **fields) -> str:
    """Register through the form, as a delegate does, and return the link from the email."""
    response = submit(site, f"/events/{event.id}/register", delegate_form(email=email, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    site.get("/registrations/done")
    messages = smtp_server.inbox.to(email)
    assert messages, f"no email reached {email}"
    return manage_path(messages[-1])


def registration_of(email: str) -> Registration:
    db.session.rollback()  # a fresh snapshot: the request committed in its own transaction
    return db.session.scalars(
        sa.select(Registration).join(Registration.delegate).where(Delegate.email == email)
    ).one()


def subjects(smtp_server, email: str) -> list[str]:
    return [message["Subject"] for message in smtp_server.inbox.to(email)]


def unfolded(ics: bytes) -> str:
    return ics.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def store_document(app, event, stored_name: str, content: bytes, **fields) -> Document:
    folder = Path(app.config["DOCUMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored_name).write_bytes(content)
    fields.setdefault("title", "Speakers' presentations")
    fields.setdefault("kind", DocumentKind.PRESENTATION)
    document = Document(
        event=event, stored_name=stored_name, filename=f"{stored_name}.pdf", is_public=False, **fields
    )
    db.session.add(document)
    db.session.commit()
    return document


@pytest.fixture
def full_event(mail_app, site, smtp_server):
    """Partnership with one seat, taken by Amina; Dawit is on the waiting list."""
    event = make_event("Partnership", capacity=1, join_url=JOIN_URL)
    amina = register(site, smtp_server, event, AMINA)
    dawit = register(site, smtp_server, event, DAWIT, name="Dawit Bekele")
    return event, amina, dawit


# --- the link from the email ---------------------------------------------------------


def test_confirmation_email_carries_a_link_that_opens_the_registration(mail_app, site, smtp_server):
    event = make_event("Partnership")
    path = register(site, smtp_server, event)
    assert subjects(smtp_server, AMINA) == ["Registration confirmed: Partnership"]
    response = site.get(path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Your registration" in body
    assert "Partnership" in body
    assert "Confirmed" in body
    assert AMINA in body


def test_manage_page_is_kept_out_of_caches_and_referers(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    response = site.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_confirmed_registration_shows_the_join_link(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership", join_url=JOIN_URL))
    body = site.get(path).get_data(as_text=True)
    assert f'href="{JOIN_URL}"' in body


def test_confirmed_registration_has_a_personal_calendar_file_with_the_join_link(mail_app, site, smtp_server):
    event = make_event("Partnership", join_url=JOIN_URL)
    path = register(site, smtp_server, event)
    assert f'href="{path}/calendar.ics"' in site.get(path).get_data(as_text=True)
    response = site.get(f"{path}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    entries = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(entries) == 1
    assert entries[0].decoded("DTSTART") == event.start_dt
    assert JOIN_URL in unfolded(response.data)


def test_waitlisted_registration_shows_its_position_and_no_join_link(mail_app, site, smtp_server, full_event):
    _event, _amina, dawit = full_event
    body = site.get(dawit).get_data(as_text=True)
    assert "On the waiting list" in body
    assert "number 1 on the waiting list" in body
    assert "zoom.us" not in body
    assert "calendar.ics" not in body


def test_waitlisted_registration_has_no_personal_calendar_file(mail_app, site, smtp_server, full_event):
    _event, _amina, dawit = full_event
    assert site.get(f"{dawit}/calendar.ics").status_code == 404


# --- changing details ----------------------------------------------------------------

NEW_DETAILS = {
    "name": "Amina Yusuf Ali",
    "latin_name": "",
    "organisation": "IOM",
    "organisation_kind": "international_organisation",
    "country": "KE",
    "job_title": "Programme Officer",
    "language": "fr",
    "consent_participant_list": "y",
}


def test_changed_details_are_saved_on_the_registration_and_the_delegate(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    response = submit(site, path, NEW_DETAILS)
    assert response.status_code == 302
    assert response.headers["Location"] == path
    registration = registration_of(AMINA)
    expected = {k: v for k, v in NEW_DETAILS.items() if k != "consent_participant_list"}
    assert {k: registration.details()[k] for k in expected} == expected
    assert registration.consent_participant_list is True
    assert registration.delegate.details() == {k: registration.details()[k] for k in Delegate.DETAIL_FIELDS}
    assert "Your details have been saved." in site.get(path).get_data(as_text=True)


def test_registering_the_address_for_another_event_leaves_the_delegate_as_they_are(
    mail_app, site, smtp_server
):
    """Anyone can type Amina's address into a public form: that registration keeps what was
    typed, for the organisers to see, but Amina's stored details change only through her own
    manage link."""
    first, second = make_event("Protection"), make_event("Partnership")
    register(site, smtp_server, first)
    typed = {
        "name": "Not Amina",
        "organisation": "Front Organisation",
        "organisation_kind": "private_sector",
        "country": "ER",
        "job_title": "Impostor",
    }
    second_link = register(site, smtp_server, second, **typed)

    db.session.rollback()
    delegate = db.session.scalars(sa.select(Delegate)).one()
    assert (delegate.name, delegate.organisation, delegate.country, delegate.job_title) == (
        "Amina Yusuf",
        "Ministry of Labour and Social Affairs",
        "ET",
        "Director of Migration Affairs",
    )
    organiser = mail_app.test_client()
    assert sign_in(organiser, make_account("organiser").email).status_code == 302
    listed = organiser.get(f"/console/events/{second.id}/registrations").get_data(as_text=True)
    assert "Not Amina" in listed and "Front Organisation" in listed
    exported = organiser.get(f"/console/events/{second.id}/registrations.csv").get_data(as_text=True)
    assert "Not Amina" in exported and "Front Organisation" in exported
    assert "Amina Yusuf" in organiser.get(f"/console/events/{first.id}/registrations").get_data(as_text=True)

    assert submit(site, second_link, NEW_DETAILS).status_code == 302
    db.session.rollback()
    delegate = db.session.scalars(sa.select(Delegate)).one()
    assert (delegate.name, delegate.organisation, delegate.country) == ("Amina Yusuf Ali", "IOM", "KE")


def test_manage_form_shows_the_current_details(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    body = site.get(path).get_data(as_text=True)
    assert 'value="Amina Yusuf"' in body
    assert 'value="Ministry of Labour and Social Affairs"' in body
    assert '<option selected value="member_state">' in body
    assert '<option selected value="ET">' in body


@pytest.mark.parametrize(
    "bad",
    [{"name": ""}, {"country": "XX"}, {"organisation_kind": "government"}, {"name": "A\r\nBcc: x@y.org"}],
    ids=["no-name", "country", "organisation-kind", "header-injection"],
)
def test_invalid_details_are_refused_and_change_nothing(mail_app, site, smtp_server, bad):
    path = register(site, smtp_server, make_event("Partnership"))
    response = submit(site, path, {**NEW_DETAILS, **bad})
    assert response.status_code == 400
    assert '<p class="error" id="' in response.get_data(as_text=True)
    registration = registration_of(AMINA)
    assert (registration.name, registration.country) == ("Amina Yusuf", "ET")
    assert registration.organisation == "Ministry of Labour and Social Affairs"
    assert registration.delegate.name == "Amina Yusuf"


def test_details_without_csrf_token_are_refused(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    response = site.post(path, data=NEW_DETAILS)
    assert response.status_code == 400
    assert registration_of(AMINA).name == "Amina Yusuf"


# --- cancelling ----------------------------------------------------------------------


def test_cancel_link_asks_for_confirmation_first(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    response = site.get(f"{path}/cancel")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Cancel your registration?" in body
    assert "Yes, cancel my registration" in body
    assert registration_of(AMINA).status == RegistrationStatus.CONFIRMED


def test_cancelling_shows_the_registration_as_cancelled(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    response = submit(site, f"{path}/cancel", {})
    assert response.status_code == 302
    assert response.headers["Location"] == path
    body = site.get(path).get_data(as_text=True)
    assert "Cancelled" in body
    assert "Your registration has been cancelled" in body
    assert registration_of(AMINA).status == RegistrationStatus.CANCELLED


def test_cancelling_emails_the_canceller(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    submit(site, f"{path}/cancel", {})
    assert subjects(smtp_server, AMINA)[-1] == "Registration cancelled: Partnership"


def test_cancelling_gives_the_seat_to_the_first_on_the_waiting_list(mail_app, site, smtp_server, full_event):
    event, amina, dawit = full_event
    submit(site, f"{amina}/cancel", {})
    assert registration_of(DAWIT).status == RegistrationStatus.CONFIRMED
    promoted = smtp_server.inbox.to(DAWIT)[-1]
    assert promoted["Subject"].startswith("A seat is yours")
    assert "Partnership" in promoted["Subject"]
    assert subjects(smtp_server, AMINA)[-1] == "Registration cancelled: Partnership"
    assert f'href="{JOIN_URL}"' in site.get(dawit).get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 1


def test_cancel_without_csrf_token_changes_nothing(mail_app, site, smtp_server, full_event):
    _event, amina, _dawit = full_event
    sent = len(smtp_server.inbox.messages)
    response = site.post(f"{amina}/cancel")
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    assert registration_of(AMINA).status == RegistrationStatus.CONFIRMED
    assert registration_of(DAWIT).status == RegistrationStatus.WAITLISTED
    assert len(smtp_server.inbox.messages) == sent


def test_cancelling_once_the_event_has_started_is_refused_politely(mail_app, site, smtp_server):
    event = make_event("Partnership")
    path = register(site, smtp_server, event)
    token = csrf_token(site, path)
    started = utcnow() - timedelta(minutes=30)
    db.session.execute(
        sa.update(Event)
        .where(Event.id == event.id)
        .values(start_dt=started, end_dt=started + timedelta(hours=2))
    )
    db.session.commit()
    response = site.post(f"{path}/cancel", data={"csrf_token": token})
    assert response.status_code == 409
    assert "This registration can no longer be cancelled." in response.get_data(as_text=True)
    assert registration_of(AMINA).status == RegistrationStatus.CONFIRMED


def test_a_cancelled_registration_offers_to_register_again(mail_app, site, smtp_server):
    event = make_event("Partnership")
    path = register(site, smtp_server, event)
    submit(site, f"{path}/cancel", {})
    body = site.get(path).get_data(as_text=True)
    assert "This registration is cancelled." in body
    assert f'href="/events/{event.id}/register"' in body
    assert "zoom.us" not in body


# --- forged and revoked links ------------------------------------------------------------


def signed(secret: str, payload) -> str:
    return URLSafeSerializer(secret, salt=MANAGE_SALT).dumps(payload)


def assert_link_refused(site, path: str) -> None:
    response = site.get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert NOT_VALID in body
    assert "Khartoum Process" in body


def test_random_token_is_refused(mail_app, site):
    assert_link_refused(site, "/registrations/manage/WzEsImFiYyJd.bm90LWEtc2lnbmF0dXJl")


def test_token_signed_with_another_secret_is_refused(mail_app, site, smtp_server):
    register(site, smtp_server, make_event("Partnership"))
    registration = registration_of(AMINA)
    token = signed("other", [registration.id, registration.manage_key])
    assert_link_refused(site, f"/registrations/manage/{token}")


def test_link_is_revoked_when_the_key_changes(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    registration = registration_of(AMINA)
    registration.manage_key = new_manage_key()
    db.session.commit()
    assert_link_refused(site, path)
    assert site.get(f"{path}/calendar.ics").status_code == 404


def test_token_for_a_registration_that_does_not_exist_is_refused(mail_app, site):
    token = signed(mail_app.config["SECRET_KEY"], [999999, new_manage_key()])
    assert_link_refused(site, f"/registrations/manage/{token}")


@pytest.mark.parametrize("payload", [["1", "key"], [1], "1", {"id": 1}, [1, 2], None], ids=str)
def test_validly_signed_token_of_the_wrong_shape_is_refused(mail_app, site, smtp_server, payload):
    register(site, smtp_server, make_event("Partnership"))
    token = signed(mail_app.config["SECRET_KEY"], payload)
    assert_link_refused(site, f"/registrations/manage/{token}")


def test_very_long_token_is_refused(mail_app, site):
    assert_link_refused(site, "/registrations/manage/" + "a" * 1000)


@pytest.mark.parametrize("suffix", ["/cancel", "/calendar.ics", "/documents/1"])
def test_pages_behind_a_forged_token_are_not_found(mail_app, site, suffix):
    response = site.get(f"/registrations/manage/forged-token{suffix}")
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)


def test_cancel_with_a_forged_token_is_not_found(mail_app, site, smtp_server):
    path = register(site, smtp_server, make_event("Partnership"))
    token = csrf_token(site, path)
    response = site.post("/registrations/manage/forged-token/cancel", data={"csrf_token": token})
    assert response.status_code == 404
    assert registration_of(AMINA).status == RegistrationStatus.CONFIRMED


# --- documents for registrants ------------------------------------------------------------


def test_confirmed_registrant_sees_and_downloads_documents_for_participants(mail_app, site, smtp_server):
    event = make_event("Partnership")
    document = store_document(mail_app, event, "c0ffee01", b"%PDF-1.4 slides")
    path = register(site, smtp_server, event)
    body = site.get(path).get_data(as_text=True)
    link = f"{path}/documents/{document.id}"
    assert "Documents for participants" in body
    assert f'href="{link}"' in body
    response = site.get(link)
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 slides"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def test_series_document_for_participants_reaches_a_registrant_of_the_series(mail_app, site, smtp_server):
    series = make_series()
    event = make_event("Partnership", series=series)
    reader = Document(series=series, title="Reader", url="https://example.org/reader", is_public=False)
    db.session.add(reader)
    db.session.commit()
    path = register(site, smtp_server, event)
    response = site.get(f"{path}/documents/{reader.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://example.org/reader"


def test_waitlisted_registrant_gets_no_documents_for_participants(mail_app, site, smtp_server, full_event):
    event, _amina, dawit = full_event
    document = store_document(mail_app, event, "c0ffee02", b"%PDF-1.4 slides")
    body = site.get(dawit).get_data(as_text=True)
    assert "Documents for participants" not in body
    assert site.get(f"{dawit}/documents/{document.id}").status_code == 404


def test_document_of_another_event_is_not_found_through_a_link(mail_app, site, smtp_server):
    other = make_event("Senior Officials' Meeting")
    document = store_document(mail_app, other, "c0ffee03", b"%PDF-1.4 minutes")
    path = register(site, smtp_server, make_event("Partnership"))
    assert site.get(f"{path}/documents/{document.id}").status_code == 404


def test_details_of_a_cancelled_registration_cannot_be_changed(mail_app, site, smtp_server):
    event = make_event("Partnership")
    path = register(site, smtp_server, event)
    submit(site, f"{path}/cancel", {})
    token = csrf_token(site, f"/events/{event.id}/register")  # the page itself no longer has a form
    response = site.post(path, data={**NEW_DETAILS, "csrf_token": token})
    assert response.status_code == 409
    assert registration_of(AMINA).name == "Amina Yusuf"
