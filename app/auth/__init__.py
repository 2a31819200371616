"""Signing in and out of the console, and accepting an invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, current_app, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l

from ..security import serves_a_file

bp = Blueprint("auth", __name__, url_prefix="/console")

SIGNED_IN_AT = "signed_in_at"


def configure_login(app: Flask) -> None:
    from ..extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to use the console.")
    login_manager.login_message_category = "info"
    # A stolen cookie used from elsewhere is refused: the session is dropped (SignInManager).
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_unexpired)
    app.session_interface = PagesOnlySessionInterface()


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    """The session cookie is refreshed by pages, never by a file (a stylesheet, the icon the
    browser asks for after the page): one answered after the browser dropped its cookie (signed
    out in another tab) would put the old one back, and a shared cache cannot keep a response
    that sets a cookie."""

    def save_session(self, app: Flask, session_, response) -> None:
        if not serves_a_file():
            super().save_session(app, session_, response)


def _load_unexpired(session_id: str):
    """The signed-in account, unless the session is older than the absolute limit."""
    from ..services.accounts.accounts import load_account

    started = session.get(SIGNED_IN_AT)
    limit = timedelta(hours=current_app.config["CONSOLE_SESSION_MAX_HOURS"])
    if started is None or datetime.now(UTC) - datetime.fromtimestamp(started, UTC) > limit:
        session.clear()
        return None
    return load_account(session_id)


from . import routes  # noqa: E402,F401
