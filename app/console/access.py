"""Who may do what in the console, checked on the server for every request.

Each view declares its role with `@requires(...)`. The check runs before any
view of a protected blueprint (the console, attendance, reports), so a view
cannot forget it: one that declares nothing needs an admin, and a viewer can
never send a change (any method but GET).

A partner's account (rights on some series only, `Account.series_grants`) is held to those
series here too, before the role: `check_scope` answers 404 for an address naming anything of
another series, of a standalone event or of the whole programme, as if it did not exist, and the
role then checked is the one granted on that series. Its lists go through one filter
(`queries.only_reachable`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from ..models import Account, AccountRole, RegistrationStatus
from . import bp
from .queries import UNREACHABLE, reachable_series, series_named_by

REQUIRED_ROLE = "required_role"


def requires(role: AccountRole) -> Callable:
    def mark(view: Callable) -> Callable:
        setattr(view, REQUIRED_ROLE, role)
        return view

    return mark


def required_role(endpoint: str | None, method: str) -> AccountRole:
    view = current_app.view_functions.get(endpoint or "")
    role = getattr(view, REQUIRED_ROLE, AccountRole.ADMIN)
    if method not in ("GET", "HEAD") and role == AccountRole.VIEWER:
        return AccountRole.ORGANISER
    return role


# The names of the blueprints behind sign-in; the access tests walk all their rules.
protected_blueprints: set[str] = set()


# The pages naming no series or event that a partner may still open: its lists (filtered by
# `queries.only_reachable`), a new event (its form offers the partner's series only, and no
# standalone event) and its own API tokens. Every other such page is the programme's.
PARTNER_PAGES = {
    "console.home",
    "console.programme",
    "console.event_new",
    "console.mail_log",
    "console.api_tokens",
    "console.api_token_create",
    "console.api_token_revoke",
    "api_organiser.mail_log",
}


def reaches(account: Account, endpoint: str | None, view_args: dict | None) -> bool:
    """Whether `account` may reach the address at all; for a partner, it then acts with the role
    granted on the series the address is about."""
    account.act_in(None)  # every request starts outside any one series
    reachable = reachable_series(account)
    if reachable is None or endpoint in PARTNER_PAGES:
        return True
    named = series_named_by(view_args or {})
    if not named or UNREACHABLE in named or len(named) != 1 or not named <= reachable:
        return False
    (series_id,) = named
    account.act_in(series_id)  # type: ignore[arg-type]  # an id of `reachable`
    return True


def check_scope(account: Account) -> None:
    """404, not 403, for what a partner does not reach: it must not learn that it exists."""
    if not reaches(account, request.endpoint, request.view_args):
        abort(404)


def check_access():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    check_scope(current_user)
    if not current_user.can(required_role(request.endpoint, request.method)):
        abort(403)
    return None


def private_pages(response):
    # Registrants' data: never kept by a shared cache or the browser's history.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def protect(blueprint: Blueprint) -> None:
    """Put every view of `blueprint` behind sign-in and its declared role."""
    protected_blueprints.add(blueprint.name)
    blueprint.before_request(check_access)
    blueprint.after_request(private_pages)


protect(bp)


def opens(endpoint: str) -> bool:
    """Whether a page of the whole programme (one that names no series) opens for the signed-in
    account: the console's navigation shows no link that would answer "not found" or
    "forbidden". Unlike `reaches`, it leaves the series the request acts in as it is."""
    account = current_user
    if not account.is_authenticated or (account.is_partner and endpoint not in PARTNER_PAGES):
        return False
    # Checked there as outside any series (`reaches`), whichever series this page is about.
    return account.role_outside_series.can(required_role(endpoint, "GET"))


@bp.app_context_processor
def roles():
    return {"AccountRole": AccountRole, "RegistrationStatus": RegistrationStatus, "opens": opens}
