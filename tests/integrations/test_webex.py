"""A Webex meeting linked by its number, and the participants of its latest instance held
fetched into the same import preview as an uploaded file."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AttendanceImport, AttendanceSource
from app.services.registration.registrations import Applicant, add_registration
from tests.conftest import make_account, make_event
from tests.standins.webex import participant
from tests.test_api import problem
from tests.test_api_attendance import token_of
from tests.test_attendance_import import DELEGATES

NUMBER = "25912345678"


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_webex_meeting_is_linked_by_its_number_and_its_participants_fetched(client, webex_standin, app):
    organiser = make_account("organiser")
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    event = make_event("Partnership", start=start, hours=2)
    for name, email, organisation in DELEGATES:
        add_registration(event, Applicant(email=email, name=name, organisation=organisation), by=organiser)
    people = [
        participant(name, email, iso(start + timedelta(minutes=3)), iso(start + timedelta(minutes=80)))
        for name, email, _ in DELEGATES
    ]
    people += [
        participant(f"Guest {n}", f"guest{n}@example.net", iso(start), iso(start + timedelta(minutes=15)))
        for n in range(230)
    ]
    instances = [
        {"id": "old-instance", "start": "2020-01-01T09:00:00Z", "participants": people[:1]},
        {"id": "held-instance", "start": iso(start), "participants": people},
    ]
    webex_standin.add_meeting(NUMBER, "Partnership (Webex)", instances)
    writer = token_of(organiser)
    response = client.put(
        f"/api/v1/events/{event.id}/meeting",
        headers=writer,
        json={"platform": "webex", "meeting_id": "259 1234 5678"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["topic"] == "Partnership (Webex)"
    response = client.post(f"/api/v1/events/{event.id}/attendance/fetch", headers=writer, json={})
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["source"], body["participants"], body["matched_by_email"]) == (
        "webex",
        len(DELEGATES) + 230,
        len(DELEGATES),
    )
    pages = [path for _m, path in webex_standin.calls if path.startswith("/v1/meetingParticipants")]
    assert len(pages) == 3  # 238 people, 100 a page, by the Link header
    imported = db.session.scalars(sa.select(AttendanceImport)).one()
    assert imported.source == AttendanceSource.WEBEX


def test_a_number_webex_does_not_know_and_a_wrong_token(client, webex_standin, app, monkeypatch):
    organiser = make_account("organiser")
    event = make_event("Partnership")
    writer = token_of(organiser)
    body = {"platform": "webex", "meeting_id": NUMBER}
    problem(
        client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=body), 404, "meeting-not-found"
    )
    monkeypatch.setitem(app.config, "WEBEX_TOKEN", "a-wrong-token")
    response = client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=body)
    assert response.status_code == 502 and "a-wrong-token" not in response.get_data(as_text=True)
