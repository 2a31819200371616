"""A Zoom webinar or meeting created from the event (its title, start in its own zone, duration,
registration approved automatically), linked as one linked by id, and updated after the event
moves or is renamed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditEntry, MeetingLink, MeetingState
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, make_account, make_event, make_series
from tests.test_api import problem
from tests.test_api_attendance import token_of

# 14:30 in New York on a winter day: 19:30 UTC.
START = datetime(2027, 1, 12, 19, 30, tzinfo=UTC)


@pytest.fixture
def event(app):
    series = make_series("Labour Migration Dialogue")
    return make_event(
        "Skills partnerships", series=series, start=START, timezone="America/New_York", hours=2, join_url=""
    )


@pytest.fixture
def writer(app):
    return token_of(make_account("organiser"))


def create(client, event_id, headers, kind="webinar", **extra):
    body = {"platform": "zoom", "create": kind, **extra}
    return client.put(f"/api/v1/events/{event_id}/meeting", headers=headers, json=body)


def test_a_webinar_is_created_from_the_event_and_linked(client, zoom_standin, event, writer):
    response = create(client, event.id, writer)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["meeting_kind"], body["state"]) == ("webinar", "linked")
    assert body["topic"] == "Labour Migration Dialogue — Skills partnerships"
    [sent] = zoom_standin.created
    assert sent == {
        "kind": "webinar",
        "user": "me",
        "topic": "Labour Migration Dialogue — Skills partnerships",
        "type": 5,
        "start_time": "2027-01-12T14:30:00",  # the event's own time, in its own zone
        "timezone": "America/New_York",
        "duration": 120,
        "settings": {"approval_type": 0, "registration_type": 1},
    }
    on_zoom = zoom_standin.meetings[body["meeting_id"]]
    assert on_zoom["start_time"] == "2027-01-12T19:30:00Z"
    assert body["join_url"] == f"https://zoom.us/w/{body['meeting_id']}"
    db.session.expire_all()
    assert event.join_url == body["join_url"]  # the event had none: the shared link is Zoom's
    # Zoom's start_url starts the webinar as its host: neither kept nor shown.
    assert "zak=" not in response.get_data(as_text=True)
    page = client.get(f"/api/v1/events/{event.id}/meeting", headers=writer).get_data(as_text=True)
    assert "zak=" not in page and "zak=" not in str(db.session.scalar(db.select(MeetingLink)).__dict__)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "event.meeting_linked"))


def test_creating_adds_the_confirmed_registrants_with_their_own_links(
    app, client, zoom_standin, event, writer
):
    outcome = registrations.register(
        event, Applicant(email="amina@example.org", name="Amina Yusuf", organisation="Ministry of Labour")
    )
    meeting_id = create(client, event.id, writer, "meeting").get_json()["meeting_id"]
    assert zoom_standin.meetings[meeting_id]["kind"] == "meeting"
    [added] = zoom_standin.meetings[meeting_id]["registrants"].values()
    assert added["email"] == "amina@example.org" and "tk=" in added["join_url"]
    from app.services.join_links import join_url_for

    db.session.expire_all()
    assert join_url_for(db.session.merge(outcome.registration)) == added["join_url"]


def test_the_host_can_be_another_zoom_user(app, client, zoom_standin, event, writer, monkeypatch):
    monkeypatch.setitem(app.config, "ZOOM_HOST_USER", zoom_standin.host_user)
    assert create(client, event.id, writer).status_code == 200
    assert zoom_standin.created[0]["user"] == zoom_standin.host_user
    monkeypatch.setitem(app.config, "ZOOM_HOST_USER", "nobody@example.org")
    db.session.execute(db.delete(MeetingLink))
    db.session.commit()
    answer = problem(create(client, event.id, writer), 409, "platform-not-configured")
    assert "nobody@example.org" in answer["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "zoom", "create": "room"},
        {"platform": "zoom", "create": ""},
        {"platform": "teams", "create": "webinar"},
        {"platform": "webex", "create": "meeting"},
        {"platform": "zoom", "create": "webinar", "meeting_id": "81234567890"},
        {"platform": "zoom", "create": 5},
    ],
)
def test_bad_requests_to_create_are_refused_and_create_nothing(client, zoom_standin, event, writer, body):
    response = client.put(f"/api/v1/events/{event.id}/meeting", headers=writer, json=body)
    assert response.status_code == 422, response.get_json()
    assert zoom_standin.created == [] and db.session.scalar(db.select(MeetingLink)) is None


def test_an_event_with_a_join_link_keeps_it(client, zoom_standin, writer):
    event = make_event(join_url="https://zoom.us/j/81234567890")
    assert create(client, event.id, writer).status_code == 200
    db.session.expire_all()
    assert event.join_url == "https://zoom.us/j/81234567890"


def test_an_event_already_linked_gets_no_second_webinar(client, zoom_standin, event, writer):
    assert create(client, event.id, writer).status_code == 200
    problem(create(client, event.id, writer), 409, "conflict")
    assert len(zoom_standin.created) == 1


@pytest.mark.parametrize("state", ["cancelled", "over"])
def test_a_cancelled_or_past_event_gets_no_webinar(client, zoom_standin, writer, state):
    if state == "cancelled":
        event = make_event(is_cancelled=True)
    else:
        event = make_event(start=datetime.now(UTC).replace(microsecond=0) - timedelta(days=2))
    problem(create(client, event.id, writer), 409, "conflict")
    assert zoom_standin.created == []


def test_without_credentials_creating_says_so(app, client, zoom_standin, event, writer, monkeypatch):
    monkeypatch.setitem(app.config, "ZOOM_CLIENT_ID", "")
    problem(create(client, event.id, writer), 409, "platform-not-configured")


def test_a_long_title_is_cut_to_what_zoom_takes(client, zoom_standin, event, writer):
    event.title = "x" * 300  # Zoom refuses a topic over 200 characters
    db.session.commit()
    assert create(client, event.id, writer).status_code == 200
    assert len(zoom_standin.created[0]["topic"]) == 200


def test_a_zoom_refusal_is_told_and_links_nothing(client, zoom_standin, event, writer):
    zoom_standin.webinar_plan = False  # an account without the webinar add-on
    response = problem(create(client, event.id, writer), 502, "platform-failed")
    assert "Cannot use webinar API" in response["detail"]
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_a_read_token_cannot_create(client, zoom_standin, event):
    reader = token_of(make_account("organiser"), "read")
    assert create(client, event.id, reader).status_code == 403
    assert zoom_standin.created == []


# --- after the event moves or is renamed --------------------------------------------------------


def update(client, event_id, headers):
    return client.post(f"/api/v1/events/{event_id}/meeting/zoom-update", headers=headers, json={})


def test_zoom_is_given_the_new_title_and_times(client, zoom_standin, event, writer):
    meeting_id = create(client, event.id, writer).get_json()["meeting_id"]
    event.title = "Skills partnerships, second round"
    event.start_dt, event.end_dt = START + timedelta(days=1), START + timedelta(days=1, hours=3)
    db.session.commit()
    response = update(client, event.id, writer)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["topic"] == "Labour Migration Dialogue — Skills partnerships, second round"
    on_zoom = zoom_standin.meetings[meeting_id]
    assert (on_zoom["topic"], on_zoom["start_time"], on_zoom["timezone"], on_zoom["duration"]) == (
        "Labour Migration Dialogue — Skills partnerships, second round",
        "2027-01-13T19:30:00Z",
        "America/New_York",
        180,
    )
    assert on_zoom["settings"] == {"approval_type": 0, "registration_type": 1}  # left as they were
    assert ("PATCH", f"/v2/webinars/{meeting_id}") in zoom_standin.calls
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "event.meeting_updated"))


def test_a_webinar_linked_by_id_is_updated_too(client, zoom_standin, event, writer):
    zoom_standin.add_meeting("81234567890", kind="meeting", topic="Old title")
    client.put(
        f"/api/v1/events/{event.id}/meeting",
        headers=writer,
        json={"platform": "zoom", "meeting_id": "81234567890"},
    )
    assert update(client, event.id, writer).status_code == 200
    assert zoom_standin.meetings["81234567890"]["start_time"] == "2027-01-12T19:30:00Z"


def test_updating_a_webinar_deleted_on_zoom_marks_it_gone(client, zoom_standin, event, writer):
    meeting_id = create(client, event.id, writer).get_json()["meeting_id"]
    del zoom_standin.meetings[meeting_id]
    problem(update(client, event.id, writer), 404, "meeting-not-found")
    db.session.expire_all()
    assert db.session.scalar(db.select(MeetingLink)).state == MeetingState.GONE


def test_updating_without_a_zoom_meeting_is_refused(client, zoom_standin, graph_standin, event, writer):
    from tests.integrations.test_teams import JOIN, ORGANIZER

    problem(update(client, event.id, writer), 404, "not-found")
    graph_standin.add_meeting(ORGANIZER, JOIN, "Partnership (Teams)", [])
    linked = client.put(
        f"/api/v1/events/{event.id}/meeting", headers=writer, json={"platform": "teams", "join_url": JOIN}
    )
    assert linked.status_code == 200, linked.get_json()
    problem(update(client, event.id, writer), 409, "conflict")


# --- the console ------------------------------------------------------------------------------


def test_the_event_page_creates_a_webinar_then_updates_it(console, zoom_standin, event):
    page = f"/console/events/{event.id}"
    html = console.get(page).get_data(as_text=True)
    assert "Create and link" in html and "/meeting/zoom-update" not in html
    token = csrf_token(console, page)
    response = console.post(f"{page}/meeting/create", data={"csrf_token": token, "kind": "meeting"})
    assert response.status_code == 302
    meeting = db.session.scalar(db.select(MeetingLink))
    assert (meeting.meeting_kind, zoom_standin.created[0]["type"]) == ("meeting", 2)
    html = console.get(page).get_data(as_text=True)
    assert "/meeting/zoom-update" in html and "Create and link" not in html
    event.title = "Renamed"
    db.session.commit()
    assert console.post(f"{page}/meeting/zoom-update", data={"csrf_token": token}).status_code == 302
    assert zoom_standin.meetings[meeting.meeting_id]["topic"] == "Labour Migration Dialogue — Renamed"


def test_the_event_page_says_why_creating_is_refused(console, zoom_standin, event):
    page = f"/console/events/{event.id}"
    token = csrf_token(console, page)
    response = console.post(f"{page}/meeting/create", data={"csrf_token": token, "kind": "room"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    response = console.post(f"{page}/meeting/zoom-update", data={"csrf_token": token})
    assert response.status_code == 400 and "The event has no meeting." in response.get_data(as_text=True)
    assert zoom_standin.created == []


def test_a_viewer_can_neither_create_nor_update(signed_in, zoom_standin, event):
    viewer = signed_in("viewer")
    assert "Create and link" not in viewer.get(f"/console/events/{event.id}").get_data(as_text=True)
    token = csrf_token(viewer, "/console/password")
    for path in ("create", "zoom-update"):
        response = viewer.post(
            f"/console/events/{event.id}/meeting/{path}", data={"csrf_token": token, "kind": "webinar"}
        )
        assert response.status_code == 403
    assert zoom_standin.created == []


# --- on the queue, when the event is moved or renamed ------------------------------------------


def edit(event_id: int, **changes) -> None:
    from app.database import write_transaction
    from app.models import Event

    with write_transaction() as session:
        row = session.get(Event, event_id)
        for name, value in changes.items():
            setattr(row, name, value)


def patches(standin, meeting_id: str) -> int:
    return sum(1 for call in standin.calls if call == ("PATCH", f"/v2/webinars/{meeting_id}"))


def test_moving_or_renaming_the_event_updates_zoom_by_itself(client, zoom_standin, event, writer):
    meeting_id = create(client, event.id, writer).get_json()["meeting_id"]
    edit(event.id, description="Not what Zoom is given")
    assert patches(zoom_standin, meeting_id) == 0
    edit(
        event.id,
        title="Skills partnerships II",
        start_dt=START + timedelta(hours=1),
        end_dt=START + timedelta(hours=3),
    )
    assert patches(zoom_standin, meeting_id) == 1
    on_zoom = zoom_standin.meetings[meeting_id]
    assert (on_zoom["topic"], on_zoom["start_time"]) == (
        "Labour Migration Dialogue — Skills partnerships II",
        "2027-01-12T20:30:00Z",
    )


def test_a_failed_update_never_blocks_the_change_and_shows_on_the_event(client, zoom_standin, event, writer):
    meeting_id = create(client, event.id, writer).get_json()["meeting_id"]
    del zoom_standin.meetings[meeting_id]
    edit(event.id, title="Renamed")
    db.session.expire_all()
    assert db.session.get(type(event), event.id).title == "Renamed"
    assert db.session.scalar(db.select(MeetingLink)).state == MeetingState.GONE
