"""The list of participants published after a meeting: PDF and XLSX, grouped, in order,
only those who consented, heads of delegation first; in English, French and Arabic."""

from __future__ import annotations

import io
import os
import unicodedata

import openpyxl
import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.models import Attendance, AttendanceSource, AuditEntry, EventFormat
from app.services.registration.registrations import Applicant, register
from app.services.reporting import participants_list
from app.services.reporting.participants_list import Group, Who
from tests.conftest import make_event

# (given, family, email, kind, country, representing country, organisation, head, consent, attended)
PEOPLE = [
    (
        "Tesfaye",
        "Bekele",
        "tb@mofa.gov.et",
        "member_state",
        "ET",
        "",
        "Ministry of Foreign Affairs",
        False,
        True,
        True,
    ),
    (
        "Almaz",
        "Haile",
        "ah@mofa.gov.et",
        "member_state",
        "ET",
        "",
        "Ministry of Foreign Affairs",
        True,
        True,
        True,
    ),
    ("Karim", "Saleh", "ks@moi.gov.eg", "member_state", "EG", "EG", "Ministry of Interior", True, True, True),
    (
        "Ruud",
        "de Vries",
        "rv@minbuza.nl",
        "member_state",
        "NL",
        "NL",
        "Ministry of Foreign Affairs",
        False,
        True,
        False,
    ),
    ("Hidden", "Person", "hp@mofa.gov.er", "member_state", "ER", "", "Ministry", False, False, True),
    ("Aida", "Awel", "aa@ilo.example.org", "international_organisation", "CH", "", "ILO", False, True, True),
    (
        "Johan",
        "Kruger",
        "jk@unodc.example.org",
        "international_organisation",
        "AT",
        "",
        "UNODC",
        False,
        True,
        True,
    ),
    (
        "Conny",
        "Rijken",
        "cr@tilburg.example.org",
        "academia",
        "NL",
        "",
        "Tilburg University",
        False,
        True,
        True,
    ),
]


@pytest.fixture
def event(app):
    return make_event("7th Senior Officials' Meeting", format=EventFormat.IN_PERSON, place="The Hague")


@pytest.fixture
def people(event):
    made, attendees = [], []
    for given, family, email, kind, country, represents, organisation, head, consent, attended in PEOPLE:
        registration = register(
            event,
            Applicant(
                email=email,
                name=f"{given} {family}",
                organisation=organisation,
                organisation_kind=kind,
                country=country,
                job_title="Director",
                consent_participant_list=consent,
                salutation="he" if head else "mr",
                given_name=given,
                family_name=family,
                representing_country=represents,
                head_of_delegation=head,
            ),
        ).registration
        if attended:
            attendees.append(registration)
        made.append(registration)
    for registration in attendees:
        db.session.add(
            Attendance(
                event_id=event.id,
                registration_id=registration.id,
                name=registration.name,
                participant_key=f"reg:{registration.id}",
                source=AttendanceSource.CHECK_IN,
                attended=True,
            )
        )
    db.session.commit()
    return made


def outline(listing) -> list[tuple[Group, str, list[str]]]:
    return [(d.group, d.heading, [p.family_name for p in d.people]) for d in listing.delegations]


def test_grouped_in_order_consented_only_heads_first(app, event, people):
    with app.test_request_context(), force_locale("en"):
        listing = participants_list.participants_list(event, Who.CONFIRMED, "en")
    assert outline(listing) == [
        (Group.MEMBER_STATES, "Egypt", ["Saleh"]),
        (Group.MEMBER_STATES, "Ethiopia", ["Haile", "Bekele"]),  # the head first, not by name
        (Group.MEMBER_STATES, "Netherlands", ["de Vries"]),
        (Group.ORGANISATIONS, "ILO", ["Awel"]),
        (Group.ORGANISATIONS, "UNODC", ["Kruger"]),
        (Group.OTHERS, "Tilburg University", ["Rijken"]),
    ]
    # Who did not consent is nowhere (Eritrea's only delegate).
    assert all(d.heading != "Eritrea" for d in listing.delegations)


def test_attended_only(app, event, people):
    with app.test_request_context():
        listing = participants_list.participants_list(event, Who.ATTENDED, "en")
    assert [d.heading for d in listing.delegations if d.group == Group.MEMBER_STATES] == ["Egypt", "Ethiopia"]
    assert listing.count == 6


def test_member_states_in_the_readers_order(app, event, people):
    """In French « Égypte » comes with the E's, before « Éthiopie » and « Pays-Bas »; in Arabic
    the states are in the order of their Arabic names."""
    with app.test_request_context(), force_locale("fr"):
        french = participants_list.participants_list(event, Who.CONFIRMED, "fr")
        assert french.delegations[-1].group.title == "Autres participants"
    states = [d.heading for d in french.delegations if d.group == Group.MEMBER_STATES]
    assert states == ["Égypte", "Éthiopie", "Pays-Bas"]
    with app.test_request_context(), force_locale("ar"):
        arabic = participants_list.participants_list(event, Who.CONFIRMED, "ar")
    states = [d.heading for d in arabic.delegations if d.group == Group.MEMBER_STATES]
    # إثيوبيا (alif) before مصر (mim) before هولندا (ha): Arabic alphabetical order.
    assert states == ["إثيوبيا", "مصر", "هولندا"]


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_pdf_and_xlsx_downloads(app, signed_in, event, people):
    client = signed_in("organiser")
    response = client.get(f"/console/reports/events/{event.id}/participants.pdf?who=confirmed")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for words in ("List of participants", "MEMBER STATES", "Ethiopia", "H.E.", "Haile", "Rijken"):
        assert words in text
    assert "Person" not in text  # did not consent
    assert text.index("Haile") < text.index("Bekele") < text.index("Netherlands") < text.index("ILO")

    response = client.get(f"/console/reports/events/{event.id}/participants.xlsx?who=attended")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2)]
    assert [(row[1], row[4]) for row in rows] == [
        ("Egypt", "Saleh"),
        ("Ethiopia", "Haile"),
        ("Ethiopia", "Bekele"),
        ("ILO", "Awel"),
        ("UNODC", "Kruger"),
        ("Tilburg University", "Rijken"),
    ]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("participants_list.download") == 2

    if os.environ.get("PARTICIPANTS_PNG"):  # the page shown in the closing note
        page = pdfium.PdfDocument(
            client.get(f"/console/reports/events/{event.id}/participants.pdf?who=confirmed").data
        )[0]
        page.render(scale=110 / 72).to_pil().save(os.environ["PARTICIPANTS_PNG"])


def test_the_list_in_arabic(app, signed_in, event, people):
    client = signed_in("organiser")
    response = client.get(
        f"/console/reports/events/{event.id}/participants.pdf?who=confirmed",
        headers={"Accept-Language": "ar"},
    )
    assert response.status_code == 200
    text = unicodedata.normalize("NFKC", pdf_text(response.data))
    assert "Haile" in text and "Kruger" in text
    # The title, a group and a state in Arabic (a lam-alef ligature reads back split: avoided).
    assert "قائمة المشاركين" in text and "مشاركون آخرون" in text and "إثيوبيا" in text
    # The lines start at the right margin: the state's name ends there, not at the left.
    document = pdfium.PdfDocument(response.data)
    page = document[0]
    textpage = page.get_textpage()
    at = textpage.get_text_range().index("إثيوبيا")
    left = textpage.get_charbox(at)[0]
    width = page.get_width()
    textpage.close()
    page.close()
    document.close()
    assert left > width / 2


def test_viewers_and_bad_choices_refused(app, signed_in, event, people):
    viewer = signed_in("viewer")
    assert viewer.get(f"/console/reports/events/{event.id}/participants.pdf").status_code == 403
    assert viewer.get(f"/console/reports/events/{event.id}/participants.xlsx").status_code == 403
    organiser = signed_in("organiser")
    assert (
        organiser.get(f"/console/reports/events/{event.id}/participants.pdf?who=everyone").status_code == 400
    )
    assert organiser.get("/console/reports/events/999999/participants.pdf").status_code == 404
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "participants_list.download")
        )
        == 0
    )
