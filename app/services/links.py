"""Links that leave the site (in emails, calendar files) and the tokens inside them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
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
CHECK_IN_KEY_PURPOSE = b"plenary.check-in-code"


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


# --- a focal point's link to nominate their delegation ---------------------------------------------

NOMINATION_SALT = "plenary.nominate-delegation"
# How long a focal point's link works; the event's nomination deadline may end it earlier.
NOMINATION_LINK_LIFE = timedelta(days=30)


def _nomination_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=NOMINATION_SALT)


def nomination_token(event_id: int, focal_point_id: int, email: str) -> str:
    """Signed, dated, and bound to the focal point's address (a contact replaced at the same
    id opens nothing)."""
    return _nomination_serializer().dumps([event_id, focal_point_id, _address_mark(email)])


def read_nomination_token(token: str) -> tuple[int, int, str] | None:
    """(event id, focal point id, address mark), or None for a forged or expired link."""
    if not token or len(token) > 300:
        return None
    try:
        event_id, focal_point_id, mark = _nomination_serializer().loads(
            token, max_age=int(NOMINATION_LINK_LIFE.total_seconds())
        )
    except (BadData, TypeError, ValueError):
        return None
    if not (isinstance(event_id, int) and isinstance(focal_point_id, int) and isinstance(mark, str)):
        return None
    return event_id, focal_point_id, mark


def nominee_token(nomination_id: int, email: str) -> str:
    """A nominee's link to their pre-filled registration form: signed, dated, bound to the
    address they were nominated with."""
    return _nomination_serializer().dumps(["nominee", nomination_id, _address_mark(email)])


def read_nominee_token(token: str) -> tuple[int, str] | None:
    """(nomination id, address mark), or None for a forged or expired link."""
    if not token or len(token) > 300:
        return None
    try:
        kind, nomination_id, mark = _nomination_serializer().loads(
            token, max_age=int(NOMINATION_LINK_LIFE.total_seconds())
        )
    except (BadData, TypeError, ValueError):
        return None
    if kind != "nominee" or not isinstance(nomination_id, int) or not isinstance(mark, str):
        return None
    return nomination_id, mark


def address_matches(email: str, mark: str) -> bool:
    return hmac.compare_digest(_address_mark(email), mark)


# --- check-in codes ------------------------------------------------------------------------------
#
# The QR code of a badge or a confirmation email: "P1-<event id>-<registration id>-<MAC>". It
# names no person (ids only), and only this site can make one: the MAC is an HMAC-SHA256 of both
# ids under a key of its own, derived from SECRET_KEY, cut to 130 bits, in upper-case base32 so
# that the whole code fits QR's compact alphanumeric mode. It does not expire: a badge serves to
# the end of the meeting; a cancelled or erased registration is refused where the code is read.

CHECK_IN_CODE = re.compile(r"P1-([0-9]{1,10})-([0-9]{1,10})-([A-Z2-7]{26})")


@dataclass(frozen=True)
class CheckInCode:
    event_id: int
    registration_id: int


def _check_in_mac(event_id: int, registration_id: int) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), CHECK_IN_KEY_PURPOSE, hashlib.sha256).digest()
    digest = hmac.new(key, f"{event_id}:{registration_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:26]


def check_in_code(registration: Registration) -> str:
    event_id, registration_id = registration.event_id, registration.id
    return f"P1-{event_id}-{registration_id}-{_check_in_mac(event_id, registration_id)}"


def read_check_in_code(code: str) -> CheckInCode | None:
    """The ids a check-in code holds, or None for anything this site did not make."""
    match = CHECK_IN_CODE.fullmatch((code or "").strip().upper()[:100])
    if match is None:
        return None
    event_id, registration_id = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3], _check_in_mac(event_id, registration_id)):
        return None
    return CheckInCode(event_id, registration_id)
