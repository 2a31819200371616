"""The participant report fetched from Zoom becomes the same import preview as an upload."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AttendanceImport, ImportStatus, MeetingLink, MeetingState
from app.services.integrations import attendance_fetch, meetings
from app.services.registration.registrations import Applicant, add_registration
from tests.conftest import make_account, make_event
from tests.standins.zoom import participant
from tests.test_api import problem
from tests.test_api_attendance import token_of
from tests.test_attendance_import import DELEGATES

WEBINAR = "81234567890"


@pytest.fixture
def organiser(app):
    return make_account("organiser")


@pytest.fixture
def writer(organiser):
    return token_of(organiser)


def past_event(standin, organiser, *, ended=timedelta(hours=1), people=None):
    start = (utcnow() - ended - timedelta(hours=2)).replace(microsecond=0)
    event = make_event("Partnership", start=start, hours=2)
    for name, email, organisation in DELEGATES:
        add_registration(event, Applicant(email=email, name=name, organisation=organisation), by=organiser)
    standin.add_meeting(WEBINAR, participants=people if people is not None else report_of(start))
    meetings.link(event, meetings.Platform.ZOOM, meeting_id=WEBINAR, by=organiser)
    return event


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def report_of(start, extra: int = 1200) -> list[dict]:
    """The delegates (two joins for the first), 1,200 more people, someone left in the waiting room."""
    rows = [
        participant(name, email, iso(start + timedelta(minutes=5)), iso(start + timedelta(minutes=95)))
        for name, email, _ in DELEGATES
    ]
    name, email, _ = DELEGATES[0]
    rows.append(
        participant(name, email, iso(start + timedelta(minutes=100)), iso(start + timedelta(minutes=110)))
    )
    rows += [
        participant(f"Guest {n}", f"guest{n}@example.net", iso(start), iso(start + timedelta(minutes=30)))
        for n in range(extra)
    ]
    rows.append(
        participant(
            "Left waiting", "", iso(start), iso(start + timedelta(minutes=3)), status="in_waiting_room"
        )
    )
    return rows


def fetch(client, event_id, headers):
    return client.post(f"/api/v1/events/{event_id}/attendance/fetch", headers=headers, json={})


def test_the_fetched_report_answers_as_the_same_file_uploaded(client, zoom_standin, organiser, writer):
    event = past_event(zoom_standin, organiser)
    response = fetch(client, event.id, writer)
    assert response.status_code == 200, response.get_json()
    fetched = response.get_json()
    assert (fetched["source"], fetched["participants"]) == ("zoom", len(DELEGATES) + 1200)
    assert fetched["matched_by_email"] == len(DELEGATES) and fetched["waiting_room_rows"] == 1
    assert zoom_standin.calls.count(("GET", f"/v2/report/webinars/{WEBINAR}/participants")) == 5  # 1,210 rows
    # The preview is kept for the console, as an upload's is.
    [imported] = db.session.scalars(sa.select(AttendanceImport)).all()
    assert imported.status == ImportStatus.PREVIEW and imported.account_id == organiser.id
    assert db.session.scalar(sa.select(MeetingLink.fetched_import_id)) == imported.id
    # The same bytes uploaded answer with the same preview.
    data = attendance_fetch.zoom_csv(zoom_standin.meetings[WEBINAR]["participants"])
    uploaded = client.post(
        f"/api/v1/events/{event.id}/attendance",
        headers=writer,
        data={"file": (io.BytesIO(data), "zoom.csv")},
        content_type="multipart/form-data",
    ).get_json()
    assert uploaded == fetched


def test_fetching_again_replaces_the_earlier_fetch_and_the_same_rows_keep_it(
    client, zoom_standin, organiser, writer
):
    event = past_event(zoom_standin, organiser)
    fetch(client, event.id, writer)
    first = db.session.scalar(sa.select(MeetingLink.fetched_import_id))
    fetch(client, event.id, writer)
    assert db.session.scalar(sa.select(MeetingLink.fetched_import_id)) == first  # unchanged: kept
    zoom_standin.meetings[WEBINAR]["participants"].pop()  # the report completed later
    fetch(client, event.id, writer)
    db.session.expire_all()
    second = db.session.scalar(sa.select(MeetingLink.fetched_import_id))
    assert second != first
    assert db.session.get(AttendanceImport, first).status == ImportStatus.DISCARDED
    assert db.session.get(AttendanceImport, second).status == ImportStatus.PREVIEW


def test_what_cannot_be_fetched_is_refused(client, zoom_standin, organiser, writer):
    problem(fetch(client, 999999, writer), 404, "not-found")
    upcoming = make_event("Later")
    problem(fetch(client, upcoming.id, writer), 404, "not-found")  # no meeting linked
    zoom_standin.add_meeting("85550001111")
    meetings.link(upcoming, meetings.Platform.ZOOM, meeting_id="85550001111", by=organiser)
    problem(fetch(client, upcoming.id, writer), 409, "conflict")  # not started
    event = past_event(zoom_standin, organiser)
    del zoom_standin.meetings[WEBINAR]
    problem(fetch(client, event.id, writer), 404, "meeting-not-found")
    assert (
        db.session.scalar(sa.select(MeetingLink.state).where(MeetingLink.event_id == event.id))
        == MeetingState.GONE
    )
    reader = token_of(organiser, "read")
    assert fetch(client, event.id, reader).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceImport)) == 0


def test_the_console_button_opens_the_preview(zoom_standin, organiser, console):
    event = past_event(zoom_standin, organiser, people=report_of(utcnow() - timedelta(hours=3), extra=3))
    from tests.conftest import csrf_token

    token = csrf_token(console, f"/console/events/{event.id}")
    response = console.post(f"/console/events/{event.id}/meeting/fetch", data={"csrf_token": token})
    assert response.status_code == 302
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aida Awel" in page and "Guest 2" in page


def test_the_worker_fetches_reports_of_ended_events(zoom_standin, organiser):
    from app.services.integrations.tasks import fetch_reports

    event = past_event(zoom_standin, organiser, ended=timedelta(hours=1))
    assert attendance_fetch.due_for_fetching() == [event.id]
    assert fetch_reports.call_local() == 1
    assert attendance_fetch.due_for_fetching() == []
    # A day after the end, once more: the report is complete by then.
    later = utcnow() + timedelta(hours=24)
    assert attendance_fetch.due_for_fetching(later) == [event.id]
    imported = db.session.scalars(sa.select(AttendanceImport)).one()
    assert imported.account_id is None  # fetched by the worker
