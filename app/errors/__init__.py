"""Friendly error pages: every failure a visitor can cause gets one, with its 4xx code."""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

from flask import Flask, render_template
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

log = logging.getLogger(__name__)

TITLES = {
    400: _l("This request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This cannot be done now"),
    413: _l("What you sent is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}

EXPLANATIONS = {
    400: _l("Please go back, check what you entered and try again."),
    403: _l("If you think you should have access, contact the secretariat."),
    404: _l("The page may have moved, or the link may be mistyped."),
    405: _l("Please go back and use the buttons on the page."),
    409: _l("The page may be out of date. Please reload it and try again."),
    413: _l("Please send less data, or a smaller file."),
    429: _l("Please wait a moment before trying again."),
    500: _l("The problem has been recorded. Please try again in a few minutes."),
}

CSRF_EXPLANATION = _l(
    "The form had expired or was sent from elsewhere. Please reload the page and send it again."
)


def render_error(code: int, detail: str | None = None):
    return render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, TITLES[400 if code < 500 else 500]),
        explanation=detail or EXPLANATIONS.get(code, EXPLANATIONS[400 if code < 500 else 500]),
    ), code


def register_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, str(CSRF_EXPLANATION))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Werkzeug's stock descriptions are not written for our visitors: show a
        # description only when our code passed one to abort().
        custom = error.description if "description" in vars(error) else None
        body, code = render_error(error.code or 500, custom)
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, headers

    @app.errorhandler(TooManyRequests)
    def too_many_requests(error: TooManyRequests):
        seconds = retry_after_seconds()
        body = render_template(
            "errors/429.html",
            code=429,
            title=TITLES[429],
            retry_in=format_timedelta(timedelta(seconds=seconds), threshold=1.1, add_direction=True),
        )
        return body, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        log.error("unhandled error", exc_info=error.original_exception)
        return render_error(500)


def retry_after_seconds() -> int:
    """Seconds until the limit that was hit lets a request through again (at least 1)."""
    from ..extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))
