"""A Teams meeting linked by its join link, and its attendance report fetched from Graph into
the same import preview as an uploaded file."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AttendanceImport, AttendanceSource, ImportStatus, MeetingLink
from app.services.integrations import graph, meetings
from app.services.registration.registrations import Applicant, add_registration
from tests.conftest import make_account, make_event
from tests.standins.graph import record
from tests.test_api import problem
from tests.test_api_attendance import token_of
from tests.test_attendance_import import DELEGATES

ORGANIZER = "5d9b2e4a-8c1f-4f6e-9a0b-3c7d1e2f4a5b"
CONTEXT = quote(json.dumps({"Tid": "tenant-standin", "Oid": ORGANIZER}))
JOIN = f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjY%40thread.v2/0?context={CONTEXT}"


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def organiser(app):
    return make_account("organiser")


def past_event(standin, organiser, guests: int = 250):
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    event = make_event("Partnership", start=start, hours=2)
    for name, email, organisation in DELEGATES:
        add_registration(event, Applicant(email=email, name=name, organisation=organisation), by=organiser)
    records = [
        record(name, email, [(iso(start + timedelta(minutes=2)), iso(start + timedelta(minutes=90)))])
        for name, email, _ in DELEGATES
    ]
    records += [
        record(f"Guest {n}", f"guest{n}@example.net", [(iso(start), iso(start + timedelta(minutes=20)))])
        for n in range(guests)
    ]
    earlier = {"id": "report-1", "end": "2020-01-01T10:00:00Z", "records": records[:1]}
    latest = {"id": "report-2", "end": iso(start + timedelta(hours=2)), "records": records}
    standin.add_meeting(ORGANIZER, JOIN, "Partnership (Teams)", [earlier, latest])
    return event


def test_the_organiser_is_read_from_the_join_link():
    assert graph.organizer_of(JOIN) == ORGANIZER
    for bad in (
        "https://example.org/x",
        "https://teams.microsoft.com/l/meetup-join/x?context=%7B%7D",
        "http://x",
        "https://[",  # urlsplit raises on it: a 500 once (Schemathesis)
    ):
        with pytest.raises(graph.BadJoinUrl):
            graph.organizer_of(bad)


def test_a_teams_meeting_is_linked_by_its_join_link_and_its_report_fetched(client, graph_standin, organiser):
    event = past_event(graph_standin, organiser)
    writer = token_of(organiser)
    response = client.put(
        f"/api/v1/events/{event.id}/meeting", headers=writer, json={"platform": "teams", "join_url": JOIN}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["topic"] == "Partnership (Teams)"
    response = client.post(f"/api/v1/events/{event.id}/attendance/fetch", headers=writer, json={})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["source"], body["participants"], body["matched_by_email"]) == (
        "teams",
        len(DELEGATES) + 250,
        len(DELEGATES),
    )
    # The latest report, every page of its records (100 a page).
    pages = [path for _m, path in graph_standin.calls if path.endswith("/report-2/attendanceRecords")]
    assert len(pages) == 3
    imported = db.session.scalars(sa.select(AttendanceImport)).one()
    assert (imported.source, imported.status) == (AttendanceSource.TEAMS, ImportStatus.PREVIEW)


def test_an_expired_graph_token_is_renewed(client, graph_standin, organiser):
    event = past_event(graph_standin, organiser, guests=0)
    meetings.link(event, meetings.Platform.TEAMS, join_url=JOIN, by=organiser)
    graph_standin.expire_tokens()
    writer = token_of(organiser)
    assert (
        client.post(f"/api/v1/events/{event.id}/attendance/fetch", headers=writer, json={}).status_code == 200
    )
    assert sum(1 for _m, path in graph_standin.calls if path.endswith("/token")) == 2


def test_a_join_link_graph_does_not_know_or_cannot_read(client, graph_standin, organiser):
    event = make_event("Partnership")
    writer = token_of(organiser)
    unknown = {"platform": "teams", "join_url": JOIN}
    problem(
        client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=unknown),
        404,
        "meeting-not-found",
    )
    not_teams = {"platform": "teams", "join_url": "https://example.org/not-teams"}
    problem(
        client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=not_teams),
        404,
        "meeting-not-found",
    )
    for body in (
        {"platform": "teams", "meeting_id": "123"},
        {"platform": "zoom", "join_url": JOIN},
    ):
        response = client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=body)
        assert response.status_code == 422, (body, response.get_json())
    assert db.session.scalar(sa.select(MeetingLink)) is None


def test_the_console_links_a_teams_meeting(console, graph_standin, organiser):
    from tests.conftest import csrf_token

    event = past_event(graph_standin, organiser, guests=0)
    token = csrf_token(console, f"/console/events/{event.id}")
    response = console.post(
        f"/console/events/{event.id}/meeting",
        data={"csrf_token": token, "platform": "teams", "join_url": JOIN},
    )
    assert response.status_code == 302
    assert "Partnership (Teams)" in console.get(f"/console/events/{event.id}").get_data(as_text=True)
