"""The secretariat's accounts, their invitations, and the audit log of what they changed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import AccountRole, enum_type

if TYPE_CHECKING:
    from .programme import Series


def _hash(password: str) -> str:
    # werkzeug's scrypt (memory-hard, no extra dependency); tests use lighter parameters.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _no_account_hash() -> str:
    """A stored hash in the form werkzeug reads ("method$salt$value"), with the method new
    passwords get: checking a password against it computes one hash of the same cost. Its
    value is not hexadecimal, so no password ever matches it."""
    return f"{current_app.config['PASSWORD_HASH_METHOD']}$no-account$none"


class Account(UserMixin, Model):
    """A member of the secretariat who signs in to the console."""

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[AccountRole] = mapped_column(enum_type(AccountRole, "role"), default=AccountRole.VIEWER)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # Part of the session cookie's identity: changing it signs out every open session.
    session_key: Mapped[str] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # A partner's rights, one series each; with any of them the global role no longer applies.
    series_grants: Mapped[list[SeriesGrant]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = _hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def check_no_password(password: str) -> bool:
        """Do the work of a real check (one hash, as for an account), for an address that has
        no account: how long a sign-in takes must not tell who has one."""
        check_password_hash(_no_account_hash(), password)
        return False

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_partner(self) -> bool:
        """An account with rights on some series only: it sees and changes nothing else."""
        return bool(self.series_grants)

    def role_in(self, series_id: int | None) -> AccountRole | None:
        """The role this account has on a series (None: a standalone event); None if no rights."""
        if not self.is_partner:
            return self.role
        return next((grant.role for grant in self.series_grants if grant.series_id == series_id), None)

    def act_in(self, series_id: int | None) -> None:
        """Set by the access check (app/console/scope.py) for the series a request is about: what a
        partner may do and see there follows that series' grant, not its best one."""
        self._acting_role: AccountRole | None = self.role_in(series_id) if series_id else None

    @property
    def effective_role(self) -> AccountRole:
        if not self.is_partner:
            return self.role
        acting = getattr(self, "_acting_role", None)
        if acting is not None:
            return acting
        return self.role_outside_series

    @property
    def role_outside_series(self) -> AccountRole:
        """The role on the pages of the whole programme (the dashboard, the mail log of all its
        series): a partner's least grant, so that no address of a series where it is a viewer
        shows there."""
        if not self.is_partner:
            return self.role
        return min((grant.role for grant in self.series_grants), key=lambda role: role.rank)

    def can(self, role: AccountRole) -> bool:
        return self.effective_role.can(role)

    @property
    def sees_contact_details(self) -> bool:
        """Registrants' email addresses are for those who write to them and act on their
        registrations (organisers); viewers follow the lists and the figures without them."""
        return self.can(AccountRole.ORGANISER)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.email} {self.role}>"


class SeriesGrant(Model):
    """A partner organisation's rights (organiser or viewer) on one series and its events."""

    __tablename__ = "series_grant"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "series_id", name="uq_series_grant_account_series"),
        sa.CheckConstraint("role IN ('organiser', 'viewer')", name="not_admin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"), index=True)
    role: Mapped[AccountRole] = mapped_column(enum_type(AccountRole, "role"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="series_grants")
    series: Mapped[Series] = relationship()


class Invitation(Model):
    """A one-time link by which an admin lets someone create an account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[AccountRole] = mapped_column(enum_type(AccountRole, "role"))
    # Only a hash of the token is kept: a copy of the database opens no account.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[Account | None] = relationship()

    def is_usable(self, now: datetime | None = None) -> bool:
        return self.accepted_dt is None and self.revoked_dt is None and (now or utcnow()) < self.expires_dt


class AuditEntry(Model):
    """Who changed what, and when."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept, with the name and email copied, when the account is deleted.
    account_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    actor: Mapped[str] = mapped_column(sa.String(254), default="")
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
