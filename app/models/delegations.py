"""The delegations of member states and organisations (issue 21): their focal points, the
contacts on record for the whole programme, one or more per country or organisation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import NomineeRole, enum_type


class FocalPoint(Model):
    """A member state's (`country`, ISO code) or an organisation's (`organisation`) contact."""

    __tablename__ = "focal_point"
    __table_args__ = (
        sa.CheckConstraint("(country = '') <> (organisation = '')", name="one_delegation"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.UniqueConstraint("country", "organisation", "email", name="uq_focal_point_delegation_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    # The language of the emails they are sent; "" (those on record before it was asked): the
    # site's own (BABEL_DEFAULT_LOCALE).
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nomination(Model):
    """A person a focal point nominated to an event's delegation of their country or
    organisation; a replaced one stays, with when (the quota counts those standing)."""

    __tablename__ = "nomination"
    __table_args__ = (
        sa.CheckConstraint("(country = '') <> (organisation = '')", name="one_delegation"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.Index("ix_nomination_delegation", "event_id", "country", "organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    focal_point_id: Mapped[int | None] = mapped_column(sa.ForeignKey("focal_point.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[NomineeRole] = mapped_column(enum_type(NomineeRole, "nominee_role"))
    # The language of their email, preselected on the form it opens; "" (nominated before it
    # was asked): the site's own.
    language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
