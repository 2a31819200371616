"""Visa support letters: passport details given on the manage page, approved in the console,
the letter (a PDF in the registrant's language) emailed over SMTP and downloadable; viewers
see nothing of it; erasure and retention remove the passport details."""

from __future__ import annotations

import os
import unicodedata
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AuditEntry, EventFormat, Message, Registration, VisaLetter
from app.services import links
from app.services.mail.delivery import deliver_pending
from app.services.privacy import personal_data
from app.services.registration import visa_letters
from app.services.registration.registrations import Applicant, register
from tests.conftest import csrf_token, make_account, make_event, sign_in

PASSPORT = {
    "passport_name": "YUSUF AMINA ABDI",
    "passport_number": "ep 1234567",
    "nationality": "ET",
    "birth_date": "1984-03-12",
    "passport_issue_date": "2022-05-02",
    "passport_expiry_date": "2032-05-01",
}


def meeting(asks_visa: bool = True):
    return make_event(
        "8th Senior Officials' Meeting",
        format=EventFormat.IN_PERSON,
        place="World Forum, Churchillplein 10, The Hague",
        form_fields={"names": True, "visa_letter": False} if asks_visa else {"names": True},
    )


def delegate(event, *, needs: bool = True, language: str = "en", email: str = "amina.yusuf@example.org"):
    return register(
        event,
        Applicant(
            email=email,
            name="Amina Yusuf",
            given_name="Amina",
            family_name="Yusuf",
            organisation="Ministry of Foreign Affairs",
            organisation_kind="member_state",
            country="ET",
            language=language,
            visa_letter_needed=needs,
        ),
    ).registration


def manage(registration) -> str:
    return f"/registrations/manage/{links.manage_token(registration)}"


def give(client, registration, **changes):
    data = {**PASSPORT, **changes}
    data["csrf_token"] = csrf_token(client, "/registrations/manage/resend")  # a page with a form, always
    return client.post(manage(registration) + "/visa-letter", data=data)


def letter_row(registration) -> VisaLetter | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(VisaLetter).where(VisaLetter.registration_id == registration.id))


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return " ".join(unicodedata.normalize("NFKC", text).split())  # lines wrapped joined again


def approve(client, event, letter):
    token = csrf_token(client, "/console/password")
    return client.post(
        f"/console/events/{event.id}/visa-letters/{letter.id}/approve", data={"csrf_token": token}
    )


# --- the manage page -----------------------------------------------------------------------------


def test_the_form_only_where_the_event_asks_and_the_person_ticked(app, client):
    event = meeting()
    asks = delegate(event)
    ticked_no = delegate(event, needs=False, email="no.visa@example.org")
    other = meeting(asks_visa=False)
    not_asked = delegate(other, needs=True, email="other@example.org")

    assert "Passport number" in client.get(manage(asks)).get_data(as_text=True)
    for registration in (ticked_no, not_asked):
        assert "Passport number" not in client.get(manage(registration)).get_data(as_text=True)
        assert give(client, registration).status_code == 404
    assert letter_row(ticked_no) is None and letter_row(not_asked) is None


def test_passport_details_saved_and_bad_input_refused(app, client):
    registration = delegate(meeting())
    bad = [
        {"passport_number": "12"},  # too short
        {"passport_number": "AB<script>"},
        {"passport_expiry_date": "2021-01-01"},  # before it was issued
        {"birth_date": (utcnow().date() + timedelta(days=3)).isoformat()},
        {"passport_issue_date": "not a date"},
        {"nationality": "XX"},
        {"passport_name": ""},
        {"passport_name": "Amina\nYusuf"},
    ]
    for changes in bad:
        response = give(client, registration, **changes)
        assert response.status_code == 400, changes
        assert 'class="error-summary"' in response.get_data(as_text=True), changes
        assert letter_row(registration) is None, changes

    response = give(client, registration)
    assert response.status_code == 303
    letter = letter_row(registration)
    assert letter.passport_number == "EP1234567"  # spaces gone, one case
    assert letter.birth_date == date(1984, 3, 12)
    assert visa_letters.state_of(letter) == visa_letters.State.GIVEN
    # Nobody can download a letter not yet approved.
    assert client.get(manage(registration) + "/visa-letter.pdf").status_code == 404
    # The audit log says it happened, never the number.
    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert not any("EP1234567" in (entry.summary + str(entry.details)) for entry in entries)


# --- the console -------------------------------------------------------------------------------


def test_organisers_see_the_requests_viewers_are_refused(app, client, signed_in):
    event = meeting()
    given = delegate(event)
    delegate(event, email="waiting@example.org")  # asked, gave nothing yet
    give(client, given)
    letter = letter_row(given)

    viewer = signed_in("viewer")
    assert viewer.get(f"/console/events/{event.id}/visa-letters").status_code == 403
    token = csrf_token(viewer, "/console/password")
    refused = viewer.post(
        f"/console/events/{event.id}/visa-letters/{letter.id}/approve", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert "EP1234567" not in viewer.get(f"/console/registrations/{given.id}").get_data(as_text=True)
    assert letter_row(given).approved_dt is None

    organiser = signed_in("organiser")
    page = organiser.get(f"/console/events/{event.id}/visa-letters").get_data(as_text=True)
    assert "EP1234567" in page and "Passport details given" in page
    assert "Waiting for the passport details." in page
    other_event = meeting()
    assert approve(organiser, other_event, letter).status_code == 404  # not this event's letter
    assert letter_row(given).approved_dt is None


def test_approving_emails_the_letter_and_the_manage_page_gives_it(mail_app, smtp_server):
    client = mail_app.test_client()
    event = meeting()
    registration = delegate(event)
    give(client, registration)
    letter = letter_row(registration)
    organiser = mail_app.test_client()
    assert sign_in(organiser, make_account("organiser").email).status_code == 302
    smtp_server.inbox.clear()

    assert approve(organiser, event, letter).status_code == 303
    deliver_pending()

    [message] = [m for m in smtp_server.inbox.messages if "Visa" in m["Subject"]]
    assert message["Subject"] == "Visa support letter: 8th Senior Officials' Meeting"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "visa-support-letter.pdf"
    text = pdf_text(attachment.get_content())
    for words in ("YUSUF AMINA ABDI", "EP1234567", event.title, "World Forum", "Ethiopia"):
        assert words in text, words
    assert "12 March 1984" in text and "1 May 2032" in text
    assert visa_letters.state_of(letter_row(registration)) == visa_letters.State.SENT
    kinds = db.session.scalars(sa.select(Message.kind).where(Message.registration_id == registration.id))
    assert "visa_letter" in kinds

    # Approving again (a second click) sends nothing more.
    again = approve(organiser, event, letter)
    assert again.status_code == 409 and "already been sent" in again.get_data(as_text=True)
    deliver_pending()
    assert len([m for m in smtp_server.inbox.messages if "Visa" in m["Subject"]]) == 1

    download = client.get(manage(registration) + "/visa-letter.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "EP1234567" in pdf_text(download.data)

    # Corrected details need a new approval: the letter sent named the old ones.
    give(client, registration, passport_number="EP7654321")
    assert visa_letters.state_of(letter_row(registration)) == visa_letters.State.GIVEN
    assert client.get(manage(registration) + "/visa-letter.pdf").status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["EP1234567", "YUSUF AMINA ABDI", "Visa support letter", "To whom it may concern"]),
        ("fr", ["EP1234567", "YUSUF AMINA ABDI", "Lettre d’appui pour le visa", "12 mars 1984", "Éthiopie"]),
        # Right to left: the text layer gives the Latin runs in the order they are drawn (the
        # page shows them whole: rendered in /work/visa-letter-ar.png when VISA_PNG is set).
        ("ar", ["1234567", "YUSUF", "ABDI", "رسالة دعم التأشيرة", "إثيوبيا", "12 مارس"]),
    ],
)
def test_the_letter_in_the_delegates_language(app, client, language, words):
    registration = delegate(meeting(), language=language)
    give(client, registration)
    with app.test_request_context():
        content = visa_letters.letter_pdf(letter_row(registration))
    text = pdf_text(content)
    if os.environ.get("VISA_PNG"):
        page = pdfium.PdfDocument(content)[0]
        page.render(scale=110 / 72).to_pil().save(f"/work/visa-letter-{language}.png")
    for word in words:
        shaped = unicodedata.normalize("NFKC", word).replace("’", "'")  # latin-1 core font
        assert shaped in text, (word, text)


# --- personal data -----------------------------------------------------------------------------


def test_in_the_download_and_gone_with_the_erasure(app, client):
    registration = delegate(meeting())
    give(client, registration)
    with app.test_request_context():
        data = personal_data.export_delegate(registration.delegate)
    assert data["registrations"][0]["visa_letter"]["passport_number"] == "EP1234567"

    personal_data.erase_delegate(db.session.get(Registration, registration.id).delegate)
    assert db.session.scalar(sa.select(sa.func.count(VisaLetter.id))) == 0


def test_gone_when_the_retention_period_ends(app, client):
    registration = delegate(meeting())
    give(client, registration)
    assert letter_row(registration) is not None
    later = utcnow() + timedelta(days=31 * (app.config["RETENTION_MONTHS"] + 2))
    personal_data.apply_retention(later)
    assert db.session.scalar(sa.select(sa.func.count(VisaLetter.id))) == 0


def test_a_cancelled_registration_gives_no_details(app, client):
    from app.services.registration.registrations import cancel

    registration = delegate(meeting())
    cancel(registration)
    page = client.get(manage(registration)).get_data(as_text=True)
    assert "Passport number" not in page
    assert give(client, registration).status_code == 404
    assert letter_row(registration) is None


def test_the_manage_page_form_in_french_and_arabic(app, client):
    registration = delegate(meeting())
    french = client.get(manage(registration), headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Numéro de passeport" in french and "Lettre d’appui pour le visa" in french
    arabic = client.get(manage(registration), headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "رقم جواز السفر" in arabic
