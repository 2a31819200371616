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


@pytest.mark.parametrize(
    ("language", "legend"), [("en", "About you"), ("fr", "Vos coordonnées"), ("ar", "بياناتكم")]
)
def test_a_webinar_form_keeps_its_single_name(client, language, legend):
    event = make_event()
    page = client.get(f"/events/{event.id}/register", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert 'name="name"' in page and legend in page
    for absent in ("given_name", "family_name", "gender", "salutation", "visa_letter_needed"):
        assert f'name="{absent}"' not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Given name(s)",
                "Family name",
                "Gender",
                "Prefer not to say",
                "H.E.",
                "Member state you represent",
            ],
        ),
        (
            "fr",
            [
                "Prénom(s)",
                "Nom de famille",
                "Genre",
                "Préfère ne pas répondre",
                "S.E.",
                "État membre que vous représentez",
            ],
        ),
        ("ar", ["الاسم الأول", "اسم العائلة", "النوع الاجتماعي", "أفضّل عدم الإجابة", "صاحب السعادة"]),
    ],
)
def test_a_meeting_form_asks_its_fields_in_the_readers_language(client, language, words):
    event = make_event(form_fields={**MEETING, "salutation": False})
    page = client.get(f"/events/{event.id}/register", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
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
    assert (registration.given_name, registration.family_name, registration.salutation) == (
        "Amina",
        "Yusuf",
        "he",
    )
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


# --- the manage page ------------------------------------------------------------------------------


def test_the_manage_page_shows_and_changes_the_fields_and_keeps_the_others(mail_app, smtp_server):
    from tests.conftest import manage_path

    site = mail_app.test_client()
    event = make_event(form_fields={"names": True, "gender": False, "visa_letter": False})
    assert submit(site, f"/events/{event.id}/register", meeting_form(email=AMINA)).status_code == 302
    path = manage_path(smtp_server.inbox.to(AMINA)[-1])
    page = site.get(path).get_data(as_text=True)
    assert 'name="family_name"' in page and 'value="Yusuf"' in page
    assert (
        '<input checked id="visa_letter_needed-0" name="visa_letter_needed" type="radio" value="yes">' in page
    )
    changed = meeting_form(
        email=None, family_name="Yusuf Ali", gender="prefer_not_to_say", visa_letter_needed="no"
    )
    changed.pop("consent_privacy")
    response = submit(site, path, changed)
    assert response.status_code == 302, response.get_data(as_text=True)
    registration = registration_of()
    assert registration.name == "Amina Yusuf Ali" and registration.family_name == "Yusuf Ali"
    assert registration.gender == "prefer_not_to_say" and registration.visa_letter_needed is False
    # Not asked by this event: kept as stored (the form did not show them).
    assert registration.dietary_needs == "" and registration.head_of_delegation is None
    bad = submit(site, path, {**changed, "gender": "robot"})
    assert bad.status_code == 400
    assert registration_of().gender == "prefer_not_to_say"


# --- the console ----------------------------------------------------------------------------------


def test_the_series_form_sets_the_fields_its_events_inherit(app, console):
    series = make_series()
    event = make_event(series=series)
    page = console.get(f"/console/series/{series.id}/edit").get_data(as_text=True)
    assert "Registration form fields" in page and 'name="asked_fields" value="gender"' in page
    data = {
        "title": series.title,
        "version": str(series.version),
        "is_published": "y",
        "asked_fields": ["gender", "names"],
        "required_fields": ["gender", "visa_letter"],
    }
    response = submit(console, f"/console/series/{series.id}/edit", data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    db.session.rollback()
    series = db.session.get(type(series), series.id)
    assert series.form_fields == {"names": False, "gender": True, "visa_letter": True}
    assert db.session.get(type(event), event.id).asked_fields == series.form_fields


def test_the_event_form_sets_its_own_fields_or_inherits(app, console):
    from tests.test_console_programme import event_form

    series = make_series(form_fields={"gender": True})
    own = event_form(
        series=str(series.id), own_form_fields="y", asked_fields=["dietary_needs"], required_fields=[]
    )
    assert submit(console, "/console/events/new", own).status_code == 303
    inherit = event_form(title="Protection", series=str(series.id), asked_fields=["dietary_needs"])
    assert submit(console, "/console/events/new", inherit).status_code == 303
    db.session.rollback()
    from app.models import Event

    events = {event.title: event for event in db.session.scalars(sa.select(Event))}
    assert events["Partnership"].form_fields == {"dietary_needs": False}
    assert events["Partnership"].asked_fields == {"dietary_needs": False}
    assert events["Protection"].form_fields is None
    assert events["Protection"].asked_fields == {"gender": True}
    bad = submit(console, "/console/events/new", {**own, "asked_fields": ["shoe_size"]})
    assert bad.status_code == 400


def register_meeting_delegate(event, email=AMINA, **fields):
    from app.services.registration.registrations import Applicant, register

    values = {
        "name": "Amina Yusuf",
        "given_name": "Amina",
        "family_name": "Yusuf",
        "salutation": "he",
        "gender": "woman",
        "representing_country": "ET",
        "head_of_delegation": True,
        "dietary_needs": "halal",
        "accessibility_needs": "Step-free access",
        "visa_letter_needed": True,
        "country": "ET",
        "organisation": "Ministry of Labour",
        **fields,
    }
    return register(event, Applicant(email=email, **values)).registration


def test_the_console_shows_the_fields_but_not_the_personal_ones_to_viewers(app, console, signed_in):
    event = make_event(
        form_fields={
            "salutation": False,
            "names": True,
            "gender": True,
            "representing": False,
            "dietary_needs": False,
        }
    )
    registration = register_meeting_delegate(event)
    page = console.get(f"/console/registrations/{registration.id}").get_data(as_text=True)
    for text in ("Family name", "Yusuf", "Woman", "Halal", "Ethiopia", 'name="gender"'):
        assert text in page, text
    table = console.get(f"/console/events/{event.id}/registrations").get_data(as_text=True)
    assert "H.E." in table and "Representing" in table
    viewer = signed_in("viewer")
    page = viewer.get(f"/console/registrations/{registration.id}").get_data(as_text=True)
    assert "Family name" in page and "Ethiopia" in page
    assert "Woman" not in page and "Halal" not in page and "Gender" not in page


def test_the_search_finds_people_by_given_or_family_name(app, console):
    event = make_event(form_fields={"names": True})
    register_meeting_delegate(
        event, given_name="José María", family_name="Álvarez-Núñez", name="José María Álvarez-Núñez"
    )
    register_meeting_delegate(
        event, email="dawit@example.org", given_name="Dawit", family_name="Bekele", name="Dawit Bekele"
    )
    table = console.get(f"/console/events/{event.id}/registrations?q=alvarez nunez").get_data(as_text=True)
    assert "Álvarez-Núñez" in table and "Bekele" not in table


def test_exports_have_a_column_per_field_asked_with_translated_values(app, console):
    from tests.test_exports import read_csv, sheet_cells

    event = make_event(form_fields={"names": True, "gender": True, "visa_letter": False})
    register_meeting_delegate(event)
    rows = read_csv(console.get(f"/console/events/{event.id}/registrations.csv"))
    header, row = rows[0], rows[1]
    assert header[14:] == ["Given name", "Family name", "Gender", "Visa support letter needed"]
    assert row[14:] == ["Amina", "Yusuf", "Woman", "Yes"]
    french = read_csv(
        console.get(f"/console/events/{event.id}/registrations.csv", headers={"Accept-Language": "fr"})
    )
    assert french[0][14:] == ["Prénom", "Nom de famille", "Genre", "Lettre d’appui pour le visa demandée"]
    assert french[1][16:] == ["Femme", "Oui"]
    sheet = sheet_cells(console.get(f"/console/events/{event.id}/registrations.xlsx"))
    assert sheet[0][14:] == header[14:] and sheet[1][-4:] == row[14:]  # (empty cells left out)
    webinar = make_event("Webinar")
    assert len(read_csv(console.get(f"/console/events/{webinar.id}/registrations.csv"))[0]) == 14


# --- the API --------------------------------------------------------------------------------------

API = "/api/v1"


def api_body(**overrides) -> dict:
    data = {**delegate_form(consent_privacy=True), **overrides}
    return {k: v for k, v in data.items() if v is not None}


def test_the_api_registers_with_the_fields_the_event_asks(client):
    event = make_event(form_fields={"names": True, "gender": True, "head_of_delegation": False})
    body = api_body(
        given_name="Amina",
        family_name="Yusuf",
        gender="woman",
        head_of_delegation=True,
        dietary_needs="vegan",
    )
    response = client.post(f"{API}/events/{event.id}/registrations", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)
    registration = registration_of()
    assert (registration.name, registration.gender, registration.head_of_delegation) == (
        "Amina Yusuf",
        "woman",
        True,
    )
    assert registration.dietary_needs == ""  # not asked by this event: ignored


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gender": "robot"}, "gender"),
        ({"gender": None}, "gender"),
        ({"head_of_delegation": "yes"}, "head_of_delegation"),
        ({"representing_country": "XX"}, "representing_country"),
        ({"family_name": None}, "family_name"),
    ],
)
def test_the_api_refuses_bad_or_missing_answers(client, change, field):
    event = make_event(form_fields={"names": True, "gender": True})
    body = api_body(**{"given_name": "Amina", "family_name": "Yusuf", "gender": "woman", **change})
    response = client.post(f"{API}/events/{event.id}/registrations", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_the_api_lists_the_fields_and_hides_the_personal_ones_from_viewers(app, client):
    from app.models import ApiTokenScope
    from app.services.accounts.api_tokens import create_token
    from tests.conftest import make_account

    event = make_event(form_fields={"names": True, "gender": True})
    register_meeting_delegate(event)
    _token, organiser = create_token(make_account("organiser"), "Test", ApiTokenScope.READ)
    _token, viewer = create_token(make_account("viewer"), "Test", ApiTokenScope.READ)
    url = f"{API}/events/{event.id}/registrations"
    item = client.get(url, headers={"Authorization": f"Bearer {organiser}"}).get_json()["items"][0]
    assert (item["family_name"], item["gender"], item["head_of_delegation"]) == ("Yusuf", "woman", True)
    item = client.get(url, headers={"Authorization": f"Bearer {viewer}"}).get_json()["items"][0]
    assert (item["family_name"], item["gender"], item["dietary_needs"]) == ("Yusuf", None, None)
    document = client.get(f"{API}/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "gender" in schemas["Registration"]["properties"]
    assert "visa_letter_needed" in schemas["RegistrationRow"]["properties"]


# --- summaries, erasure, the email's lines -----------------------------------------------------------


def test_the_event_summary_counts_registered_and_attended_by_gender(app, console):
    from app.models import Attendance, AttendanceSource
    from app.services.reporting import summaries

    event = make_event(form_fields={"gender": True})
    amina = register_meeting_delegate(event)
    register_meeting_delegate(event, email="dawit@example.org", gender="man", head_of_delegation=False)
    register_meeting_delegate(event, email="sam@example.org", gender="prefer_not_to_say")
    before = register_meeting_delegate(event, email="old@example.org", gender="")  # before it was asked
    db.session.add(
        Attendance(
            event_id=event.id,
            registration_id=amina.id,
            participant_key=f"reg:{amina.id}",
            source=AttendanceSource.CHECK_IN,
            attended=True,
        )
    )
    db.session.commit()
    gender = summaries.gender_figures([db.session.get(type(event), event.id)])
    shares = {share.key: (share.registered, share.attended) for share in gender.shares}
    assert shares == {
        "woman": (1, 1),
        "man": (1, 0),
        "another": (0, 0),
        "prefer_not_to_say": (1, 0),
        "": (1, 0),
    }
    assert (gender.heads_of_delegation, gender.heads_attended) == (3, 1)
    assert before.gender == ""
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Participation by gender" in page and "Not collected" in page and "Prefer not to say" in page
    webinar = make_event("Webinar")
    assert summaries.gender_figures([webinar]) is None
    assert "Participation by gender" not in console.get(f"/console/reports/events/{webinar.id}").get_data(
        as_text=True
    )


def test_the_pdf_report_and_the_series_summary_show_participation_by_gender(app):
    from app.services.reporting import report_pdf, summaries

    series = make_series(form_fields={"gender": False})
    first = make_event("Protection", series=series)
    make_event("Prosecution", series=series, form_fields={})
    register_meeting_delegate(first)
    gender = summaries.gender_figures(series.events)
    assert gender is not None and gender.events == 1
    report = report_pdf.series_report(series)
    texts = [getattr(block, "text", "") for block in report.blocks] + [
        str(getattr(block, "title", "")) for block in report.blocks
    ]
    assert any("Participation by gender" in text for text in texts)
    grids = [
        block
        for block in report.blocks
        if getattr(block, "header", None) == ["Gender", "Registered", "Attended"]
    ]
    assert grids and grids[0].rows[0] == ["Woman", "1", "0"]


def test_erasure_clears_the_personal_fields_and_the_download_holds_them(app):
    from app.services.privacy import personal_data

    event = make_event(form_fields={"names": True, "gender": True, "representing": False})
    registration = register_meeting_delegate(event)
    data = personal_data.export_delegate(registration.delegate)
    held = data["registrations"][0]
    assert (held["family_name"], held["gender"], held["visa_letter_needed"]) == ("Yusuf", "woman", True)
    personal_data.erase_delegate(registration.delegate)
    db.session.rollback()
    erased = db.session.get(Registration, registration.id)
    for name in ("salutation", "given_name", "family_name", "gender", "accessibility_needs", "dietary_needs"):
        assert getattr(erased, name) == "", name
    assert erased.visa_letter_needed is None
    assert (erased.delegate.given_name, erased.delegate.family_name) == ("", "")
    # Whom they represented is kept, as the organisation is: the summaries of delegations.
    assert erased.representing_country == "ET" and erased.head_of_delegation is True


def test_standard_field_lines_give_the_answers_in_the_persons_language(app):
    from app.services.fields import standard_field_lines

    event = make_event(form_fields={"salutation": False, "names": True, "gender": True, "visa_letter": False})
    registration = register_meeting_delegate(event)
    assert standard_field_lines(registration, "en") == [
        ("Salutation", "H.E."),
        ("Given name", "Amina"),
        ("Family name", "Yusuf"),
        ("Gender", "Woman"),
        ("Visa support letter needed", "Yes"),
    ]
    french = dict(standard_field_lines(registration, "fr"))
    assert french["Genre"] == "Femme" and french["Civilité"] == "S.E."
    arabic = dict(standard_field_lines(registration, "ar"))
    assert "امرأة" in arabic.values()
    assert standard_field_lines(register_meeting_delegate(make_event("Webinar")), "en") == []


def test_a_posted_form_is_checked_against_the_setting_its_series_gives(client):
    series = make_series(form_fields={"gender": True})
    event = make_event(series=series)
    response = submit(
        client, f"/events/{event.id}/register", meeting_form(email=AMINA, gender="", name="Amina Yusuf")
    )
    assert response.status_code == 400 and "This field is required" in response.get_data(as_text=True)
    response = submit(client, f"/events/{event.id}/register", meeting_form(email=AMINA, name="Amina Yusuf"))
    assert response.status_code == 302
    assert registration_of().gender == "woman"


def test_an_organisers_edit_keeps_gender_and_needs_out_of_the_audit_log_and_erasure_scrubs_the_names(
    app, console
):
    from app.models import AuditEntry
    from app.services.privacy import personal_data

    event = make_event(form_fields={"names": True, "gender": True, "dietary_needs": False})
    registration = register_meeting_delegate(
        event, given_name="Aster", family_name="Haile", name="Aster Haile"
    )
    page = console.get(f"/console/registrations/{registration.id}")
    assert page.status_code == 200
    data = meeting_form(email=None, consent_privacy=None, given_name="Aster", family_name="Haile Mariam")
    data.update(version=str(registration.version), gender="woman", dietary_needs="vegan")
    response = submit(console, f"/console/registrations/{registration.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "registration.edit")).one()
    assert entry.details["details"]["family_name"] == "Haile Mariam"
    assert not {"gender", "dietary_needs", "accessibility_needs"} & set(entry.details["details"])
    personal_data.erase_delegate(registration_of().delegate)
    db.session.rollback()
    entry = db.session.get(AuditEntry, entry.id)
    assert "Aster" not in str(entry.details) and "Haile" not in str(entry.details)
