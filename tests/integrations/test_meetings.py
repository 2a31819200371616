"""An event linked to its Zoom meeting: over the API and in the console, checked with Zoom."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEntry, MeetingLink
from tests.conftest import make_account, make_event
from tests.test_api import problem
from tests.test_api_attendance import token_of


@pytest.fixture
def event(app):
    return make_event("Partnership")


@pytest.fixture
def writer(app):
    return token_of(make_account("organiser"))


def put(client, event_id, headers, body):
    return client.put(f"/api/v1/events/{event_id}/meeting", headers=headers, json=body)


def test_linking_asks_zoom_and_keeps_what_it_says(client, zoom_standin, event, writer):
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


def test_a_meeting_zoom_does_not_know_is_refused(client, zoom_standin, event, writer):
    problem(
        put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"}),
        404,
        "meeting-not-found",
    )
    assert db.session.scalar(db.select(MeetingLink)) is None


@pytest.mark.parametrize(
    "body",
    [
        {"platform": "zoom"},
        {"platform": "skype", "meeting_id": "1"},
        {"platform": "teams", "join_url": "https://teams.microsoft.com/l/meetup-join/x"},
        {"platform": "zoom", "meeting_id": ""},
        {"platform": "zoom", "meeting_id": "x" * 201},
        {"platform": "zoom", "meeting_id": "not a number"},
        {"platform": "webex", "meeting_id": "1234"},
        {},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, zoom_standin, event, writer, body):
    response = put(client, event.id, writer, body)
    assert 400 <= response.status_code < 500
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_unlinking(client, zoom_standin, event, writer):
    zoom_standin.add_meeting("81234567890")
    put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"})
    assert client.delete(f"/api/v1/events/{event.id}/meeting", headers=writer).status_code == 204
    problem(client.get(f"/api/v1/events/{event.id}/meeting", headers=writer), 404, "not-found")
    problem(client.delete(f"/api/v1/events/{event.id}/meeting", headers=writer), 404, "not-found")


def test_a_read_token_cannot_link(client, zoom_standin, event):
    zoom_standin.add_meeting("81234567890")
    reader = token_of(make_account("organiser"), "read")
    assert put(client, event.id, reader, {"platform": "zoom", "meeting_id": "81234567890"}).status_code == 403


def test_without_credentials_linking_says_so(app, client, zoom_standin, event, writer, monkeypatch):
    monkeypatch.setitem(app.config, "ZOOM_CLIENT_ID", "")
    problem(
        put(client, event.id, writer, {"platform": "zoom", "meeting_id": "81234567890"}),
        409,
        "platform-not-configured",
    )


# --- the console ------------------------------------------------------------------------------

from tests.conftest import csrf_token  # noqa: E402


def test_the_event_page_links_and_unlinks_a_meeting(console, zoom_standin, event):
    zoom_standin.add_meeting("81234567890", topic="Partnership webinar")
    page = f"/console/events/{event.id}"
    token = csrf_token(console, page)
    response = console.post(
        f"/console/events/{event.id}/meeting",
        data={"csrf_token": token, "platform": "zoom", "meeting_id": "812 3456 7890"},
    )
    assert response.status_code == 302
    html = console.get(page).get_data(as_text=True)
    assert "Partnership webinar" in html and "81234567890" in html
    response = console.post(f"/console/events/{event.id}/meeting/unlink", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_the_event_page_says_why_a_meeting_is_refused(console, zoom_standin, event):
    token = csrf_token(console, f"/console/events/{event.id}")
    for data, words in (
        ({"platform": "zoom", "meeting_id": "81234567890"}, "81234567890"),
        ({"platform": "zoom", "meeting_id": "abc"}, "is a number"),
        ({"platform": "skype", "meeting_id": "1"}, "Not a valid choice"),
    ):
        response = console.post(f"/console/events/{event.id}/meeting", data={"csrf_token": token, **data})
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_a_viewer_sees_no_link_form_and_cannot_link(signed_in, zoom_standin, event):
    viewer = signed_in("viewer")
    zoom_standin.add_meeting("81234567890")
    assert "Link the meeting" not in viewer.get(f"/console/events/{event.id}").get_data(as_text=True)
    token = csrf_token(viewer, "/console/password")
    response = viewer.post(
        f"/console/events/{event.id}/meeting",
        data={"csrf_token": token, "platform": "zoom", "meeting_id": "81234567890"},
    )
    assert response.status_code == 403
    assert db.session.scalar(db.select(MeetingLink)) is None


def test_credentials_are_set_by_an_admin_and_never_shown_again(signed_in, app):
    admin = signed_in("admin")
    token = csrf_token(admin, "/console/platforms")
    response = admin.post(
        "/console/platforms",
        data={
            "csrf_token": token,
            "zoom_account_id": "acc-console",
            "zoom_client_id": "cid-console",
            "zoom_client_secret": "very-secret-value-42",
        },
    )
    assert response.status_code == 302
    html = admin.get("/console/platforms").get_data(as_text=True)
    assert "acc-console" in html and "very-secret-value-42" not in html
    assert "Set: enter a new one to replace it." in html
    # Saving again without a secret keeps the one stored.
    admin.post(
        "/console/platforms",
        data={"csrf_token": token, "zoom_account_id": "acc-console", "zoom_client_id": "cid-2"},
    )
    from app.services.integrations.credentials import Platform, credentials_for

    assert credentials_for(Platform.ZOOM)["zoom_client_secret"] == "very-secret-value-42"
    audit = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "platform_credentials.changed")
    ).all()
    assert audit and all("very-secret" not in str(entry.details) for entry in audit)
    admin.post("/console/platforms", data={"csrf_token": token, "clear_zoom": "y"})
    assert credentials_for(Platform.ZOOM).source == "environment"


def test_organisers_cannot_see_the_credentials_page(console):
    assert console.get("/console/platforms").status_code == 403
