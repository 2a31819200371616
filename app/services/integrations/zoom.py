"""Zoom's REST API v2, with a Server-to-Server OAuth app's token.

Plain `requests` (docs/integrations.md says why): the token is one POST, the calls a handful.
Shapes as Zoom's API reference documents them (developers.zoom.us/docs/api/):
- token: POST {ZOOM_OAUTH_URL}/oauth/token?grant_type=account_credentials&account_id=…, HTTP
  Basic with the client id and secret → {"access_token", "token_type": "bearer", "expires_in"}
  (docs/internal-apps/s2s-oauth/);
- GET /webinars/{webinarId}, GET /meetings/{meetingId} → {"id", "topic", "start_time", "join_url"…};
- POST /users/{userId}/webinars "Create a webinar", POST /users/{userId}/meetings "Create a meeting"
  {"topic", "type": 5 | 2, "start_time" (local, with "timezone"), "timezone", "duration" (minutes),
  "settings": {"approval_type", "registration_type"}} → 201 {"id", "uuid", "host_id", "topic",
  "type", "start_time" (UTC), "duration", "timezone", "join_url", "start_url", "registration_url",
  "settings"};
- PATCH /webinars/{webinarId} "Update a webinar" (meetings alike), the same fields → 204;
- POST /webinars/{webinarId}/registrants (and /meetings/…) {"email", "first_name", "last_name"}
  → 201 {"id", "registrant_id", "join_url", "topic", "start_time"};
- PUT /webinars/{webinarId}/registrants/status {"action": "cancel", "registrants": [{"id", "email"}]}
  → 204;
- GET /report/webinars/{webinarId}/participants (and /report/meetings/…) ?page_size=300
  &next_page_token=… → {"page_size", "total_records", "next_page_token", "participants": [{"id",
  "name", "user_email", "join_time", "leave_time", "duration" (seconds), "status"}]}.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...models import Platform
from .credentials import Credentials, credentials_for
from .http import NotFound, Pacer, Retrying, TokenCache, pacer, send

WEBINAR, MEETING = "webinar", "meeting"
# The largest page the report API gives (Zoom: page_size at most 300).
PAGE_SIZE = 300
# A token is renewed this long before Zoom says it expires (clocks and slow calls).

# Tokens by (OAuth URL, account, client): one per process, shared by every call until it expires.
_tokens = TokenCache(_l("Zoom refused the programme's credentials."))


def forget_tokens() -> None:
    _tokens.clear()


@dataclass
class ZoomClient:
    credentials: Credentials
    api_url: str
    oauth_url: str
    retrying: Retrying = field(default_factory=Retrying)
    session: requests.Session = field(default_factory=requests.Session)
    pacing: Pacer | None = None

    @classmethod
    def from_app(cls, retrying: Retrying | None = None) -> ZoomClient:
        """A client with the programme's credentials. Raises credentials.NotConfigured."""
        config = current_app.config
        return cls(
            credentials_for(Platform.ZOOM),
            config["ZOOM_API_URL"].rstrip("/"),
            config["ZOOM_OAUTH_URL"].rstrip("/"),
            retrying or Retrying.from_app(),
            pacing=pacer("Zoom", float(config["ZOOM_RATE_PER_SECOND"])),
        )

    # --- the token ---------------------------------------------------------------------------

    @property
    def _token_key(self) -> tuple[str, str, str]:
        return (self.oauth_url, self.credentials["zoom_account_id"], self.credentials["zoom_client_id"])

    def token(self, fresh: bool = False) -> str:
        """The account's access token, from the cache unless `fresh` or about to expire."""
        return _tokens.token(self._token_key, fresh, self._request_token)

    def _request_token(self) -> requests.Response:
        return send(
            self.session,
            "POST",
            f"{self.oauth_url}/oauth/token",
            self.retrying,
            lambda _fresh: {},
            "Zoom",
            params={
                "grant_type": "account_credentials",
                "account_id": self.credentials["zoom_account_id"],
            },
            auth=(self.credentials["zoom_client_id"], self.credentials["zoom_client_secret"]),
        )

    def _authorise(self, fresh: bool) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(fresh)}"}

    # --- calls -------------------------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs) -> dict | None:
        if self.pacing is not None:
            self.pacing.wait()
        response = send(
            self.session, method, self.api_url + path, self.retrying, self._authorise, "Zoom", **kwargs
        )
        return response.json() if response.content else None

    def pages(self, path: str, key: str, page_size: int = PAGE_SIZE) -> Iterator[dict]:
        """Every item of a paginated list, following next_page_token to its end."""
        token = ""
        while True:
            params: dict[str, str | int] = {"page_size": page_size}
            if token:
                params["next_page_token"] = token
            body = self.call("GET", path, params=params) or {}
            yield from body.get(key) or ()
            token = body.get("next_page_token") or ""
            if not token:
                return

    # --- what Plenary asks of Zoom -----------------------------------------------------------

    def meeting(self, meeting_id: str) -> dict:
        """The webinar or meeting with this id, with "kind" added. Raises NotFound."""
        number = _number(meeting_id)
        for kind in (WEBINAR, MEETING):
            try:
                found = self.call("GET", f"/{kind}s/{number}") or {}
            except NotFound:
                continue
            return {**found, "kind": kind}
        raise NotFound(_l("Zoom has no webinar or meeting %(id)s.", id=number), 404)

    def create(self, kind: str, body: dict) -> dict:
        """A new webinar or meeting hosted by ZOOM_HOST_USER ("me": the user who built the app);
        Zoom answers with it as "Get a webinar" would, "kind" added."""
        host = quote(current_app.config["ZOOM_HOST_USER"] or "me", safe="@")
        created = self.call("POST", f"/users/{host}/{kind}s", json=body) or {}
        return {**created, "kind": kind}

    def update(self, kind: str, meeting_id: str, body: dict) -> None:
        """Change the webinar's or meeting's topic, start, duration… (the fields given)."""
        self.call("PATCH", f"/{kind}s/{_number(meeting_id)}", json=body)

    def add_registrant(self, kind: str, meeting_id: str, email: str, first_name: str, last_name: str) -> dict:
        """Register a person; Zoom answers with their registrant_id and personal join_url."""
        body = {"email": email, "first_name": first_name[:64] or email, "last_name": last_name[:64]}
        return self.call("POST", f"/{kind}s/{_number(meeting_id)}/registrants", json=body) or {}

    def cancel_registrant(self, kind: str, meeting_id: str, registrant_id: str) -> None:
        # By Zoom's registrant id alone: after an erasure the address we hold is no longer theirs.
        body = {"action": "cancel", "registrants": [{"id": registrant_id}]}
        self.call("PUT", f"/{kind}s/{_number(meeting_id)}/registrants/status", json=body)

    def participants(self, kind: str, meeting_id: str) -> list[dict]:
        """The participant report of the meeting's last instance, all its pages."""
        return list(self.pages(f"/report/{kind}s/{_number(meeting_id)}/participants", "participants"))


class BadMeetingId(ValueError):
    def __str__(self) -> str:
        return str(_l("A Zoom webinar or meeting id is a number, such as 812 3456 7890."))


def _number(meeting_id: str) -> str:
    """A meeting id as Zoom's paths take it: the number without the spaces people type."""
    cleaned = "".join(str(meeting_id).split()).replace("-", "")
    if not cleaned.isdigit():
        raise BadMeetingId(meeting_id)
    return quote(cleaned, safe="")
