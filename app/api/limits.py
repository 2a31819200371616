"""The API's rate limits, each read from the configuration at request time.

Declared once, at import: the blueprints are module-level objects shared by every app the
factory builds, so a limit attached in `init_app` would be attached again for each app.
"""

from __future__ import annotations

from flask import current_app, request

from .. import rate_limits
from ..extensions import limiter
from ..registration.forms import normalise_email


def _limits_off() -> bool:
    return not current_app.config["API_RATELIMIT_ENABLED"]


def _email_key() -> str:
    """Registrations are counted per email address sent from one client address, as on the web
    form: one client cannot flood an inbox, nor use up the count of the address's owner."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str):
        return "api-registration-email:" + rate_limits.client_address()
    try:
        return "api-registration-email:" + rate_limits.per_client_and(normalise_email(email))
    except ValueError:  # refused anyway (422); one shared bucket keeps junk out of the storage's keys
        return "api-registration-email:" + rate_limits.client_address() + "/invalid"


reads = limiter.limit(lambda: current_app.config["API_READ_LIMIT"], exempt_when=_limits_off)
registrations_per_address = limiter.limit(
    lambda: current_app.config["API_REGISTRATION_LIMIT"], exempt_when=_limits_off
)


# As on the web form, only a request that emailed someone (a confirmation, the "already
# registered" notice) counts: refused ones cannot use anyone's count up.
registrations_per_email = limiter.limit(
    lambda: current_app.config["API_REGISTRATION_EMAIL_LIMIT"],
    key_func=_email_key,
    exempt_when=_limits_off,
    deduct_when=rate_limits.emails_were_sent,
)
