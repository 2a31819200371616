"""Zoom's webhooks: the signature, the URL validation challenge, and the live count."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from app.extensions import db
from app.models import LiveParticipant
from app.services.integrations import meetings, zoom_webhooks
from tests.conftest import make_event

SECRET = "webhook-secret-token-of-the-app"
WEBINAR = "81234567890"
URL = "/api/v1/platforms/zoom/webhook"


@pytest.fixture
def app_config(zoom_server):
    from tests.standins.fixtures import zoom_settings

    return {**zoom_settings(zoom_server), "ZOOM_WEBHOOK_SECRET": SECRET}


def signed(body: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    timestamp = str(at if at is not None else int(time.time()))
    signature = (
        "v0="
        + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    )
    return raw, {
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": signature,
        "Content-Type": "application/json",
    }


def post(client, body: dict, **signing):
    raw, headers = signed(body, **signing)
    return client.post(URL, data=raw, headers=headers)


def test_the_url_validation_challenge_is_answered(client):
    response = post(
        client, {"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}
    )
    assert response.status_code == 200
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert response.get_json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


@pytest.mark.parametrize(
    "signing",
    [{"secret": "someone-elses-secret"}, {"at": int(time.time()) - 3600}],
    ids=["wrong secret", "an hour old"],
)
def test_a_notification_not_signed_by_zoom_is_refused(client, signing):
    response = post(client, {"event": "endpoint.url_validation", "payload": {"plainToken": "x"}}, **signing)
    assert response.status_code == 401
    assert "encryptedToken" not in response.get_data(as_text=True)


def test_an_unsigned_notification_is_refused(client):
    response = client.post(URL, json={"event": "webinar.participant_joined", "payload": {}})
    assert response.status_code == 401


def joined(uuid: str, ts: int, event: str = "webinar.participant_joined") -> dict:
    participant = {"participant_uuid": uuid, "user_name": "Amina Yusuf", "email": "amina@example.org"}
    return {
        "event": event,
        "event_ts": ts,
        "payload": {"object": {"id": WEBINAR, "participant": participant}},
    }


def test_who_is_in_the_room_now(client, zoom_standin, signed_in):
    zoom_standin.add_meeting(WEBINAR)
    event = make_event("Partnership")
    link = meetings.link(event, meetings.Platform.ZOOM, meeting_id=WEBINAR, by=None)
    for body in (joined("a", 1000), joined("b", 1001), joined("a", 1002, "webinar.participant_left")):
        assert post(client, body).status_code == 200
    # Zoom's retry of an older notification, arriving late, undoes nothing.
    post(client, joined("a", 1000))
    assert zoom_webhooks.in_room(link) == 1
    page = signed_in("organiser").get(f"/console/events/{event.id}").get_data(as_text=True)
    assert "In the room now" in page
    # Neither a name nor an address is kept.
    assert {row.participant_key for row in db.session.scalars(db.select(LiveParticipant))} == {"a", "b"}


def test_a_meeting_no_event_is_linked_to_changes_nothing(client):
    assert post(client, joined("a", 1000)).status_code == 200
    assert db.session.scalar(db.select(LiveParticipant)) is None
