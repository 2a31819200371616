"""Links that leave the site (in emails, calendar files) and the tokens inside them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from ..extensions import db
from ..models import Delegate, Registration

MANAGE_SALT = "plenary.manage-registration"
MY_REGISTRATIONS_SALT = "plenary.my-registrations"
# How long the link to a person's list of registrations works: it is asked for to be used now.
MY_REGISTRATIONS_LINK_LIFE = timedelta(hours=24)


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


# --- a person's list of registrations ---------------------------------------------------------------


def _my_registrations_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=MY_REGISTRATIONS_SALT)


def _address_mark(email: str) -> str:
    """Binds a link to the address it was sent to without holding it (the token is readable):
    erasure replaces the address, and the link then names nobody."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:24]


def my_registrations_token(delegate: Delegate) -> str:
    """Signed, dated (it works for MY_REGISTRATIONS_LINK_LIFE) and bound to the address."""
    return _my_registrations_serializer().dumps([delegate.id, _address_mark(delegate.email)])


def my_registrations_url(delegate: Delegate) -> str:
    return external_url("registration.my_registrations", token=my_registrations_token(delegate))


def delegate_for_token(token: str) -> Delegate | None:
    """The person a link to their list names, or None for a forged or expired link, or a person
    whose data is erased."""
    if not token or len(token) > 300:
        return None
    try:
        delegate_id, mark = _my_registrations_serializer().loads(
            token, max_age=int(MY_REGISTRATIONS_LINK_LIFE.total_seconds())
        )
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(delegate_id, int) or not isinstance(mark, str):
        return None
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None or delegate.anonymised_dt is not None:
        return None
    if not hmac.compare_digest(_address_mark(delegate.email), mark):
        return None
    return delegate
