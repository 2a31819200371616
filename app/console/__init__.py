"""The organiser console: run series and events, manage registrations, write to registrants.

Every route is behind sign-in, and every route states the role it needs (see
`access.py`); a route that states none is refused to everyone but admins.
"""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

from . import (  # noqa: E402,F401
    access,
    accounts,
    api_tokens,
    focal_points,
    follow_up,
    home,
    integrations,
    mailouts,
    messages,
    nominations,
    privacy,
    programme,
    questions,
    registrations,
    visa_letters,
    webhooks,
)
