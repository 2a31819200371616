"""The standard fields of an intergovernmental meeting's form (issue 20): switched on per series
or event, asked on the public forms, the manage page, the console and the API, kept on the
registration, exported, counted by gender and erased."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Delegate, Registration
from tests.conftest import delegate_form, make_event, make_series, submit

AMINA = "amina.yusuf@example.org"
MEETING = {
    "salutation": False,
    "names": True,
    "latin_name": True,
    "gender": True,
    "representing": True,
    "head_of_delegation": False,
    "interpretation_language": False,
    "accessibility_needs": False,
    "dietary_needs": False,
    "visa_letter": False,
}


def meeting_form(**overrides) -> dict:
    """A delegate's answers to a meeting's form, every standard field given."""
    data = delegate_form(
        name=None,
        salutation="he",
        given_name="Amina",
        family_name="Yusuf",
        gender="woman",
        representing_country="ET",
        head_of_delegation="yes",
        interpretation_language="fr",
        accessibility_needs="Step-free access",
        dietary_needs="halal",
        visa_letter_needed="yes",
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def registration_of(email: str = AMINA) -> Registration:
    db.session.rollback()
    return db.session.scalars(
        sa.select(Registration).join(Registration.delegate).where(Delegate.email == email)
    ).one()


# --- which fields are asked ---------------------------------------------------------------


def test_an_event_inherits_its_series_setting_and_may_set_its_own(app):
    series = make_series(form_fields={"gender": True, "names": False})
    inheriting = make_event("Protection", series=series)
    own = make_event("Prosecution", series=series, form_fields={"visa_letter": False})
    none = make_event("Partnership", series=series, form_fields={})
    alone = make_event("Webinar")
    assert inheriting.asked_fields == {"gender": True, "names": False}
    assert own.asked_fields == {"visa_letter": False}
    assert none.asked_fields == {}
    assert alone.asked_fields == {}


# --- the public form ------------------------------------------------------------------------


def test_a_webinar_form_keeps_its_single_name(client):
    event = make_event()
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert 'name="name"' in page
    for absent in ("given_name", "family_name", "gender", "salutation", "visa_letter_needed"):
        assert f'name="{absent}"' not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Given name(s)", "Family name", "Gender", "Prefer not to say", "H.E.", "Member state you represent"]),
        ("fr", ["Prénom(s)", "Nom de famille", "Genre", "Préfère ne pas répondre", "S.E.", "État membre que vous représentez"]),
        ("ar", ["الاسم الأول", "اسم العائلة", "النوع الاجتماعي", "أفضّل عدم الإجابة", "صاحب السعادة"]),
    ],
)
def test_a_meeting_form_asks_its_fields_in_the_readers_language(client, language, words):
    event = make_event(form_fields={**MEETING, "salutation": False})
    page = client.get(f"/events/{event.id}/register", headers={"Accept-Language": language}).get_data(as_text=True)
    assert 'name="name"' not in page
    for word in words:
        assert word in page, word


def test_the_form_page_follows_a_change_of_the_series_setting(client):
    series = make_series()
    event = make_event(series=series)
    assert 'name="gender"' not in client.get(f"/events/{event.id}/register").get_data(as_text=True)
    series.form_fields = {"gender": True}
    db.session.commit()
    assert 'name="gender"' in client.get(f"/events/{event.id}/register").get_data(as_text=True)


def test_a_meeting_registration_keeps_every_standard_field(client):
    event = make_event(form_fields={key: False for key in MEETING} | {"gender": True})
    response = submit(client, f"/events/{event.id}/register", meeting_form(email=AMINA))
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = registration_of()
    assert registration.name == "Amina Yusuf"
    assert (registration.given_name, registration.family_name, registration.salutation) == ("Amina", "Yusuf", "he")
    assert registration.gender == "woman"
    assert registration.representing_country == "ET"
    assert registration.head_of_delegation is True
    assert registration.interpretation_language == "fr"
    assert registration.accessibility_needs == "Step-free access"
    assert registration.dietary_needs == "halal"
    assert registration.visa_letter_needed is True
    # The names are the person's: the delegate keeps them; the rest is this event's.
    assert registration.delegate.family_name == "Yusuf"


def test_a_field_not_asked_is_not_kept_whatever_is_sent(client):
    event = make_event()
    response = submit(client, f"/events/{event.id}/register", meeting_form(email=AMINA, name="Amina Yusuf"))
    assert response.status_code == 302
    registration = registration_of()
    assert (registration.gender, registration.given_name, registration.head_of_delegation) == ("", "", None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gender": "robot"}, "Not a valid choice"),
        ({"gender": ""}, "This field is required"),
        ({"family_name": ""}, "This field is required"),
        ({"salutation": "king"}, "Not a valid choice"),
        ({"head_of_delegation": "maybe"}, "Not a valid choice"),
        ({"representing_country": "XX"}, "Not a valid choice"),
        ({"representing_country": "", "representing_organisation": ""}, "Choose the member state"),
        ({"representing_organisation": "AU"}, "not both"),
        ({"dietary_needs": "other"}, "Say which diet"),
        ({"given_name": "أمينة", "family_name": "يوسف"}, "Write your name in Latin letters"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(client, change, message):
    event = make_event(form_fields={key: True for key in MEETING} | {"names": True})
    response = submit(client, f"/events/{event.id}/register", meeting_form(email=AMINA, **change))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_the_series_form_asks_what_any_of_its_events_asks(client):
    series = make_series()
    make_event("Protection", series=series, form_fields={"gender": True})
    make_event("Prosecution", series=series)
    page = client.get(f"/series/{series.id}/register").get_data(as_text=True)
    assert 'name="gender"' in page
