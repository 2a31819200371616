"""RFC 9457 problem details for every failure under /api/, never an HTML page.

The site's error pages stay as they are: the handlers registered before the
API are wrapped, and only a request under the API's prefix is answered with
`application/problem+json`.
"""

from __future__ import annotations

import http
import logging
from functools import wraps
from typing import Any, NoReturn

import marshmallow as ma
from flask import Flask, Response, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from flask_smorest.spec import prepare_response
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
PROBLEM_TYPE_PREFIX = "/api/v1/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemErrorSchema(ma.Schema):
    field = ma.fields.String(required=True, metadata={"description": "The field, e.g. `email` or `events.0`"})
    message = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """What every error of the API answers (RFC 9457)."""

    type = ma.fields.String(required=True, metadata={"description": "A stable URI naming the problem"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.List(
        ma.fields.Nested(ProblemErrorSchema),
        metadata={"description": "Each field that was refused, with the reason (validation errors)"},
    )


# slug, title: one stable `type` per kind of problem; the slug is the documentation's anchor.
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", _l("Bad request")),
    401: ("unauthorized", _l("Authentication required")),
    403: ("forbidden", _l("Forbidden")),
    404: ("not-found", _l("Not found")),
    405: ("method-not-allowed", _l("Method not allowed")),
    409: ("conflict", _l("Conflict")),
    413: ("payload-too-large", _l("Request body too large")),
    415: ("unsupported-media-type", _l("Unsupported media type")),
    422: ("validation-error", _l("Validation error")),
    429: ("rate-limited", _l("Too many requests")),
    500: ("server-error", _l("Internal server error")),
}

DETAILS: dict[int, str] = {
    400: _l("The request could not be understood."),
    401: _l("Send a valid API token in the Authorization header."),
    403: _l("Your token does not allow this."),
    404: _l("There is nothing here, or it is not published."),
    405: _l("This method is not allowed on this resource."),
    409: _l("This cannot be done in the current state of the resource."),
    413: _l("The request body is too large."),
    415: _l("Send the request body as JSON, with Content-Type: application/json."),
    422: _l("Some fields are not valid: see `errors`."),
    429: _l("Too many requests: wait as long as Retry-After says, then try again."),
    500: _l("Something went wrong on our side. The problem has been recorded."),
}

# More precise kinds of problem, raised with `problem_abort(..., slug=...)`.
EXTRA_PROBLEMS: dict[str, str] = {
    "malformed-json": _l("Malformed JSON"),
    "registration-closed": _l("Registration closed"),
    "report-not-recognised": _l("Participant report not recognised"),
    "report-unreadable": _l("Participant report not readable"),
    "already-imported": _l("Report already imported"),
    "meeting-not-found": _l("Meeting not found on the platform"),
    "platform-not-configured": _l("Platform credentials not set"),
    "platform-not-supported": _l("Platform not supported yet"),
    "platform-failed": _l("The platform refused or failed the call"),
}


def problem_type(slug: str) -> str:
    return PROBLEM_TYPE_PREFIX + slug


def all_problems() -> list[tuple[str, str, int | None]]:
    """(slug, title, status) of every problem the API answers, for the documentation."""
    listed = [(slug, str(title), status) for status, (slug, title) in PROBLEMS.items()]
    return listed + [(slug, str(title), None) for slug, title in EXTRA_PROBLEMS.items()]


class ProblemApi(Api):
    """flask-smorest, with every error a problem-details body and documented as one, through its
    public hooks only: `ERROR_SCHEMA`, `handle_http_exception`, and the spec's response components."""

    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app: Flask, *, spec_kwargs=None) -> None:
        site_pages = app.error_handler_spec[None][None].get(HTTPException)
        super().init_app(app, spec_kwargs=spec_kwargs)
        if site_pages is not None:
            # flask-smorest takes over every HTTPException; the site's pages stay the site's, and
            # `install` below sends only the errors under /api/ to problem details.
            app.register_error_handler(HTTPException, site_pages)
        self.document_problems()

    def handle_http_exception(self, error: HTTPException) -> Response:
        return http_problem(error)

    def document_problems(self) -> None:
        """flask-smorest documents its errors as JSON: they are registered again (lazily, under its
        names, so the operations refer to them unchanged) as problem details."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            self._document(status.name, response)
        default = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        self._document(self.DEFAULT_ERROR_RESPONSE_NAME, default)

    def _document(self, name: str, response: dict) -> None:
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(name, response, lazy=True)


# The JSON API (flask-smorest). It lives with the API, not in app/extensions.py: the models and
# the database layer import the extensions, and must not import the API above them.
api = ProblemApi()


class ProblemException(HTTPException):
    """An error of ours with a precise problem type, a detail and field errors."""

    def __init__(
        self, status: int, detail: str | None = None, *, slug: str | None = None, errors=None, headers=None
    ):
        super().__init__(description=detail)
        self.code = status
        self.slug = slug
        self.errors = errors
        self.extra_headers = dict(headers or {})

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]


def problem_abort(
    status: int, detail: str | None = None, *, slug: str | None = None, errors=None
) -> NoReturn:
    raise ProblemException(status, detail, slug=slug, errors=errors)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    errors: list[dict] | None = None,
    headers=None,
) -> Response:
    default_slug, title = PROBLEMS.get(status, PROBLEMS[400 if status < 500 else 500])
    slug = slug or default_slug
    body = {
        "type": problem_type(slug),
        "title": str(EXTRA_PROBLEMS.get(slug, title)),
        "status": status,
        "detail": str(detail or DETAILS.get(status, DETAILS[400 if status < 500 else 500])),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in headers or ():
        response.headers[name] = value
    return response


def field_errors(messages) -> list[dict]:
    """webargs' nested {location: {field: [messages]}} as a flat list naming each field."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "path", "headers", "form", "files"}:
        return [error for location in messages.values() for error in _flatten(location, "")]
    return _flatten(messages, "")


def _flatten(messages, prefix: str) -> list[dict]:
    if isinstance(messages, dict):
        return [
            error
            for key, value in messages.items()
            for error in _flatten(value, _join(prefix, "" if key == "_schema" else str(key)))
        ]
    if isinstance(messages, list | tuple) and messages and all(isinstance(m, str) for m in messages):
        return [{"field": prefix or "body", "message": str(message)} for message in messages]
    if isinstance(messages, list | tuple):
        return [e for index, item in enumerate(messages) for e in _flatten(item, _join(prefix, str(index)))]
    return [{"field": prefix or "body", "message": str(messages)}]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and key else prefix or key


def http_problem(error: HTTPException) -> Response:
    """Any HTTPException (ours, webargs', Werkzeug's, Flask-Limiter's) as a problem."""
    status = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if isinstance(error, ProblemException):
        return problem_response(
            status, error.description, slug=error.slug, errors=error.errors, headers=headers
        )
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else None
    # Werkzeug's stock descriptions are for HTML pages: show ours unless code passed one.
    custom = error.description if "description" in vars(error) and status != 429 else None
    if status == 429:
        custom = _("Too many requests (%(limit)s): try again later.", limit=error.description)
    return problem_response(status, custom, errors=errors, headers=headers)


def install(app: Flask) -> None:
    """Answer errors under /api/ with problem details; call after the site's handlers exist."""
    for handlers in app.error_handler_spec[None].values():
        for exc_class, handler in list(handlers.items()):
            app.register_error_handler(exc_class, _api_first(handler))
    if HTTPException not in app.error_handler_spec[None].get(None, {}):
        app.register_error_handler(HTTPException, _api_first(None))
    if InternalServerError not in app.error_handler_spec[None].get(500, {}):
        app.register_error_handler(InternalServerError, _api_first(None))


def _api_first(handler):
    def answer(error):
        if is_api_request() or handler is None:
            if isinstance(error, InternalServerError):
                log.error("unhandled error in the API", exc_info=error.original_exception)
            return http_problem(error)
        return handler(error)

    return wraps(handler)(answer) if handler is not None else answer
