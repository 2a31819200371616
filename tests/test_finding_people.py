"""Finding people whatever the accents, the case and the script they typed their name in:
the console's registrations table, check-in, the sort by name, a Latin-script name."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.database import folded, folded_fields
from app.extensions import db
from app.models import Delegate, EventFormat, Registration
from app.services.privacy import personal_data
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import CSRF_RE, delegate_form, make_event

NAME_CELL = re.compile(r'<td><a href="/console/registrations/\d+">([^<]*)</a>')
CHECK_IN_NAME = re.compile(r'<div class="who">\s*<strong>([^<]+)</strong>')

PEOPLE = [
    ("José María Álvarez-Núñez", "jm.alvarez@exteriores.example.es", "Ministerio de Asuntos Exteriores"),
    ("Søren Østergaard", "soren@um.example.dk", "Udenrigsministeriet"),
    ("Claire Dubois", "claire.dubois@example.fr", "Ministère de l'Europe et des Affaires étrangères"),
    ("Zoë Ashworth", "zoe.ashworth@example.org", "IOM"),
    ("Ann Brown", "ann.brown@example.org", "Łódź University"),
    ("Ömer Çelik", "omer.celik@example.org", "UNHCR"),
]


def register(event, name, email, organisation, **fields) -> Registration:
    applicant = Applicant(email=email, name=name, organisation=organisation, **fields)
    return service.register(event, applicant).registration


@pytest.fixture
def event(app):
    event = make_event("Labour migration", capacity=100, hours=3, format=EventFormat.HYBRID)
    for name, email, organisation in PEOPLE:
        register(event, name, email, organisation)
    return event


def table(client, event, **params) -> list[str]:
    response = client.get(f"/console/events/{event.id}/registrations", query_string=params)
    assert response.status_code == 200
    return [unescape(name) for name in NAME_CELL.findall(response.get_data(as_text=True))]


def check_in(client, event, q: str) -> list[str]:
    response = client.get(f"/console/events/{event.id}/check-in", query_string={"q": q})
    assert response.status_code == 200
    return [unescape(name) for name in CHECK_IN_NAME.findall(response.get_data(as_text=True))]


def test_folding_spells_names_as_a_plain_keyboard_types_them():
    assert folded("José María Álvarez-Núñez") == "jose maria alvarez nunez"
    assert folded("Søren Østergaard, Straße") == "soren ostergaard strasse"
    assert folded("Łódź Æble Œuvre Đorđe") == "lodz aeble oeuvre dorde"
    assert folded("O'Brien") == "obrien"
    assert folded("100%_") == "100%_"  # what a LIKE would take for a pattern stays, searched as itself


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("jose", "José María Álvarez-Núñez"),
        ("JOSÉ", "José María Álvarez-Núñez"),
        ("alvarez nunez", "José María Álvarez-Núñez"),
        ("alvarez-nunez", "José María Álvarez-Núñez"),
        ("soren", "Søren Østergaard"),
        ("ostergaard", "Søren Østergaard"),
        ("ministere", "Claire Dubois"),
        ("affaires etrangeres", "Claire Dubois"),
        ("zoe", "Zoë Ashworth"),
        ("lodz", "Ann Brown"),
        ("omer celik", "Ömer Çelik"),
    ],
)
def test_the_table_and_check_in_ignore_accents_and_case(console, event, term, found):
    assert table(console, event, q=term) == [found]
    assert check_in(console, event, term) == [found]


def test_check_in_looks_for_each_word_in_any_order(console, event):
    assert check_in(console, event, "nunez jose") == ["José María Álvarez-Núñez"]
    assert check_in(console, event, "soren udenrigs") == ["Søren Østergaard"]


def test_a_typed_wildcard_is_searched_as_itself(console, event):
    assert table(console, event, q="%") == []
    assert table(console, event, q="_") == []
    assert check_in(console, event, "100%_") == []


def test_an_address_is_searched_in_addresses_only_by_those_who_see_them(signed_in, event):
    viewer, organiser = signed_in("viewer"), signed_in("organiser")
    assert table(organiser, event, q="jm.alvarez@") == ["José María Álvarez-Núñez"]
    assert table(viewer, event, q="jm.alvarez@") == []
    assert table(viewer, event, q="exteriores.example") == []  # in the address only


def test_sorting_by_name_puts_accented_names_where_a_person_expects(console, event):
    assert table(console, event, sort="name", order="asc") == [
        "Ann Brown",
        "Claire Dubois",
        "José María Álvarez-Núñez",
        "Ömer Çelik",
        "Søren Østergaard",
        "Zoë Ashworth",
    ]
    assert check_in(console, event, "") == table(console, event, sort="name", order="asc")


def test_the_search_follows_every_change_of_name_and_organisation(console, event):
    claire = db.session.scalars(sa.select(Registration).where(Registration.name == "Claire Dubois")).one()
    applicant = Applicant(
        email="claire.dubois@example.fr", name="Clémence Duval", organisation="Quai d'Orsay"
    )
    service.update_details(claire, applicant)
    assert table(console, event, q="clemence") == ["Clémence Duval"]
    assert table(console, event, q="quai dorsay") == ["Clémence Duval"]
    assert table(console, event, q="ministere") == []


def test_erasure_leaves_nothing_of_the_name_to_find(console, event):
    jose = db.session.scalars(sa.select(Delegate).where(Delegate.email.like("jm.alvarez@%"))).one()
    personal_data.erase_delegate(jose)
    assert table(console, event, q="jose") == []
    of_jose = sa.select(Registration).where(Registration.delegate_id == jose.id)
    registration = db.session.scalars(of_jose).one()
    assert registration.search_text == folded_fields("", "", "Ministerio de Asuntos Exteriores")


# --- a name in another script, and the same name in Latin letters --------------------------------

STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')
MEHARI = "መሓሪ ተኽለ"  # Mehari Tekle, in Tigrinya


def register_on_the_form(app, event, **fields):
    client = app.test_client()
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    data = delegate_form(csrf_token=CSRF_RE.search(page).group(1), **fields)
    data["started"] = STARTED_RE.search(page).group(1)
    return client.post(f"/events/{event.id}/register", data=data), page


def test_the_form_offers_the_latin_name_without_javascript_and_stores_it(app, event):
    response, page = register_on_the_form(
        app, event, name=MEHARI, latin_name="Mehari Tekle", email="mehari@example.er"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Always in the page, optional, with its hint (a script only hides it while no one needs it).
    assert 'name="latin_name"' in page and "data-latin-name" in page and "latin-name.js" in page
    assert "Name in Latin letters" in page and "in Latin letters, so that you can be found" in page
    db.session.rollback()
    delegate = db.session.scalars(sa.select(Delegate).where(Delegate.email == "mehari@example.er")).one()
    registration = db.session.scalars(sa.select(Registration).where(Registration.name == MEHARI)).one()
    assert (delegate.latin_name, registration.latin_name) == ("Mehari Tekle", "Mehari Tekle")


def test_the_latin_name_is_optional_and_in_latin_letters(app, event):
    response, _page = register_on_the_form(app, event, name=MEHARI, email="mehari@example.er")
    assert response.status_code == 302  # optional
    response, _page = register_on_the_form(
        app, event, name=MEHARI, latin_name="ميهاري", email="other@example.er"
    )
    assert response.status_code == 400
    assert "Write this name in Latin letters" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).where(Delegate.email == "other@example.er")) == 0


def test_the_form_in_french_and_arabic_names_the_field_in_their_language(app, event):
    client = app.test_client()
    assert "Nom en lettres latines" in client.get(f"/events/{event.id}/register?lang=fr").get_data(
        as_text=True
    )
    assert "الاسم بالحروف اللاتينية" in client.get(f"/events/{event.id}/register?lang=ar").get_data(
        as_text=True
    )


def test_organisers_see_it_and_find_the_person_by_it(console, event):
    mehari = register(event, MEHARI, "mehari@example.er", "Ministry of Labour", latin_name="Mehari Tekle")
    assert table(console, event, q="mehari tekle") == [MEHARI]
    assert table(console, event, q="ተኽለ") == [MEHARI]  # and by the name as typed
    assert check_in(console, event, "tekle") == [MEHARI]
    page = console.get(f"/console/registrations/{mehari.id}").get_data(as_text=True)
    assert "Name in Latin letters" in page and "Mehari Tekle" in page
    listing = console.get(f"/console/events/{event.id}/registrations").get_data(as_text=True)
    assert '<span class="meta" dir="ltr">Mehari Tekle</span>' in listing
    rows = list(
        csv.reader(
            io.StringIO(
                console.get(f"/console/events/{event.id}/registrations.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[0][1:3] == ["Name", "Name in Latin letters"]
    assert [row[1:3] for row in rows if row[1] == MEHARI] == [[MEHARI, "Mehari Tekle"]]


def test_a_participant_report_matches_the_person_by_their_latin_name(console):
    from tests.test_attendance_import import START, imported_from, upload

    event = make_event("Partnership", start=START, hours=2, format=EventFormat.ONLINE)
    applicant = Applicant(
        email="mehari@example.er", name=MEHARI, organisation="Ministry of Labour", latin_name="Mehari Tekle"
    )
    mehari = service.add_registration(event, applicant, by=console.account).registration
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    how = {entry["name"]: (entry["how"], entry["reg"]) for entry in imported.participants}
    assert how["Mehari Tekle"] == ("name", mehari.id)


def test_erasure_removes_the_latin_name(console, event):
    mehari = register(event, MEHARI, "mehari@example.er", "Ministry of Labour", latin_name="Mehari Tekle")
    personal_data.erase_delegate(mehari.delegate)
    db.session.rollback()
    registration = db.session.get(Registration, mehari.id)
    assert registration.latin_name == "" and registration.delegate.latin_name == ""
    assert "mehari" not in registration.search_text
    assert table(console, event, q="tekle") == []


def test_the_migration_folds_the_registrations_it_finds(tmp_path):
    """b7d41e0c9a25 fills the search column of every registration already there."""
    import flask_migrate

    from tests.conftest import make_app
    from tests.test_migrations import MIGRATIONS, drop_everything

    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            flask_migrate.upgrade(directory=MIGRATIONS)
            event = make_event("Prevention", capacity=10)
            for name, email, organisation in PEOPLE[:3]:
                register(event, name, email, organisation)
            db.session.remove()
            flask_migrate.downgrade(directory=MIGRATIONS, revision="a1fcb31882c4")  # the columns go
            flask_migrate.upgrade(directory=MIGRATIONS)  # and come back, filled from the names
            with db.engine.connect() as connection:
                found = dict(connection.execute(sa.text("SELECT name, search_text FROM registration")).all())
            assert found == {
                name: folded_fields(name, "", organisation) for name, _email, organisation in PEOPLE[:3]
            }
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()
