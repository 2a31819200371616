"""A stand-in for Zoom's API, on a free port of 127.0.0.1, answering as Zoom's API reference
documents it. Each answer names the page of the reference it follows:

- token: "Server-to-Server OAuth" (developers.zoom.us/docs/internal-apps/s2s-oauth/): POST
  /oauth/token?grant_type=account_credentials&account_id=…, HTTP Basic client_id:client_secret;
  200 {"access_token", "token_type": "bearer", "expires_in": 3600, "scope", "api_url"}; wrong
  credentials 400 {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}.
- errors: "Error definitions" (developers.zoom.us/docs/api/rest/using-zoom-apis/#error-codes):
  {"code": 124, "message": "Access token is expired."} with 401; a deleted webinar
  {"code": 3001, "message": "Webinar does not exist: …"} with 404 (meetings: "Meeting does not
  exist"); "Rate limits" (developers.zoom.us/docs/api/rest/rate-limits/): 429
  {"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try
  again later."} with Retry-After.
- GET /webinars/{webinarId} "Get a webinar", GET /meetings/{meetingId} "Get a meeting": {"id",
  "uuid", "topic", "type", "start_time", "duration", "timezone", "join_url", "registration_url",
  "settings": {"approval_type"}}.
- POST /users/{userId}/webinars "Create a webinar", POST /users/{userId}/meetings "Create a
  meeting" (developers.zoom.us/docs/api/meetings/#tag/webinars/POST/users/{userId}/webinars and
  …/#tag/meetings/POST/users/{userId}/meetings; the older text in github.com/zoom/api,
  includes/webinars/post_userId_webinars): body {"topic" (at most 200 characters), "type" (5 a
  webinar; 2 a scheduled meeting), "start_time" ("yyyy-MM-ddTHH:mm:ss" in "timezone", or
  "…Z" in GMT), "timezone" (an IANA id), "duration" (minutes), "settings": {"approval_type" (0
  automatic, 1 manual, 2 no registration), "registration_type"}}; 201 with the webinar as "Get a
  webinar" gives it, start_time in GMT ("…Z"), plus "host_id", "start_url", "created_at"; an
  unknown userId 404 {"code": 1001, "message": "User does not exist: …"}; a webinar on an account
  without the webinar plan 400 {"code": 200, "message": "Cannot use webinar API, …"}
  (github.com/zoom/api errors/WebinarAPIs.md, "Create a webinar").
- PATCH /webinars/{webinarId} "Update a webinar", PATCH /meetings/{meetingId} "Update a meeting"
  (github.com/zoom/api includes/webinars/patch_webinarId, includes/meetings/patch_meetingId):
  the same fields as creating, any of them; 204 No Content.
- POST /webinars/{webinarId}/registrants "Add a webinar registrant" (meetings alike): body
  {"email", "first_name", "last_name"}; 201 {"id", "join_url", "registrant_id", "start_time",
  "topic", "occurrences"}.
- GET /webinars/{webinarId}/registrants "List webinar registrants": {"page_size",
  "total_records", "next_page_token", "registrants": [{"id", "email", "first_name",
  "last_name", "status", "join_url", "create_time"}]}; ?status=approved|pending|denied.
- PUT /webinars/{webinarId}/registrants/status "Update registrant's status": body {"action":
  "approve"|"cancel"|"deny", "registrants": [{"id", "email"}]}; 204.
- GET /report/webinars/{webinarId}/participants "Get webinar participant reports" (meetings
  alike): ?page_size (max 300) &next_page_token; {"page_count", "page_size", "total_records",
  "next_page_token", "participants": [{"id", "user_id", "name", "user_email", "join_time",
  "leave_time", "duration" (seconds), "registrant_id", "status": "in_meeting" |
  "in_waiting_room"}]}.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class ZoomStandIn:
    account_id: str = "acc-standin"
    client_id: str = "client-standin"
    client_secret: str = "secret-standin-0123456789"
    # id -> {"kind": "webinar"|"meeting", "topic", "registrants": {id: {...}}, "participants": [...]}
    meetings: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (time.time())
    token_seconds: int = 3600
    # The next calls answered 429, each with this Retry-After (None: no header).
    rate_limited: list[str | None] = field(default_factory=list)
    # Requests answered per second at most (0: no limit), as Zoom's limits per second.
    per_second: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)
    # The bodies of the webinars and meetings created, as sent; the host's user id besides "me".
    created: list[dict] = field(default_factory=list)
    host_user: str = "host@example.org"
    # False: an account without the webinar add-on ("Error definitions": 400, code 200).
    webinar_plan: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    _window: list[float] = field(default_factory=list)
    _ids = itertools.count(1)
    url: str = ""

    # --- what the tests set up ---------------------------------------------------------------

    def add_meeting(self, number: str, kind: str = "webinar", topic: str = "Partnership", participants=()):
        self.meetings[number] = {
            "kind": kind,
            "topic": topic,
            "start_time": "2026-12-20T09:00:00Z",
            "duration": 120,
            "timezone": "Europe/Brussels",
            "settings": {"approval_type": 0, "registration_type": 1},
            "registrants": {},
            "participants": list(participants),
        }
        return self.meetings[number]

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {token: 0.0 for token in self.tokens}

    def reset(self) -> None:
        with self.lock:
            self.meetings.clear()
            self.tokens.clear()
            self.rate_limited.clear()
            self.calls.clear()
            self.created.clear()
            self.per_second = 0
            self.token_seconds = 3600
            self.webinar_plan = True

    # --- the server --------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.calls.append((request.method, request.path))
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.path == "/oauth/token":
            return self.token(request)
        if not self.authorised(request):
            return _json({"code": 124, "message": "Access token is expired."}, 401)
        limited = self.limit()
        if limited is not None:
            return limited
        parts = request.path.strip("/").split("/")
        if parts[0] == "v2":
            parts = parts[1:]
        if len(parts) == 3 and parts[0] == "users" and parts[2] in ("webinars", "meetings"):
            return self.create(request, parts[1], parts[2][:-1])
        if len(parts) >= 2 and parts[0] in ("webinars", "meetings"):
            return self.meeting_call(request, parts[0][:-1], parts[1], parts[2:])
        if len(parts) == 4 and parts[0] == "report" and parts[3] == "participants":
            return self.report(request, parts[1][:-1], parts[2])
        return _json({"code": 300, "message": "Not found"}, 404)

    def token(self, request: Request) -> Response:
        if request.method != "POST":
            return _json({"error": "invalid_request"}, 405)
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _json({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}, 400)
        if (
            request.args.get("grant_type") != "account_credentials"
            or request.args.get("account_id") != self.account_id
        ):
            return _json({"reason": "Invalid request : Invalid account_id", "error": "invalid_request"}, 400)
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.time() + self.token_seconds
        return _json(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.token_seconds,
                "scope": "webinar:read:admin webinar:write:admin meeting:read:admin meeting:write:admin "
                "report:read:admin",
                "api_url": self.url,
            }
        )

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        with self.lock:
            return header.startswith("Bearer ") and self.tokens.get(token, 0) > time.time()

    def limit(self) -> Response | None:
        with self.lock:
            if self.rate_limited:
                after = self.rate_limited.pop(0)
                return _too_many(after)
            if self.per_second:
                now = time.monotonic()
                self._window = [t for t in self._window if now - t < 1.0]
                if len(self._window) >= self.per_second:
                    return _too_many("1")
                self._window.append(now)
        return None

    def meeting_call(self, request: Request, kind: str, number: str, rest: list[str]) -> Response:
        meeting = self.meetings.get(number)
        if meeting is None or meeting["kind"] != kind:
            noun = "Webinar" if kind == "webinar" else "Meeting"
            return _json({"code": 3001, "message": f"{noun} does not exist: {number}."}, 404)
        if not rest and request.method == "GET":
            return _json(self.described(kind, number))
        if not rest and request.method == "PATCH":
            body = json.loads(request.get_data() or b"{}")
            changed = _schedule(body, partial=True)
            if changed is None:
                return _json({"code": 300, "message": "Validation Failed."}, 400)
            with self.lock:
                meeting.update(changed)
            return Response(status=204)
        if rest == ["registrants"] and request.method == "POST":
            body = json.loads(request.get_data() or b"{}")
            if not body.get("email") or not body.get("first_name"):
                return _json({"code": 300, "message": "Validation Failed."}, 400)
            registrant_id = f"R{next(self._ids):08d}"
            join_url = f"https://zoom.us/w/{number}?tk={secrets.token_urlsafe(16)}"
            with self.lock:
                meeting["registrants"][registrant_id] = {
                    "id": registrant_id,
                    "email": body["email"],
                    "first_name": body["first_name"],
                    "last_name": body.get("last_name", ""),
                    "status": "approved",
                    "join_url": join_url,
                }
            return _json(
                {
                    "id": int(number),
                    "join_url": join_url,
                    "registrant_id": registrant_id,
                    "start_time": "2026-12-20T09:00:00Z",
                    "topic": meeting["topic"],
                    "occurrences": [],
                },
                201,
            )
        if rest == ["registrants"] and request.method == "GET":
            status = request.args.get("status", "approved")
            listed = [r for r in meeting["registrants"].values() if r["status"] == status]
            return self.page(request, listed, "registrants")
        if rest == ["registrants", "status"] and request.method == "PUT":
            body = json.loads(request.get_data() or b"{}")
            action = body.get("action")
            if action not in ("approve", "cancel", "deny"):
                return _json({"code": 300, "message": "Invalid action."}, 400)
            new = {"approve": "approved", "cancel": "denied", "deny": "denied"}[action]
            with self.lock:
                for item in body.get("registrants") or ():
                    found = meeting["registrants"].get(item.get("id"))
                    if found is not None:
                        found["status"] = new
            return Response(status=204)
        return _json({"code": 300, "message": "Not found"}, 404)

    def described(self, kind: str, number: str) -> dict:
        """The webinar or meeting as "Get a webinar" / "Get a meeting" give it."""
        meeting = self.meetings[number]
        return {
            "id": int(number),
            "uuid": base64.b64encode(number.encode()).decode(),
            "host_id": "KDcuGIm1QgePTO8WbOqwIQ",
            "topic": meeting["topic"],
            "type": 5 if kind == "webinar" else 2,
            "start_time": meeting["start_time"],
            "duration": meeting["duration"],
            "timezone": meeting["timezone"],
            "join_url": f"https://zoom.us/{'w' if kind == 'webinar' else 'j'}/{number}",
            "registration_url": f"https://zoom.us/{kind}/register/WN_{number}",
            "settings": dict(meeting["settings"]),
        }

    def create(self, request: Request, user: str, kind: str) -> Response:
        if request.method != "POST":
            return _json({"code": 300, "message": "Not found"}, 404)
        if user != "me" and user != self.host_user:
            return _json({"code": 1001, "message": f"User does not exist: {user}."}, 404)
        if kind == "webinar" and not self.webinar_plan:
            message = (
                "Cannot use webinar API, you need to subscribe webinar plan and enable webinar for "
                f"this user: {user}."
            )
            return _json({"code": 200, "message": message}, 400)
        body = json.loads(request.get_data() or b"{}")
        scheduled = _schedule(body, partial=False)
        if scheduled is None or body.get("type") != (5 if kind == "webinar" else 2):
            return _json({"code": 300, "message": "Validation Failed."}, 400)
        number = str(81000000000 + next(self._ids))
        with self.lock:
            self.meetings[number] = {
                "kind": kind,
                **scheduled,
                "settings": dict(body.get("settings") or {}),
                "registrants": {},
                "participants": [],
            }
            self.created.append({"kind": kind, "user": user, **body})
        answer = {
            **self.described(kind, number),
            "start_url": f"https://zoom.us/s/{number}?zak={secrets.token_urlsafe(12)}",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return _json(answer, 201)

    def report(self, request: Request, kind: str, number: str) -> Response:
        meeting = self.meetings.get(number)
        if meeting is None or meeting["kind"] != kind:
            noun = "Webinar" if kind == "webinar" else "Meeting"
            return _json({"code": 3001, "message": f"{noun} does not exist: {number}."}, 404)
        return self.page(request, meeting["participants"], "participants")

    def page(self, request: Request, items: list, key: str) -> Response:
        size = min(int(request.args.get("page_size", 30)), 300)
        start = int(request.args.get("next_page_token") or 0)
        chunk = items[start : start + size]
        following = start + size if start + size < len(items) else None
        return _json(
            {
                "page_count": (len(items) + size - 1) // size,
                "page_size": size,
                "total_records": len(items),
                "next_page_token": str(following) if following is not None else "",
                key: chunk,
            }
        )


def _schedule(body: dict, *, partial: bool) -> dict | None:
    """The topic, start (kept in GMT, as Zoom gives it back), zone and duration of a create or
    update body; None when Zoom would refuse it."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    wanted = ("topic", "start_time", "timezone", "duration")
    if not partial and any(body.get(name) in (None, "") for name in wanted):
        return None
    out = {name: body[name] for name in wanted if name in body}
    if "topic" in out and not (isinstance(out["topic"], str) and 0 < len(out["topic"]) <= 200):
        return None
    if "duration" in out and not (isinstance(out["duration"], int) and out["duration"] > 0):
        return None
    try:
        zone = ZoneInfo(body.get("timezone") or "UTC")
        if "start_time" in out:
            given = out["start_time"]
            when = datetime.fromisoformat(given.replace("Z", "+00:00"))
            if when.tzinfo is None:  # local time in the timezone given
                when = when.replace(tzinfo=zone)
            out["start_time"] = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, TypeError, AttributeError, ZoneInfoNotFoundError):
        return None
    return out


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _too_many(after: str | None) -> Response:
    response = _json(
        {
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
        },
        429,
    )
    if after is not None:
        response.headers["Retry-After"] = after
    return response


def participant(name: str, email: str, join: str, leave: str, *, status: str = "in_meeting") -> dict:
    """One row of a participant report, as the report API gives it."""
    from datetime import datetime

    seconds = int((datetime.fromisoformat(leave) - datetime.fromisoformat(join)).total_seconds())
    return {
        "id": secrets.token_hex(6),
        "user_id": str(abs(hash(email)) % 10**8),
        "name": name,
        "user_email": email,
        "join_time": join,
        "leave_time": leave,
        "duration": seconds,
        "registrant_id": "",
        "status": status,
    }


def start() -> tuple[ZoomStandIn, object]:
    """The stand-in on a free port of 127.0.0.1, served by a thread; returns it and its server."""
    standin = ZoomStandIn()
    server = make_server("127.0.0.1", 0, standin, threaded=True)
    standin.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin, server
