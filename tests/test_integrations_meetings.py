"""An event linked to its Zoom meeting: over the API and in the console, checked with Zoom."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEntry, MeetingLink
from tests.conftest import make_account, make_event
from tests.standins.fixtures import zoom_server, zoom_settings, zoom_standin  # noqa: F401
from tests.test_api import problem
from tests.test_api_attendance import token_of


@pytest.fixture
def app_config(zoom_server):  # noqa: F811
    return zoom_settings(zoom_server)


@pytest.fixture
def event(app):
    return make_event("Partnership")


@pytest.fixture
def writer(app):
    return token_of(make_account("organiser"))


def put(client, event_id, headers, body):
    return client.put(f"/api/v1/events/{event_id}/meeting", headers=headers, json=body)


def test_linking_asks_zoom_and_keeps_what_it_says(client, zoom_standin, event, writer):  # noqa: F811
    zoom_standin.add_meeting("81234567890", topic="Partnership webinar")
    response = put(client, event.id, writer, {"platform": "zoom", "meeting_id": "812 3456 7890"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["meeting_id"], body["meeting_kind"], body["topic"], body["state"]) == (
        "81234567890",
        "webinar",
        "Partnership webinar",
        "linked",
    )
    assert client.get(f"/api/v1/events/{event.id}/meeting", headers=writer).get_json()["topic"] == (
        "Partnership webinar"
    )
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "event.meeting_linked"))


def test_a_meeting_zoom_does_not_know_is_refused(client, zoom_standin, event, writer):  # noqa: F811
    problem(put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"}), 422, "meeting-not-found")
    assert db.session.scalar(db.select(MeetingLink)) is None


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "zoom"},
        {"platform": "skype", "meeting_id": "1"},
        {"platform": "teams", "meeting_id": "1"},
        {"platform": "zoom", "meeting_id": ""},
        {"platform": "zoom", "meeting_id": "x" * 201},
        {"platform": "zoom", "meeting_id": "not a number"},
        {},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, zoom_standin, event, writer, body):  # noqa: F811
    response = put(client, event.id, writer, body)
    assert 400 <= response.status_code < 500
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_unlinking(client, zoom_standin, event, writer):  # noqa: F811
    zoom_standin.add_meeting("81234567890")
    put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"})
    assert client.delete(f"/api/v1/events/{event.id}/meeting", headers=writer).status_code == 204
    problem(client.get(f"/api/v1/events/{event.id}/meeting", headers=writer), 404, "not-found")
    problem(client.delete(f"/api/v1/events/{event.id}/meeting", headers=writer), 404, "not-found")


def test_a_read_token_cannot_link(client, zoom_standin, event):  # noqa: F811
    zoom_standin.add_meeting("81234567890")
    reader = token_of(make_account("organiser"), "read")
    assert put(client, event.id, reader, {"platform": "zoom", "meeting_id": "81234567890"}).status_code == 403


def test_without_credentials_linking_says_so(app, client, zoom_standin, event, writer, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "ZOOM_CLIENT_ID", "")
    problem(put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"}), 409, "platform-not-configured")
