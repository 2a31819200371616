"""The confirmation says back what the delegate gave, in their language, so that they can check
it and correct it from their manage link (services/registration/given.py)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Delegate, OrganisationKind, Registration, RegistrationStatus
from app.services.registration.given import given_details
from tests.conftest import delegate_form, make_event, submit

NO_BREAK = "\u00a0"  # before a colon (README, "Languages")


@pytest.fixture
def registration(app):
    event = make_event()
    registration = Registration(
        event=event,
        delegate=Delegate(email="amina.yusuf@example.org", name="Amina Yusuf"),
        status=RegistrationStatus.CONFIRMED,
        name="Amina Yusuf",
        organisation="Ministry of Labour and Social Affairs",
        organisation_kind=OrganisationKind.MEMBER_STATE,
        country="ET",
        job_title="",
        language="fr",
        consent_participant_list=True,
        consent_privacy_dt=event.start_dt,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            [
                ("Full name", "Amina Yusuf"),
                ("Organisation", "Ministry of Labour and Social Affairs"),
                ("Kind of organisation", "Member state"),
                ("Country", "Ethiopia"),
                ("Job title", "not given"),
                ("Language of our messages", "Français"),
                ("Your name in the list of participants", "Yes"),
            ],
        ),
        (
            "fr",
            [
                ("Nom complet", "Amina Yusuf"),
                ("Organisation", "Ministry of Labour and Social Affairs"),
                ("Type d'organisation", "État membre"),
                ("Pays", "Éthiopie"),
                ("Fonction", "non indiqué"),
                ("Langue de nos messages", "Français"),
                ("Votre nom dans la liste des participants", "Oui"),
            ],
        ),
        (
            "ar",
            [
                ("الاسم الكامل", "Amina Yusuf"),
                ("المنظمة", "Ministry of Labour and Social Affairs"),
                ("نوع المنظمة", "دولة عضو"),
                ("البلد", "إثيوبيا"),
                ("المسمى الوظيفي", "غير مذكور"),
                ("لغة رسائلنا", "Français"),
                ("اسمك في قائمة المشاركين", "نعم"),
            ],
        ),
    ],
)
def test_the_details_in_the_readers_language(registration, locale, expected):
    assert given_details(registration, locale) == expected


def test_a_latin_name_is_given_back_after_the_name(registration):
    registration.latin_name = "Amina Yusuf"
    registration.name = "أمينة يوسف"
    registration.consent_participant_list = False
    lines = given_details(registration, "en")
    assert lines[:2] == [("Full name", "أمينة يوسف"), ("Name in Latin letters", "Amina Yusuf")]
    assert lines[-1] == ("Your name in the list of participants", "No")


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("en", ["What you gave us:", "Country: Ethiopia", "Kind of organisation: Member state"]),
        (
            "fr",
            [
                f"Ce que vous nous avez indiqué{NO_BREAK}:",
                f"Pays{NO_BREAK}: Éthiopie",
                f"Type d'organisation{NO_BREAK}: État membre",
            ],
        ),
        (
            "ar",
            ["البيانات التي قدمتها لنا:", "البلد: \u2068إثيوبيا\u2069", "نوع المنظمة: \u2068دولة عضو\u2069"],
        ),
    ],
)
def test_the_confirmation_says_what_was_given_in_the_delegates_language(
    mail_app, smtp_server, language, lines
):
    event = make_event()
    client = mail_app.test_client()
    response = submit(
        client, f"/events/{event.id}/register?lang={language}", delegate_form(language=language)
    )
    assert response.status_code == 302
    [message] = smtp_server.inbox.messages
    text = message.get_body(("plain",)).get_content()
    for line in lines:
        assert line in text.splitlines(), line
    html = message.get_body(("html",)).get_content()
    assert 'class="given"' in html and "<bdi>Amina Yusuf</bdi>" in html
    assert "/registrations/manage/" in html.split('class="given"', 1)[1]  # where to correct it


def test_the_standard_fields_the_event_asked_are_given_back_too(registration):
    from app.models import Gender

    registration.event.form_fields = {"gender": False, "dietary_needs": False}
    registration.gender = Gender.WOMAN
    db.session.commit()

    lines = dict(given_details(registration, "fr"))

    assert lines["Genre"] == "Femme"
    assert "Nom complet" in lines


def test_the_answers_to_the_organisers_questions_are_given_back_too(app):
    from app.services.registration.registrations import Applicant, register
    from tests.test_questions import diet, visa

    event = make_event()
    visa(event)
    diet(event)
    answers = {"do_you_need_a_visa_letter": "no", "dietary_needs": ["halal", "vegetarian"]}
    outcome = register(event, Applicant(email="amina@example.org", name="Amina Yusuf", answers=answers))

    lines = dict(given_details(outcome.registration, "fr"))

    assert lines["Avez-vous besoin d’une lettre pour le visa ?"] == "Non"
    assert lines["Régime alimentaire"] == "Végétarien, Halal"
