"""Who may do what in the console, checked on the server for every request.

Each view declares its role with `@requires(...)`. The check runs before any
view of a protected blueprint (the console, attendance, reports), so a view
cannot forget it: one that declares nothing needs an admin, and a viewer can
never send a change (any method but GET).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from ..extensions import login_manager
from ..models import AccountRole, RegistrationStatus
from . import bp

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


def check_access():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
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


@bp.app_context_processor
def roles():
    return {"AccountRole": AccountRole, "RegistrationStatus": RegistrationStatus}
