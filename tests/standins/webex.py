"""A stand-in for the Webex Meetings API, on a free port of 127.0.0.1, answering as its
reference documents it (developer.webex.com/docs/api/v1/…):

- "List Meetings": GET /v1/meetings?meetingNumber=…[&meetingType=meeting] → {"items": [{"id",
  "meetingNumber", "title", "start", "end", "webLink", "meetingType", "state"}]}: the series by
  default, the instances held with meetingType=meeting;
- "List Meeting Participants": GET /v1/meetingParticipants?meetingId=…&max=… → {"items":
  [{"id", "meetingId", "displayName", "email", "joinedTime", "leftTime", "host", "devices":
  [{"joinedTime", "leftTime", "durationSecond"}]}]}, the next page in `Link: <…>; rel="next"`
  ("Pagination": developer.webex.com/docs/basics);
- errors {"message", "errors": [{"description"}], "trackingId"}: 401 for a wrong token.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class WebexStandIn:
    token: str = "webex-token-standin-0123456789"
    # number -> {"series": {...}, "instances": [{"id", "start", "participants": [...]}]}
    meetings: dict[str, dict] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def add_meeting(self, number: str, title: str, instances: list[dict]) -> dict:
        series = {
            "id": secrets.token_hex(16),
            "meetingNumber": number,
            "title": title,
            "meetingType": "meetingSeries",
        }
        self.meetings[number] = {"series": series, "instances": instances}
        return self.meetings[number]

    def reset(self) -> None:
        with self.lock:
            self.meetings.clear()
            self.calls.clear()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.calls.append((request.method, request.full_path))
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(
                "The request requires a valid access token set in the Authorization request header.", 401
            )
        if request.path == "/v1/meetings":
            found = self.meetings.get(request.args.get("meetingNumber", ""))
            if found is None:
                return _json({"items": []})
            if request.args.get("meetingType") == "meeting":
                items = [
                    {
                        "id": i["id"],
                        "meetingNumber": request.args["meetingNumber"],
                        "start": i["start"],
                        "state": "ended",
                    }
                    for i in found["instances"]
                ]
                return _json({"items": items})
            series = {
                **found["series"],
                "webLink": f"https://example.webex.com/meet/{found['series']['meetingNumber']}",
            }
            return _json({"items": [series]})
        if request.path == "/v1/meetingParticipants":
            instance = next(
                (
                    i
                    for m in self.meetings.values()
                    for i in m["instances"]
                    if i["id"] == request.args.get("meetingId")
                ),
                None,
            )
            if instance is None:
                return _error("Meeting not found.", 404)
            size = int(request.args.get("max", 10))
            start = int(request.args.get("offset", 0))
            response = _json({"items": instance["participants"][start : start + size]})
            if start + size < len(instance["participants"]):
                query = f"meetingId={instance['id']}&max={size}&offset={start + size}"
                following = f"{self.url}/v1/meetingParticipants?{query}"
                response.headers["Link"] = f'<{following}>; rel="next"'
            return response
        return _error("The requested resource could not be found.", 404)


def participant(name: str, email: str, joined: str, left: str) -> dict:
    return {
        "id": secrets.token_hex(8),
        "displayName": name,
        "email": email,
        "joinedTime": joined,
        "leftTime": left,
        "host": False,
        "devices": [{"joinedTime": joined, "leftTime": left, "durationSecond": 0}],
    }


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(message: str, status: int) -> Response:
    return _json({"message": message, "errors": [{"description": message}], "trackingId": "ROUTER_1"}, status)


def start() -> tuple[WebexStandIn, object]:
    standin = WebexStandIn()
    server = make_server("127.0.0.1", 0, standin, threaded=True)
    standin.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return standin, server
