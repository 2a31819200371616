"""Zoom's webhooks: who joins and leaves a linked webinar or meeting, for the live count on the
event's page (the report after the event remains the source of the figures).

As Zoom's "Using webhooks" page documents them (developers.zoom.us/docs/api/webhooks/):
- every notification carries `x-zm-request-timestamp` and `x-zm-signature`
  = "v0=" + hex HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}");
- `endpoint.url_validation` {"payload": {"plainToken"}} is answered with {"plainToken",
  "encryptedToken": hex HMAC-SHA256(secret token, plainToken)};
- `webinar.participant_joined` / `webinar.participant_left` (and the `meeting.` ones):
  {"event", "event_ts" (ms), "payload": {"account_id", "object": {"id", "uuid", "participant":
  {"participant_uuid", "user_id", "user_name", "email", "join_time" | "leave_time"}}}}.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import sqlalchemy as sa
from flask import current_app

from ...database import insert_for, write_transaction
from ...extensions import db
from ...models import LiveParticipant, MeetingLink, Platform
from . import secrets

# A notification signed longer ago than this is refused (a replay).
MAX_AGE_SECONDS = 300
JOINED = {"webinar.participant_joined", "meeting.participant_joined"}
LEFT = {"webinar.participant_left", "meeting.participant_left"}


class BadSignature(ValueError):
    pass


def secret_token() -> str:
    from .credentials import stored

    row = stored()
    return (secrets.unseal(row.zoom_webhook_secret) if row else "") or current_app.config[
        "ZOOM_WEBHOOK_SECRET"
    ]


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(body: bytes, timestamp: str, signature: str, now: float | None = None) -> str:
    """The secret, once the signature is Zoom's and recent. Raises BadSignature."""
    secret = secret_token()
    if not secret or not timestamp.isdigit():
        raise BadSignature("unsigned")
    if abs((now or time.time()) - int(timestamp)) > MAX_AGE_SECONDS:
        raise BadSignature("too old")
    expected = "v0=" + _hmac(secret, b"v0:" + timestamp.encode() + b":" + body)
    if not hmac.compare_digest(expected, signature):
        raise BadSignature("wrong signature")
    return secret


def handle(notification: dict, secret: str) -> dict:
    """The answer to a verified notification."""
    event = notification.get("event")
    payload = _object(notification, "payload")
    if event == "endpoint.url_validation":
        plain = str(payload.get("plainToken") or "")
        return {"plainToken": plain, "encryptedToken": _hmac(secret, plain.encode())}
    if event in JOINED or event in LEFT:
        _record(payload, event in JOINED, int(notification.get("event_ts") or 0))
    return {}


def _object(parent: dict, key: str) -> dict:
    """A JSON object inside another, or {} when it is missing or not an object."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _record(payload: dict, joined: bool, event_ts: int) -> None:
    found = _object(payload, "object")
    participant = _object(found, "participant")
    key = str(participant.get("participant_uuid") or participant.get("user_id") or "")[:200]
    number = str(found.get("id") or "")
    if not key or not number:
        return
    with write_transaction() as session:
        meeting_id = session.scalar(
            sa.select(MeetingLink.id).where(
                MeetingLink.platform == Platform.ZOOM, MeetingLink.meeting_id == number
            )
        )
        if meeting_id is None:
            return  # a meeting of the account that no event is linked to
        values = {
            "meeting_link_id": meeting_id,
            "participant_key": key,
            "in_room": joined,
            "event_ts": event_ts,
        }
        upsert = insert_for(session)(LiveParticipant).values(values)
        # A notification delivered late (Zoom retries) never undoes a newer one.
        session.execute(
            upsert.on_conflict_do_update(
                index_elements=["meeting_link_id", "participant_key"],
                set_={"in_room": upsert.excluded.in_room, "event_ts": upsert.excluded.event_ts},
                where=LiveParticipant.event_ts < upsert.excluded.event_ts,
            )
        )


def in_room(meeting: MeetingLink) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LiveParticipant)
            .where(LiveParticipant.meeting_link_id == meeting.id, LiveParticipant.in_room.is_(True))
        )
        or 0
    )
