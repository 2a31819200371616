"""Personal API tokens in the API: read from `Authorization: Bearer ...`, checked against
their scope and their owner's role (for a partner, the one on the series asked about). They
are made, revoked and checked by app/services/accounts/api_tokens.py."""

from __future__ import annotations

from functools import wraps
from typing import NoReturn

from flask import abort, g, request
from flask_babel import gettext as _

from ..console.access import reaches
from ..models import AccountRole, ApiToken, ApiTokenScope
from ..services.accounts.api_tokens import valid_token
from .errors import ProblemException


def _unauthorized(detail: str) -> NoReturn:
    raise ProblemException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="plenary"'})


def token_from_request() -> ApiToken:
    """The request's valid token, or a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        _unauthorized(_("Send your API token as “Authorization: Bearer <token>”."))
    token = valid_token(plain.strip())
    if token is None:
        _unauthorized(_("This API token is not valid, or it was revoked."))
    return token


def requires_token(scope: ApiTokenScope, role: AccountRole = AccountRole.VIEWER):
    """A view for token holders: reads need any token, changes a write token of an organiser."""

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            token = token_from_request()
            if scope == ApiTokenScope.WRITE and token.scope != ApiTokenScope.WRITE:
                raise ProblemException(403, _("This token may only read: create a read and write token."))
            # A partner's token reaches its series only; elsewhere, as if nothing were there.
            if not reaches(token.account, request.endpoint, request.view_args):
                abort(404)
            if not token.account.can(role):
                raise ProblemException(403, _("Your account's role does not allow this."))
            g.api_token = token
            return view(*args, **kwargs)

        return checked

    return decorate
