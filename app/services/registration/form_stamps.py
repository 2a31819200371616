"""Spending the anti-robot stamps of the public forms: each one lets one form through."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ...database import insert_for, rowcount, utcnow, write_transaction
from ...models import SpentFormStamp

STAMPS = SpentFormStamp.__table__


def spend(nonce: str, expires: datetime) -> bool:
    """Record the stamp `nonce` as used until `expires`; False if it was used already.

    One INSERT that a second one with the same nonce cannot repeat, even at the same moment."""
    with write_transaction() as session:
        insert = insert_for(session)(STAMPS).values(nonce=nonce, expires_dt=expires)
        inserted = insert.on_conflict_do_nothing(index_elements=["nonce"]).returning(STAMPS.c.nonce)
        return session.execute(inserted).first() is not None


def forget_expired(now: datetime | None = None) -> int:
    """Forget the spent stamps that have expired: their signature refuses them anyway."""
    with write_transaction() as session:
        result = session.execute(
            sa.delete(SpentFormStamp).where(SpentFormStamp.expires_dt <= (now or utcnow()))
        )
    return rowcount(result)
