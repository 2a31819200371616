"""The privacy notice, kept as numbered versions so that each registration can say which it accepted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .accounts import Account


class PrivacyNotice(Model):
    """One published version of the privacy notice; the newest is the one in force."""

    __tablename__ = "privacy_notice"
    __table_args__ = (sa.CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: two organisers publishing at once cannot both make version N.
    version: Mapped[int] = mapped_column(unique=True)
    # Markdown, sanitised when shown.
    text: Mapped[str] = mapped_column(sa.Text)
    published_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept when the account is deleted: the name is copied.
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    published_by_name: Mapped[str] = mapped_column(sa.String(200), default="")

    published_by: Mapped[Account | None] = relationship()

    def __repr__(self) -> str:
        return f"<PrivacyNotice v{self.version}>"
