"""Microsoft Graph for Teams meetings: the online meeting found by its join URL, and the records
of its attendance report. Plain `requests` (docs/integrations.md says why).

As Graph's reference documents them (learn.microsoft.com/graph/api/…):
- token: POST {GRAPH_LOGIN_URL}/{tenant}/oauth2/v2.0/token, form client_id, client_secret,
  scope=https://graph.microsoft.com/.default, grant_type=client_credentials →
  {"token_type": "Bearer", "expires_in", "access_token"} ("Get access without a user");
- GET /users/{organizer}/onlineMeetings?$filter=JoinWebUrl eq '…' → {"value": [onlineMeeting:
  {"id", "subject", "joinWebUrl", "startDateTime", "endDateTime"}]} ("Get onlineMeeting"); with
  application permissions the organiser's id is needed: the join URL's `context` carries it
  ({"Tid": tenant, "Oid": organiser});
- GET /users/{organizer}/onlineMeetings/{id}/attendanceReports → {"value":
  [meetingAttendanceReport: {"id", "totalParticipantCount", "meetingStartDateTime",
  "meetingEndDateTime"}]} ("List meetingAttendanceReports");
- GET …/attendanceReports/{reportId}/attendanceRecords → {"value": [attendanceRecord:
  {"emailAddress", "totalAttendanceInSeconds", "role", "identity": {"id", "displayName"},
  "attendanceIntervals": [{"joinDateTime", "leaveDateTime", "durationInSeconds"}]}],
  "@odata.nextLink"} ("List attendanceRecords").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...models import Platform
from .credentials import Credentials, credentials_for
from .http import NotFound, Retrying, TokenCache, send

_tokens = TokenCache(_l("Microsoft Graph refused the programme's credentials."))


class BadJoinUrl(ValueError):
    def __str__(self) -> str:
        return str(
            _l("This is not a Teams meeting's join link (https://teams.microsoft.com/l/meetup-join/…).")
        )


def forget_tokens() -> None:
    _tokens.clear()


def organizer_of(join_url: str) -> str:
    """The organiser's user id in a Teams join link's `context` parameter. Raises BadJoinUrl."""
    try:
        parts = urlsplit(join_url.strip())
    except ValueError:  # "https://[": an unclosed IPv6 host
        raise BadJoinUrl(join_url) from None
    if parts.scheme != "https" or "/meetup-join/" not in parts.path:
        raise BadJoinUrl(join_url)
    try:
        context = json.loads(parse_qs(parts.query).get("context", ["{}"])[0])
    except ValueError:
        raise BadJoinUrl(join_url) from None
    organizer = context.get("Oid") if isinstance(context, dict) else None
    if not isinstance(organizer, str) or not organizer:
        raise BadJoinUrl(join_url)
    return organizer


@dataclass
class GraphClient:
    credentials: Credentials
    api_url: str
    login_url: str
    retrying: Retrying = field(default_factory=Retrying)
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def from_app(cls, retrying: Retrying | None = None) -> GraphClient:
        config = current_app.config
        return cls(
            credentials_for(Platform.TEAMS),
            config["GRAPH_API_URL"].rstrip("/"),
            config["GRAPH_LOGIN_URL"].rstrip("/"),
            retrying or Retrying.from_app(),
        )

    def token(self, fresh: bool = False) -> str:
        """The account's access token, from the cache unless `fresh` or about to expire."""
        return _tokens.token(
            (self.login_url, self.credentials["graph_tenant_id"], self.credentials["graph_client_id"]),
            fresh,
            self._request_token,
        )

    def _request_token(self) -> requests.Response:
        return send(
            self.session,
            "POST",
            f"{self.login_url}/{quote(self.credentials['graph_tenant_id'], safe='')}/oauth2/v2.0/token",
            self.retrying,
            lambda _fresh: {},
            "Microsoft Graph",
            data={
                "client_id": self.credentials["graph_client_id"],
                "client_secret": self.credentials["graph_client_secret"],
                "scope": "https://graph.microsoft.com/.default",
                "grant_type": "client_credentials",
            },
        )

    def _authorise(self, fresh: bool) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(fresh)}"}

    def get(self, url: str, **kwargs) -> dict:
        """A GET of a path under the API, or of a full @odata.nextLink."""
        full = url if url.startswith(("http://", "https://")) else self.api_url + url
        return send(
            self.session, "GET", full, self.retrying, self._authorise, "Microsoft Graph", **kwargs
        ).json()

    def values(self, path: str) -> list[dict]:
        """Every item of a collection, following @odata.nextLink to its end."""
        items: list[dict] = []
        url: str | None = path
        while url:
            body = self.get(url)
            items += body.get("value") or []
            url = body.get("@odata.nextLink")
        return items

    def meeting(self, join_url: str) -> dict:
        """The online meeting of a join link, with its organiser's id. Raises NotFound."""
        organizer = organizer_of(join_url)
        escaped = join_url.strip().replace("'", "''")
        found = self.get(
            f"/users/{quote(organizer, safe='')}/onlineMeetings",
            params={"$filter": f"JoinWebUrl eq '{escaped}'"},
        ).get("value")
        if not found:
            raise NotFound(_l("Microsoft Teams has no meeting with this join link."), 404)
        return {**found[0], "organizer_id": organizer}

    def attendance_records(self, organizer: str, meeting_id: str) -> list[dict]:
        """The records of the meeting's latest attendance report (its last session)."""
        meeting = f"/users/{quote(organizer, safe='')}/onlineMeetings/{quote(meeting_id, safe='')}"
        base = f"{meeting}/attendanceReports"
        reports = self.values(base)
        if not reports:
            return []
        latest = max(reports, key=lambda report: report.get("meetingEndDateTime") or "")
        return self.values(f"{base}/{quote(str(latest['id']), safe='')}/attendanceRecords")
