"""Personal API tokens: made and revoked in the console, sent to the API as
`Authorization: Bearer ...` (read there by app/api/tokens.py).

Only the token's sha256 is stored. A token acts with its owner's role at the time of the
request (a disabled account or a lowered role takes effect at once) and never beyond its scope.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import Account, ApiToken, ApiTokenScope
from .. import audit

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
        current = session.get(ApiToken, token.id, populate_existing=True)
        if current is None or current.is_revoked:
            return
        current.revoked_dt = utcnow()
        audit.record("api_token.revoked", current, f"{current.account.email}: {current.name}", actor=by)


def tokens_of(account: Account) -> Sequence[ApiToken]:
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id.desc())
    ).all()


def valid_token(plain: str) -> ApiToken | None:
    """The token whose plain text is `plain`, its use noted; None when there is none, or it was
    revoked, or its owner's account is disabled."""
    token = db.session.scalars(sa.select(ApiToken).where(ApiToken.token_hash == _digest(plain))).one_or_none()
    if token is None or token.is_revoked or not token.account.is_enabled:
        return None
    now = utcnow()
    if token.last_used_dt is None or now - token.last_used_dt > LAST_USED_EVERY:
        # A write of its own: on SQLite, upgrading the read above to a write fails
        # ("database is locked") if another request has committed in between.
        noted = sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_dt=now)
        with write_transaction() as session:
            session.execute(noted)
    return token
