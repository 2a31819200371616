"""The JSON API, version 1, under /api/v1/: described by the OpenAPI document its schemas
generate (/api/v1/openapi.json), browsable at /api/v1/docs, every error a problem-details body.

`init_app` is called by the factory after the site's error pages are registered.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_cors import CORS
from werkzeug.exceptions import BadRequest

from .errors import API_PREFIX, api, problem_abort

BODY_METHODS = {"POST", "PUT", "PATCH"}
CORS_METHODS = ["GET", "POST", "OPTIONS"]
CORS_HEADERS = ["Content-Type", "Authorization"]
CORS_EXPOSED = ["Retry-After", "Location"]
CORS_MAX_AGE_SECONDS = 600


def init_app(app: Flask) -> None:
    from ..extensions import csrf
    from . import (  # noqa: F401
        attendance,
        docs,
        errors,
        events,
        meetings,
        organiser,
        platform_hooks,
        registrations,
        series,
        summaries,
    )

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for blueprint in (series.bp, events.bp, summaries.bp, registrations.bp, organiser.bp, platform_hooks.bp):
        csrf.exempt(blueprint)  # JSON from other systems: no browser session, no form token
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    app.before_request(check_body)
    cors(app)
    errors.install(app)


def _is_api_call() -> bool:
    return request.path.startswith(API_PREFIX)


def check_body():
    """A body must be JSON, small, and well formed, before any view or schema sees it (a report
    upload is multipart instead)."""
    if not _is_api_call() or request.method not in BODY_METHODS or request.url_rule is None:
        return None
    if request.method not in (request.url_rule.methods or ()):
        return None  # the 405 comes next
    if getattr(current_app.view_functions.get(request.endpoint), "takes_report", False):
        from .attendance import check_upload

        return check_upload()  # a file upload: multipart, with the reports' own size limit
    limit = current_app.config["API_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        problem_abort(413, _("The request body is larger than %(limit)d bytes.", limit=limit))
    request.max_content_length = limit
    if not request.is_json:
        problem_abort(415)
    try:
        request.get_json()
    except (BadRequest, RecursionError):  # nested deeper than the parser goes is not a form's body
        problem_abort(400, _("The request body is not valid JSON."), slug="malformed-json")
    return None


def cors(app: Flask) -> None:
    """Cross-origin calls to the API only from the configured origins; any other origin, and every
    page of the site, gets no CORS header."""
    CORS(
        app,
        resources={rf"{re.escape(API_PREFIX)}.*": {}},
        origins=app.config["API_CORS_ORIGINS"],
        methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=CORS_MAX_AGE_SECONDS,
        # Without an Origin, no CORS header (Flask-CORS would otherwise list every allowed origin).
        always_send=False,
        # Error responses pass through `after_request` already; Flask's handlers stay unwrapped.
        intercept_exceptions=False,
    )
    app.after_request(vary_on_origin)


def vary_on_origin(response):
    """A cache must not hand one origin's answer to another: Flask-CORS says so only when more than
    one origin is configured, yet with one the answer differs between it and the rest."""
    if _is_api_call():
        response.vary.add("Origin")
    return response
