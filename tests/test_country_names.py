"""Every country in the delegate's language: the form, the console, the emails (CLDR names)."""

from __future__ import annotations

import re

from app.database import folded
from app.services.regions import countries, country_name
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import make_event


def options_of(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_registration_form_names_and_sorts_the_countries_in_the_pages_language(app, client):
    event = make_event("Protection")
    english = dict(options_of(client.get(f"/events/{event.id}/register?lang=en").get_data(as_text=True)))
    french = options_of(client.get(f"/events/{event.id}/register?lang=fr").get_data(as_text=True))
    arabic = dict(options_of(client.get(f"/events/{event.id}/register?lang=ar").get_data(as_text=True)))
    assert english["AT"] == "Austria" and english["DE"] == "Germany"
    assert dict(french)["AT"] == "Autriche" and dict(french)["DE"] == "Allemagne"
    assert arabic["AT"] == "النمسا" and arabic["SD"] == "السودان"
    names = [name for code, name in french if code]
    assert names == sorted(names, key=folded)  # French order: Égypte among the E's
    assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne") < names.index("Éthiopie")
    assert len(names) == len(set(code for code, _ in french if code)) >= 249


def test_names_come_from_cldr_with_an_english_fallback():
    assert country_name("CI", "fr") == "Côte d’Ivoire"
    assert country_name("SD", "ar") == "السودان"
    assert country_name("ZZ", "fr") == "ZZ"  # CLDR's "unknown region" is no country: its code
    assert [code for code, _ in countries("en")][:2] == ["AF", "AX"]  # Afghanistan, Åland Islands


def test_sort_key_sets_case_and_accents_aside():
    names = ["Zambia", "Øst", "Álvarez", "alvarez", "Oman", "Ñandú", "Nuñez"]
    assert sorted(names, key=folded) == ["Álvarez", "alvarez", "Ñandú", "Nuñez", "Oman", "Øst", "Zambia"]


def test_a_french_details_changed_email_names_the_country_in_french(mail_app, smtp_server):
    event = make_event("Protection")
    registration = service.register(
        event,
        Applicant(
            email="anna@example.org", name="Anna Huber", organisation="BMI", country="AT", language="fr"
        ),
    ).registration
    service.update_details(
        registration,
        Applicant(
            email="anna@example.org", name="Anna Huber", organisation="BMI Wien", country="AT", language="fr"
        ),
    )
    changed = smtp_server.inbox.messages[-1]
    assert "BMI Wien" in changed.get_body(("plain",)).get_content()
    details = changed.get_body(("plain",)).get_content().split("--")[0]  # not the secretariat's address
    assert "Autriche" in details and "Austria" not in details
