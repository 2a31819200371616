"""A stand-in for Microsoft Graph (Teams meetings and their attendance), on a free port of
127.0.0.1, answering as Graph's reference documents it (learn.microsoft.com/graph/api/…):

- token, "Get access without a user": POST /{tenant}/oauth2/v2.0/token (form client_id,
  client_secret, scope, grant_type=client_credentials) → {"token_type": "Bearer",
  "expires_in": 3599, "ext_expires_in", "access_token"}; wrong secret 401 {"error":
  "invalid_client", "error_description"};
- errors, "Microsoft Graph error responses": {"error": {"code", "message"}}; an expired token
  401 {"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed,
  the token is expired."}};
- "Get onlineMeeting": GET /v1.0/users/{userId}/onlineMeetings?$filter=JoinWebUrl eq '…' →
  {"@odata.context", "value": [{"id", "subject", "joinWebUrl", "startDateTime", "endDateTime"}]};
- "List meetingAttendanceReports": GET …/onlineMeetings/{id}/attendanceReports → {"value":
  [{"id", "totalParticipantCount", "meetingStartDateTime", "meetingEndDateTime"}]};
- "List attendanceRecords": GET …/attendanceReports/{reportId}/attendanceRecords → {"value":
  [{"id", "emailAddress", "totalAttendanceInSeconds", "role", "identity": {"id", "displayName",
  "tenantId"}, "attendanceIntervals": [{"joinDateTime", "leaveDateTime", "durationInSeconds"}]}],
  "@odata.nextLink"} (paged: Graph decides the page size and gives the next page's full URL).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

PAGE = 100


@dataclass
class GraphStandIn:
    tenant_id: str = "tenant-standin"
    client_id: str = "graph-client-standin"
    client_secret: str = "graph-secret-standin-0123456789"
    # (organizer id, join URL) -> {"id", "subject", "reports": [{"id", "end", "records": [...]}]}
    meetings: dict[tuple[str, str], dict] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def add_meeting(self, organizer: str, join_url: str, subject: str, reports: list[dict]) -> dict:
        meeting = {"id": "MSo" + secrets.token_hex(8), "subject": subject, "reports": reports}
        self.meetings[(organizer, join_url)] = meeting
        return meeting

    def reset(self) -> None:
        with self.lock:
            self.meetings.clear()
            self.tokens.clear()
            self.calls.clear()

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {token: 0.0 for token in self.tokens}

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.calls.append((request.method, request.path))
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.path == f"/{self.tenant_id}/oauth2/v2.0/token":
            return self.token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self.lock:
            valid = self.tokens.get(token, 0) > time.time()
        if not valid:
            message = "Lifetime validation failed, the token is expired."
            return _json({"error": {"code": "InvalidAuthenticationToken", "message": message}}, 401)
        parts = [unquote(part) for part in request.path.strip("/").split("/")]
        if parts[:2] != ["v1.0", "users"] or len(parts) < 4 or parts[3] != "onlineMeetings":
            return _not_found()
        organizer = parts[2]
        if len(parts) == 4:
            wanted = request.args.get("$filter", "").removeprefix("JoinWebUrl eq '").removesuffix("'")
            found = self.meetings.get((organizer, wanted.replace("''", "'")))
            value = [] if found is None else [_meeting(found, wanted)]
            return _json({"@odata.context": "…/onlineMeetings", "value": value})
        meeting = next(
            (m for (o, _), m in self.meetings.items() if o == organizer and m["id"] == parts[4]), None
        )
        if meeting is None:
            return _not_found()
        if parts[5:] == ["attendanceReports"]:
            return _json({"value": [_report(report) for report in meeting["reports"]]})
        if len(parts) == 8 and parts[5] == "attendanceReports" and parts[7] == "attendanceRecords":
            report = next((r for r in meeting["reports"] if r["id"] == parts[6]), None)
            if report is None:
                return _not_found()
            start = int(request.args.get("$skiptoken") or 0)
            body: dict = {"value": report["records"][start : start + PAGE]}
            if start + PAGE < len(report["records"]):
                body["@odata.nextLink"] = f"{self.url}{quote(request.path)}?$skiptoken={start + PAGE}"
            return _json(body)
        return _not_found()

    def token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _json(
                {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}, 401
            )
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return _json({"error": "invalid_request", "error_description": "AADSTS900144"}, 400)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.time() + 3599
        return _json(
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        )


def _meeting(meeting: dict, join_url: str) -> dict:
    return {
        "id": meeting["id"],
        "subject": meeting["subject"],
        "joinWebUrl": join_url,
        "startDateTime": "2026-12-01T09:00:00Z",
        "endDateTime": "2026-12-01T11:00:00Z",
    }


def _report(report: dict) -> dict:
    return {
        "id": report["id"],
        "totalParticipantCount": len(report["records"]),
        "meetingStartDateTime": report.get("start", "2026-12-01T09:00:00Z"),
        "meetingEndDateTime": report["end"],
    }


def record(name: str, email: str, intervals: list[tuple[str, str]], role: str = "Attendee") -> dict:
    """One attendanceRecord, as Graph gives it."""
    from datetime import datetime

    spans = [
        {
            "joinDateTime": join,
            "leaveDateTime": leave,
            "durationInSeconds": int(
                (datetime.fromisoformat(leave) - datetime.fromisoformat(join)).total_seconds()
            ),
        }
        for join, leave in intervals
    ]
    return {
        "id": secrets.token_hex(8),
        "emailAddress": email,
        "totalAttendanceInSeconds": sum(span["durationInSeconds"] for span in spans),
        "role": role,
        "identity": {"id": secrets.token_hex(8), "displayName": name, "tenantId": None},
        "attendanceIntervals": spans,
    }


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _not_found() -> Response:
    return _json({"error": {"code": "NotFound", "message": "The requested resource does not exist."}}, 404)


def start() -> tuple[GraphStandIn, object]:
    standin = GraphStandIn()
    server = make_server("127.0.0.1", 0, standin, threaded=True)
    standin.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin, server
