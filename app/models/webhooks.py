"""Webhooks: URLs of other systems told about registrations and attendance, and each delivery.

A delivery row is written in the transaction of the change it reports (the outbox
pattern, as for email); the worker only sends what the rows say, so a lost task
costs a delay, never a notification.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .accounts import Account
from .enums import TitledEnum, enum_type
from .programme import Series


class WebhookDeliveryStatus(TitledEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERING = "delivering"  # claimed by a worker until claimed_until_dt
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: out of attempts, or refused for good

    @classmethod
    def _titles(cls):
        return {
            cls.PENDING: _l("Waiting"),
            cls.DELIVERING: _l("Sending"),
            cls.DELIVERED: _l("Delivered"),
            cls.FAILED: _l("Failed"),
        }


class Webhook(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    # Shared with the receiver, which checks the signature with it; needed in clear to sign.
    secret: Mapped[str] = mapped_column(sa.String(100))
    # The event types it receives: ["registration.created", ...]
    event_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Only the events of this series; None: every event of the programme.
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    series: Mapped[Series | None] = relationship()
    created_by: Mapped[Account | None] = relationship()

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url}>"


class WebhookDelivery(Model):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The worker's claim query: due deliveries, oldest first.
        sa.Index("ix_webhook_delivery_status_next_attempt", "status", "next_attempt_dt"),
        sa.Index("ix_webhook_delivery_webhook_created", "webhook_id", "created_dt"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"))
    # Sent as Plenary-Delivery, the same on every attempt: receivers drop repeats by it.
    delivery_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(50))
    # Whose data the body carries (registration events): erasure and retention find it by this.
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    # The JSON body, serialised once, so that every attempt sends the very same bytes.
    payload: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        enum_type(WebhookDeliveryStatus, "status"), default=WebhookDeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column()
    # The start of the receiver's answer, for the organisers: one line, 200 characters at most.
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webhook: Mapped[Webhook] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
