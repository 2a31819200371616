"""Webex meetings: a meeting found by its number, and its participants after it ended. Plain
`requests` with the integration's access token (WEBEX_TOKEN, or the console's).

As the Webex Meetings API reference documents them (developer.webex.com/docs/api/v1/…):
- "List Meetings": GET /meetings?meetingNumber=… → {"items": [{"id", "meetingNumber", "title",
  "start", "end", "webLink", "meetingType", "state"}]}: the meeting series by default, its
  instances (those held) with meetingType=meeting;
- "List Meeting Participants": GET /meetingParticipants?meetingId=…&max=100 → {"items": [{"id",
  "displayName", "email", "joinedTime", "leftTime", "host", "devices": [{"joinedTime",
  "leftTime", "durationSecond"}]}]}, the next page in the `Link` header (rel="next");
- errors {"message", "errors": [{"description"}], "trackingId"}; 429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...models import Platform
from .credentials import Credentials, credentials_for
from .http import NotFound, Retrying, send

PAGE = 100


@dataclass
class WebexClient:
    credentials: Credentials
    api_url: str
    retrying: Retrying = field(default_factory=Retrying)
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_app(cls, retrying: Retrying | None = None) -> WebexClient:
        return cls(
            credentials_for(Platform.WEBEX),
            current_app.config["WEBEX_API_URL"].rstrip("/"),
            retrying or Retrying.from_app(),
        )

    def _authorise(self, _fresh: bool) -> dict[str, str]:
        # An integration's token is not renewed here: a 401 twice is a refused token.
        return {"Authorization": f"Bearer {self.credentials['webex_token']}"}

    def _get(self, url: str, **kwargs) -> requests.Response:
        full = url if url.startswith(("http://", "https://")) else self.api_url + url
        return send(self.session, "GET", full, self.retrying, self._authorise, "Webex", **kwargs)

    def items(self, path: str, params: dict) -> list[dict]:
        """Every item of a list, following the Link header's rel="next" to its end."""
        found: list[dict] = []
        response = self._get(path, params=params)
        while True:
            found += response.json().get("items") or []
            following = response.links.get("next", {}).get("url")
            if not following:
                return found
            response = self._get(following)

    def meeting(self, number: str) -> dict:
        """The meeting (series) with this number. Raises NotFound."""
        digits = _digits(number)
        found = self.items("/meetings", {"meetingNumber": digits, "max": PAGE})
        if not found:
            raise NotFound(_l("Webex has no meeting %(number)s.", number=digits), 404)
        return found[0]

    def participants(self, number: str) -> list[dict]:
        """The participants of the meeting's latest instance held. Raises NotFound."""
        digits = _digits(number)
        held = self.items("/meetings", {"meetingNumber": digits, "meetingType": "meeting", "max": PAGE})
        if not held:
            raise NotFound(_l("Webex has no meeting %(number)s that was held.", number=digits), 404)
        latest = max(held, key=lambda item: item.get("start") or "")
        return self.items("/meetingParticipants", {"meetingId": latest["id"], "max": PAGE})


def _digits(number: str) -> str:
    return "".join(str(number).split()).replace("-", "")
