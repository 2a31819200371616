"""The focal points of delegations (issue 21), kept in the console: organisers add and remove
them; viewers see who they are, never their addresses; bad input changes nothing."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, FocalPoint
from tests.test_console_registrations import page, token

URL = "/console/focal-points"


def add(client, **fields):
    data = {
        "csrf_token": token(client),
        "name": "Tigist Haile",
        "email": "Tigist.Haile@mofa.gov.et",
        **fields,
    }
    return client.post(URL, data=data)


def stored() -> list[tuple[str, str, str, str]]:
    db.session.rollback()
    return [
        (f.country, f.organisation, f.name, f.email)
        for f in db.session.scalars(sa.select(FocalPoint).order_by(FocalPoint.id))
    ]


def test_an_organiser_adds_focal_points_of_member_states_and_organisations(console, app):
    assert add(console, country="ET").status_code == 303
    assert add(console, organisation="IOM", name="Ana Lima", email="alima@iom.int").status_code == 303
    assert add(console, country="DJ", name="Ali Omar", email="ali@mfa.dj").status_code == 303
    assert stored() == [
        ("ET", "", "Tigist Haile", "tigist.haile@mofa.gov.et"),
        ("", "IOM", "Ana Lima", "alima@iom.int"),
        ("DJ", "", "Ali Omar", "ali@mfa.dj"),
    ]
    body = page(console, URL)
    # Member states by name, then organisations.
    assert body.index("Djibouti") < body.index("Ethiopia") < body.index("IOM")
    assert "tigist.haile@mofa.gov.et" in body
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "focal_point.add")).all()
    assert len(entries) == 3 and all("@" not in entry.summary for entry in entries)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Choose a member state or give an organisation, not both."),
        (
            {"country": "ET", "organisation": "IOM"},
            "Choose a member state or give an organisation, not both.",
        ),
        ({"country": "ET", "email": "not an address"}, "Enter a valid email address"),
        ({"country": "ET", "name": ""}, "This field is required."),
        ({"country": "XX"}, "Not a valid choice."),
        ({"country": "ET", "language": "de"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(console, app, fields, message):
    response = add(console, **fields)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert stored() == []


def test_the_same_address_twice_for_a_delegation_is_refused(console, app):
    add(console, country="ET")
    response = add(console, country="ET", email="tigist.haile@mofa.gov.et")
    assert response.status_code == 409
    assert "This address is already a focal point of Ethiopia." in unescape(response.get_data(as_text=True))
    assert len(stored()) == 1


def test_removing_one(console, app):
    add(console, country="ET")
    focal_point = db.session.scalars(sa.select(FocalPoint)).one()
    response = console.post(f"{URL}/{focal_point.id}/remove", data={"csrf_token": token(console)})
    assert response.status_code == 303
    assert stored() == []
    assert (
        console.post(f"{URL}/{focal_point.id}/remove", data={"csrf_token": token(console)}).status_code == 404
    )


def test_a_viewer_sees_who_but_no_address_and_changes_nothing(console, signed_in, app):
    add(console, country="ET")
    viewer = signed_in("viewer")
    body = page(viewer, URL)
    assert "Tigist Haile" in body and "mofa.gov.et" not in body and "Add a focal point" not in body
    assert add(viewer, country="KE").status_code == 403
    assert len(stored()) == 1


@pytest.mark.parametrize("language, text", [("fr", "Points focaux"), ("ar", "جهات الاتصال")])
def test_the_page_reads_in_french_and_arabic(console, app, language, text):
    assert text in page(console, f"{URL}?lang={language}")


def test_each_focal_point_is_written_to_in_their_language(console, app):
    assert (
        add(console, country="SN", name="Awa Diop", email="awa@diplomatie.gouv.sn", language="fr").status_code
        == 303
    )
    assert add(console, country="ET").status_code == 303  # not chosen: the site's own
    db.session.rollback()
    languages = db.session.execute(
        sa.select(FocalPoint.name, FocalPoint.language).order_by(FocalPoint.id)
    ).all()
    assert languages == [("Awa Diop", "fr"), ("Tigist Haile", "en")]
    assert '<bdi lang="fr">Français</bdi>' in page(console, URL)
