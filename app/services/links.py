"""Links that leave the site (in emails, calendar files) and the tokens inside them."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from ..extensions import db
from ..models import Registration

MANAGE_SALT = "plenary.manage-registration"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL, never on the Host header of the request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def site_host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT)


def manage_token(registration: Registration) -> str:
    """Signed, and bound to the registration's current key, so a new key revokes it."""
    return _serializer().dumps([registration.id, registration.manage_key])


def manage_url(registration: Registration) -> str:
    return external_url("registration.manage", token=manage_token(registration))


def registration_for_token(token: str) -> Registration | None:
    """The registration a manage link points at, or None for a forged or revoked one, or one whose
    data is no longer kept: a link works as long as the data it shows (retention and erasure
    also empty the key, so this holds twice)."""
    if not token or len(token) > 300:
        return None
    try:
        registration_id, key = _serializer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(registration_id, int) or not isinstance(key, str):
        return None
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.anonymised_dt is not None:
        return None
    if not hmac.compare_digest(registration.manage_key, key):
        return None
    return registration
