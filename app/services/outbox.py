"""Operating the outbox: what the organisers and operators do with messages that failed."""

from __future__ import annotations

import sqlalchemy as sa

from ..database import OUTBOX_DIRTY, utcnow, write_transaction
from ..models import Message, MessageStatus


def retry_failed() -> int:
    """Queue every failed message again, with a fresh set of attempts. Returns how many."""
    with write_transaction() as session:
        result = session.execute(
            sa.update(Message)
            .where(Message.status == MessageStatus.FAILED)
            .values(status=MessageStatus.QUEUED, attempts=0, next_attempt_dt=utcnow(), claimed_until_dt=None)
        )
        session.info[OUTBOX_DIRTY] = result.rowcount > 0  # a worker starts on them after the commit
    return result.rowcount
