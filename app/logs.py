"""Logs a machine can read: one JSON object a line, each with the request's id.

The id comes from the X-Request-ID header a proxy sets (when it looks like
one), or is made here; it goes back in the response, so a delegate's report of
a failure can be found in the logs.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from urllib.parse import quote

from flask import Flask, g, has_request_context, request

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
log = logging.getLogger("plenary.request")
# No word of our routes is longer (the longest, "registrations.xlsx", has 18 characters); the
# tokens of manage links and invitations are. See `logged_route`.
LONGEST_WORD = 19


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "route", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def logged_route() -> str:
    """What the log says a request was for: the pattern of its route ("/registrations/manage/
    <token>"), never the values in its URL, as the token of a manage link or an invitation opens
    what it stands for. A URL no route matches: its path, each segment too long to be a word of
    ours left out ("…") and the rest percent-encoded (no line break can forge a log line)."""
    if request.url_rule is not None:
        return request.url_rule.rule
    return "/".join(
        quote(part, safe="") if len(part) <= LONGEST_WORD else "…" for part in request.path.split("/")
    )


def register_request_ids(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def report_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if app.config["LOG_REQUESTS"]:
            route = logged_route()
            log.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(1000 * (time.perf_counter() - g.get("request_started", 0)), 1),
                    "remote_addr": request.remote_addr,
                },
            )
        return response
