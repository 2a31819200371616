"""Organisers' personal API tokens: only a hash is kept, each scoped to reading or writing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .accounts import Account
from .enums import TitledEnum, enum_type


class ApiTokenScope(TitledEnum):
    READ = "read"
    WRITE = "write"

    @classmethod
    def _titles(cls):
        return {cls.READ: _l("Read"), cls.WRITE: _l("Read and write")}


class ApiToken(Model):
    """A token an organiser gives to another system; it acts with its owner's role, at most."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # sha256 of the token, hex: a copy of the database opens nothing.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[ApiTokenScope] = mapped_column(enum_type(ApiTokenScope, "scope"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r} {self.scope}>"
