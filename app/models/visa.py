"""Visa support letters: the passport details a registrant gives when their registration says
they need a letter (Registration.visa_letter_needed), the organisers' approval and the sending.

The passport details are personal data of the most sensitive kind the service holds: never
shown to viewers, in the person's data download, deleted with the rest of their data (at their
request or when the retention period ends, services/privacy/personal_data.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .people import Registration

PASSPORT_NUMBER_MAX = 40


class VisaLetter(Model):
    __tablename__ = "visa_letter"
    __table_args__ = (
        sa.CheckConstraint("passport_expiry_date > passport_issue_date", name="passport_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One letter a registration: the details are given (and changed) on its manage page.
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    passport_name: Mapped[str] = mapped_column(sa.String(200))  # as written in the passport
    passport_number: Mapped[str] = mapped_column(sa.String(PASSPORT_NUMBER_MAX))
    nationality: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    birth_date: Mapped[date] = mapped_column(sa.Date)
    passport_issue_date: Mapped[date] = mapped_column(sa.Date)
    passport_expiry_date: Mapped[date] = mapped_column(sa.Date)
    given_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()

    def __repr__(self) -> str:
        return f"<VisaLetter {self.id} registration={self.registration_id}>"
