"""Check-in at the door: searching a registrant, marking them present once with one button,
taking it back, the counts, who may do it, and the page on a phone."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attendance, AttendanceSource, AuditEntry, EventFormat, Registration
from app.services.registration.registrations import Applicant, cancel, register
from tests.conftest import csrf_token, make_event

DELEGATES = [
    ("Aida Awel", "aida.awel@ilo.example.org", "ILO"),
    ("Vincent Cochetel", "vincent.cochetel@unhcr.example.org", "UNHCR"),
    ("Siham Osman Mohamed", "siham.osman@moj.example.org", "Ministry of Justice, Sudan"),
    ("Johan Kruger", "johan.kruger@unodc.example.org", "UNODC"),
    ("Annalisa Pauciullo", "annalisa.pauciullo@unodc.example.org", "UNODC"),
]


@pytest.fixture
def event(app):
    return make_event("Thematic meeting on labour migration", hours=3, format=EventFormat.HYBRID)


@pytest.fixture
def registered(event) -> dict[str, Registration]:
    return {
        name: register(event, Applicant(email=email, name=name, organisation=organisation)).registration
        for name, email, organisation in DELEGATES
    }


def page(event) -> str:
    return f"/console/events/{event.id}/check-in"


def mark(client, event, registration, undo=False, q=None):
    url = f"{page(event)}/{registration.id}" + ("/undo" if undo else "")
    data = {"csrf_token": token(client)}
    if q is not None:
        data["q"] = q
    return client.post(url, data=data)


def token(client) -> str:
    """A CSRF token of the client's session, from a page every signed-in account can open."""
    return csrf_token(client, "/console/password")


def rows() -> list[Attendance]:
    return list(db.session.scalars(sa.select(Attendance).execution_options(populate_existing=True)))


def audit_actions() -> list[str]:
    attendance_actions = AuditEntry.action.like("attendance.%")
    return list(
        db.session.scalars(sa.select(AuditEntry.action).where(attendance_actions).order_by(AuditEntry.id))
    )


def names_listed(html: str) -> list[str]:
    return re.findall(r'<div class="who">\s*<strong>([^<]+)</strong>', html)


def test_the_list_and_the_search(console, event, registered):
    response = console.get(page(event))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert names_listed(html) == sorted(name for name, *_ in DELEGATES)
    assert "0 checked in of 5 confirmed" in html
    assert names_listed(console.get(page(event) + "?q=awel").get_data(as_text=True)) == ["Aida Awel"]
    assert names_listed(console.get(page(event) + "?q=unodc").get_data(as_text=True)) == [
        "Annalisa Pauciullo",
        "Johan Kruger",
    ]
    by_email = console.get(page(event) + "?q=unhcr.example").get_data(as_text=True)
    assert names_listed(by_email) == ["Vincent Cochetel"]
    nobody = console.get(page(event) + "?q=100%25_").get_data(as_text=True)
    assert names_listed(nobody) == [] and "Nobody registered matches" in nobody
    assert console.get(page(event) + "?q=" + "x" * 201).status_code == 400


def test_checking_in_once_and_taking_it_back(console, event, registered):
    aida = registered["Aida Awel"]
    response = mark(console, event, aida, q="awel")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/check-in?q=awel#reg-{aida.id}")
    [row] = rows()
    assert (row.registration_id, row.participant_key, row.source) == (
        aida.id,
        f"reg:{aida.id}",
        AttendanceSource.CHECK_IN,
    )
    # The time of arrival, and no minutes of presence nobody measured.
    assert row.attended is True and row.minutes == 0
    assert row.first_join_dt is not None and row.last_leave_dt is None

    # A second tap, or a second volunteer at the door, changes nothing.
    assert mark(console, event, aida).status_code == 303
    assert len(rows()) == 1 and audit_actions() == ["attendance.check_in"]
    html = console.get(page(event)).get_data(as_text=True)
    assert "1 checked in of 5 confirmed" in html and "Undo" in html

    assert mark(console, event, aida, undo=True).status_code == 303
    assert rows() == [] and audit_actions() == ["attendance.check_in", "attendance.check_in_undo"]
    assert mark(console, event, aida, undo=True).status_code == 303  # nothing left to take back
    assert audit_actions() == ["attendance.check_in", "attendance.check_in_undo"]


def test_the_attendance_page_counts_check_ins_and_no_shows(signed_in, console, event, registered):
    for name in ("Aida Awel", "Johan Kruger"):
        assert mark(console, event, registered[name]).status_code == 303
    html = signed_in("viewer").get(f"/console/events/{event.id}/attendance").get_data(as_text=True)
    assert "Aida Awel" in html and "Johan Kruger" in html and "Vincent Cochetel" not in html
    assert re.search(r"<strong>3</strong>\s*no-shows of 5 confirmed", html)


def test_refusals_change_nothing(console, event, registered):
    cancel(registered["Siham Osman Mohamed"])
    assert mark(console, event, registered["Siham Osman Mohamed"]).status_code == 409
    other = make_event("Prosecution")
    assert (
        console.post(
            f"/console/events/{other.id}/check-in/{registered['Aida Awel'].id}",
            data={"csrf_token": csrf_token(console, page(event))},
        ).status_code
        == 404
    )
    assert (
        console.post(
            f"{page(event)}/999999", data={"csrf_token": csrf_token(console, page(event))}
        ).status_code
        == 404
    )
    assert console.post(f"{page(event)}/{registered['Aida Awel'].id}", data={}).status_code == 400  # no token
    assert rows() == [] and audit_actions() == []


def test_an_online_event_has_no_check_in(console, registered):
    online = make_event("Partnership", format=EventFormat.ONLINE)
    registration = register(
        online, Applicant(email="amina.yusuf@example.org", name="Amina Yusuf")
    ).registration
    html = console.get(page(online)).get_data(as_text=True)
    assert "held online" in html and "Check in" not in html
    assert mark(console, online, registration).status_code == 409
    assert rows() == []


def test_a_viewer_sees_the_list_but_cannot_check_in(signed_in, event, registered):
    viewer = signed_in("viewer")
    response = viewer.get(page(event))
    assert response.status_code == 200
    assert names_listed(response.get_data(as_text=True)) and "Check in" not in response.get_data(as_text=True)
    assert mark(viewer, event, registered["Aida Awel"]).status_code == 403
    assert rows() == []


def test_the_page_fits_a_phone(console, event, registered):
    html = console.get(page(event)).get_data(as_text=True)
    assert 'name="viewport" content="width=device-width' in html
    assert "<table" not in html  # one column of names, each with its own button
    assert html.count('class="checkin-button"') == 5
    assert 'href="/static/console.css"' in html and "style=" not in html and "<script>" not in html


def test_only_the_first_25_are_listed(console, event, registered):
    for number in range(25):
        register(event, Applicant(email=f"delegate{number:02d}@example.org", name=f"Delegate {number:02d}"))
    html = console.get(page(event)).get_data(as_text=True)
    assert len(names_listed(html)) == 25 and "Only the first 25 are shown" in html


def test_checking_out_records_the_departure(console, event, registered):
    from datetime import timedelta

    from app.services.attendance.attendance import check_in, check_out

    aida, johan = registered["Aida Awel"], registered["Johan Kruger"]
    arrival = event.start_dt + timedelta(minutes=7)
    check_in(aida, by=console.account, now=arrival)
    check_out(aida, by=console.account, now=arrival + timedelta(minutes=95))
    [row] = rows()
    assert (row.first_join_dt, row.last_leave_dt, row.minutes) == (
        arrival,
        arrival + timedelta(minutes=95),
        95,
    )
    html = console.get(page(event)).get_data(as_text=True)
    assert "out at" in html and "Check out" not in html

    # Twice: nothing changes; someone who never came in cannot go out.
    assert mark_out(console, event, aida).status_code == 303
    assert mark_out(console, event, johan).status_code == 409
    assert len(rows()) == 1
    assert audit_actions() == ["attendance.check_in", "attendance.check_out"]

    # From the desk's button.
    check_in(johan, by=console.account)
    assert mark_out(console, event, johan).status_code == 303
    assert all(row.last_leave_dt is not None for row in rows())


def mark_out(client, event, registration):
    return client.post(f"{page(event)}/{registration.id}/out", data={"csrf_token": token(client)})
