"""Personal API tokens: made and revoked in the console, sent as `Authorization: Bearer ...`.

Only the token's sha256 is stored. A token acts with its owner's role at the time of the
request (a disabled account or a lowered role takes effect at once) and never beyond its scope.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext as _

from ..database import utcnow, write_transaction
from ..extensions import db
from ..models import Account, AccountRole, ApiToken, ApiTokenScope
from ..services import audit
from .errors import ProblemException

PREFIX = "plenary_"
NAME_MAX = 100
# last_used is a hint for the owner, not a log: written at most this often per token.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(account: Account, name: str, scope: ApiTokenScope) -> tuple[ApiToken, str]:
    """A new token for `account`; the plain token is returned once and never stored."""
    plain = PREFIX + secrets.token_urlsafe(32)
    with write_transaction() as session:
        token = ApiToken(
            account=account, name=name.strip()[:NAME_MAX], scope=scope, token_hash=_digest(plain)
        )
        session.add(token)
        session.flush()
        audit.record("api_token.created", token, f"{account.email}: {token.name} ({scope})", actor=account)
    return token, plain


def revoke_token(token: ApiToken, *, by: Account) -> None:
    with write_transaction() as session:
        token = session.get(ApiToken, token.id, populate_existing=True)
        if token.is_revoked:
            return
        token.revoked_dt = utcnow()
        audit.record("api_token.revoked", token, f"{token.account.email}: {token.name}", actor=by)


def tokens_of(account: Account) -> list[ApiToken]:
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id.desc())
    ).all()


def _unauthorized(detail: str):
    raise ProblemException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="plenary"'})


def token_from_request() -> ApiToken:
    """The request's valid token, or a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        _unauthorized(_("Send your API token as “Authorization: Bearer <token>”."))
    token = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.token_hash == _digest(plain.strip()))
    ).one_or_none()
    if token is None or token.is_revoked or not token.account.is_enabled:
        _unauthorized(_("This API token is not valid, or it was revoked."))
    now = utcnow()
    if token.last_used_dt is None or now - token.last_used_dt > LAST_USED_EVERY:
        # A write of its own: on SQLite, upgrading the read above to a write fails
        # ("database is locked") if another request has committed in between.
        noted = sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_dt=now)
        with write_transaction() as session:
            session.execute(noted)
    return token


def requires_token(scope: ApiTokenScope, role: AccountRole = AccountRole.VIEWER):
    """A view for token holders: reads need any token, changes a write token of an organiser."""

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            token = token_from_request()
            if scope == ApiTokenScope.WRITE and token.scope != ApiTokenScope.WRITE:
                raise ProblemException(403, _("This token may only read: create a read and write token."))
            if not token.account.can(role):
                raise ProblemException(403, _("Your account's role does not allow this."))
            g.api_token = token
            return view(*args, **kwargs)

        return checked

    return decorate
