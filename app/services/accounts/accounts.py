"""Organiser accounts: creating the first admin, inviting, signing in, roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import Account, AccountRole, Invitation, Series, SeriesGrant
from .. import audit
from ..links import external_url
from ..mail import notifications

INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A request about accounts the rules refuse; the message is shown as is."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_key() -> str:
    return secrets.token_hex(16)


def check_password_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if email and password.lower() == normalise_email(email):
        raise AccountError(_l("The password must not be the email address."))


def create_account(email: str, name: str, password: str, role: AccountRole, *, actor=None) -> Account:
    email = normalise_email(email)
    check_password_strength(password, email)
    with write_transaction() as session:
        if session.scalar(sa.select(Account.id).where(Account.email == email)):
            raise AccountError(_l("An account with this email address already exists."))
        account = Account(email=email, name=name.strip(), role=role, session_key=new_session_key())
        account.set_password(password)
        session.add(account)
        session.flush()
        audit.record("account.create", account, f"{email} ({role.value})", actor=actor, role=role)
    return account


def authenticate(email: str, password: str, now: datetime | None = None) -> Account | None:
    """The account if the password is right; None otherwise, in the same time whatever the reason."""
    account = db.session.scalar(sa.select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        Account.check_no_password(password)
        return None
    if not account.check_password(password) or not account.is_enabled:
        return None
    with write_transaction() as session:
        account = session.get_one(Account, account.id)
        account.last_login_dt = now or utcnow()
    return account


def load_account(session_id: str) -> Account | None:
    """Flask-Login's loader: "<id>:<session key>", so that a changed key ends old sessions."""
    account_id, _, key = session_id.partition(":")
    if not account_id.isdigit() or not key:
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or not secrets.compare_digest(account.session_key, key):
        return None
    return account


def sign_out(account: Account) -> None:
    """End the account's sessions on the server, not only in this browser: a copy of the
    session cookie no longer signs in (its key, checked by `load_account`, is replaced; the
    account's other sessions end with it, as on a role change, disabling or a new password)."""
    with write_transaction() as session:
        current = session.get(Account, account.id, populate_existing=True)
        if current is not None:
            current.session_key = new_session_key()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(email: str, role: AccountRole, invited_by: Account, now: datetime | None = None) -> Invitation:
    """Email a one-time link; earlier open invitations of the same address stop working."""
    email = normalise_email(email)
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with write_transaction() as session:
        if session.scalar(sa.select(Account.id).where(Account.email == email)):
            raise AccountError(_l("An account with this email address already exists."))
        session.execute(
            sa.update(Invitation)
            .where(
                Invitation.email == email, Invitation.accepted_dt.is_(None), Invitation.revoked_dt.is_(None)
            )
            .values(revoked_dt=now)
        )
        invitation = Invitation(
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by_id=invited_by.id,
            created_dt=now,
            expires_dt=now + INVITATION_LIFETIME,
        )
        session.add(invitation)
        session.flush()
        notifications.queue_account_email(
            "account_invitation",
            email,
            "",
            _l("You are invited to the %(name)s console", name=_programme_name()),
            invitation=invitation,
            inviter=invited_by,
            accept_url=external_url("auth.accept_invitation", token=token),
        )
        audit.record("account.invite", invitation, f"{email} ({role.value})", role=role)
    return invitation


def _programme_name() -> str:
    from flask import current_app

    return current_app.config["PROGRAMME_NAME"]


def usable_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or not invitation.is_usable(now):
        return None
    return invitation


def accept_invitation(token: str, name: str, password: str, now: datetime | None = None) -> Account:
    """Create the account the invitation offers; the link works once."""
    now = now or utcnow()
    invitation = usable_invitation(token, now)
    if invitation is None:
        raise AccountError(
            _l("This invitation link is not valid any more. Ask an administrator for a new one.")
        )
    check_password_strength(password, invitation.email)
    with write_transaction() as session:
        invitation = session.get_one(Invitation, invitation.id, populate_existing=True)
        if not invitation.is_usable(now) or session.scalar(
            sa.select(Account.id).where(Account.email == invitation.email)
        ):
            raise AccountError(
                _l("This invitation link is not valid any more. Ask an administrator for a new one.")
            )
        invitation.accepted_dt = now
        account = Account(
            email=invitation.email, name=name.strip(), role=invitation.role, session_key=new_session_key()
        )
        account.set_password(password)
        session.add(account)
        session.flush()
        audit.record(
            "account.create",
            account,
            f"{account.email} ({account.role.value}) by invitation",
            actor=account,
            role=account.role,
        )
    return account


def revoke_invitation(invitation: Invitation, now: datetime | None = None) -> None:
    with write_transaction() as session:
        invitation = session.get_one(Invitation, invitation.id, populate_existing=True)
        if invitation.accepted_dt is None and invitation.revoked_dt is None:
            invitation.revoked_dt = now or utcnow()
            audit.record("account.invitation_revoke", invitation, invitation.email)


def change_account(account: Account, *, role: AccountRole, is_enabled: bool, by: Account) -> Account:
    """An admin changes someone's role or disables them; disabling signs them out everywhere."""
    with write_transaction() as session:
        account = session.get_one(Account, account.id, populate_existing=True)
        if account.id == by.id and (role != AccountRole.ADMIN or not is_enabled):
            raise AccountError(_l("You cannot remove your own administrator rights."))
        if role == AccountRole.ADMIN and account.series_grants:
            raise AccountError(_l("This account has rights on some series only: remove them first."))
        before = {"role": account.role, "is_enabled": account.is_enabled}
        account.role = role
        account.is_enabled = is_enabled
        if not is_enabled or role != before["role"]:
            account.session_key = new_session_key()
        after = {"role": account.role, "is_enabled": account.is_enabled}
        if after != before:
            audit.record("account.update", account, account.email, before=before, after=after)
    return account


def change_password(account: Account, current: str, new: str) -> Account:
    if not account.check_password(current):
        raise AccountError(_l("The current password is not right."))
    check_password_strength(new, account.email)
    with write_transaction() as session:
        account = session.get_one(Account, account.id, populate_existing=True)
        account.set_password(new)
        account.session_key = new_session_key()  # other sessions end; the caller signs this one in again
        audit.record("account.password", account, account.email)
    return account


def delete_account(account: Account, by: Account) -> None:
    with write_transaction() as session:
        account = session.get_one(Account, account.id, populate_existing=True)
        if account.id == by.id:
            raise AccountError(_l("You cannot delete your own account."))
        audit.record("account.delete", account, account.email)
        session.delete(account)


PARTNER_ROLES = (AccountRole.ORGANISER, AccountRole.VIEWER)


def grant_series(account: Account, series_id: int, role: AccountRole, *, by: Account) -> SeriesGrant:
    """An admin gives an account (a partner organisation's) a role on one series and its events;
    with any such grant the account reaches nothing else. Its sessions end: its rights changed."""
    if role not in PARTNER_ROLES:
        raise AccountError(_l("On a series, an account is an organiser or a viewer."))
    with write_transaction() as session:
        account = session.get_one(Account, account.id, populate_existing=True)
        if account.role == AccountRole.ADMIN:
            raise AccountError(_l("An administrator reaches every series already."))
        series = session.get(Series, series_id)
        if series is None:
            raise AccountError(_l("This series does not exist."))
        grant = session.scalar(
            sa.select(SeriesGrant).where(
                SeriesGrant.account_id == account.id, SeriesGrant.series_id == series_id
            )
        )
        before = grant.role if grant is not None else None
        if grant is None:
            grant = SeriesGrant(account=account, series_id=series_id, role=role)
            session.add(grant)
        grant.role = role
        if before != role:
            account.session_key = new_session_key()
            session.flush()
            audit.record(
                "account.series_grant",
                account,
                f"{account.email}: {series.title} ({role.value})",
                actor=by,
                series_id=series_id,
                before=before,
                after=role,
            )
    return grant


def revoke_series_grant(account: Account, grant_id: int, *, by: Account) -> None:
    with write_transaction() as session:
        grant = session.get(SeriesGrant, grant_id)
        if grant is None or grant.account_id != account.id:
            raise AccountError(_l("This account has no such right."))
        account = session.get_one(Account, account.id, populate_existing=True)
        account.session_key = new_session_key()
        audit.record(
            "account.series_revoke",
            account,
            f"{account.email}: {grant.series.title}",
            actor=by,
            series_id=grant.series_id,
            role=grant.role,
        )
        session.delete(grant)
