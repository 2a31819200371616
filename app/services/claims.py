"""Outboxes: rows a worker claims, tries, and tries again later (the mail outbox, the webhooks'
deliveries). One claim and one backoff for both, so that both keep the same guarantees.

A claim is one statement: on PostgreSQL its rows are chosen `FOR UPDATE SKIP LOCKED`, on
SQLite under the write lock that `write_transaction()` takes first, so two workers never take
the same row. It lasts a while: a row whose worker died is due again once its claim lapses.
Each claim counts an attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa

from ..database import write_transaction


@dataclass(frozen=True)
class Backoff:
    """When a failed row is tried again: after the n-th failed attempt, the n-th of `steps`;
    past them, the last step doubled each time up to `cap`, or, with no cap, never again."""

    steps: tuple[timedelta, ...]
    cap: timedelta | None = None

    @classmethod
    def doubling(cls, first: timedelta, cap: timedelta) -> Backoff:
        """first, 2 × first, 4 × first ... at most `cap`."""
        return cls((first,), cap)

    def delay(self, attempts: int) -> timedelta | None:
        """The wait after the `attempts`-th failed attempt; None: no attempt left."""
        if attempts <= len(self.steps):
            return self.steps[attempts - 1]
        if self.cap is None:
            return None
        # 2 ** n overflows timedelta long before a real attempt count: cap the exponent.
        doublings = min(attempts - len(self.steps), 40)
        return min(self.steps[-1] * 2**doublings, self.cap)


@dataclass(frozen=True)
class Outbox:
    """A table whose rows are claimed: its `status`, `attempts`, `next_attempt_dt` and
    `claimed_until_dt` columns, the status of a row waiting to be tried and of one claimed."""

    model: type[Any]  # a mapped class with the columns above, which no type says
    waiting: Enum
    claimed: Enum
    failed: Enum
    backoff: Backoff

    def claim(self, now: datetime, limit: int, hold: timedelta, returning: Sequence) -> list:
        """Take up to `limit` due rows (waiting and due, or claimed by a claim that lapsed)
        until `now + hold`, counting an attempt, in a unit of work of its own; returns the id
        and the `returning` columns of each, in the order of their ids."""
        with write_transaction() as session:
            return self.claim_in(session, now, limit, hold, returning)

    def claim_in(self, session, now: datetime, limit: int, hold: timedelta, returning: Sequence) -> list:
        """`claim()` in the caller's unit of work (which reads what it needs of the rows)."""
        row = self.model
        due = sa.or_(
            sa.and_(row.status == self.waiting, row.next_attempt_dt <= now),
            sa.and_(row.status == self.claimed, row.claimed_until_dt < now),
        )
        chosen = (
            sa.select(row.id)
            .where(due)
            .order_by(row.next_attempt_dt, row.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        rows = session.execute(
            sa.update(row)
            .where(row.id.in_(chosen))
            .values(status=self.claimed, claimed_until_dt=now + hold, attempts=row.attempts + 1)
            .returning(row.id, *returning)
            .execution_options(synchronize_session=False)
        ).all()
        return sorted(rows, key=lambda claimed: claimed.id)

    def after_failure(
        self, attempts: int, now: datetime, *, max_attempts: int, permanent: bool = False
    ) -> dict:
        """The values of a row whose `attempts`-th attempt failed: waiting again after the
        backoff, or failed for good (a permanent refusal, or no attempt left)."""
        delay = self.backoff.delay(attempts)
        if permanent or delay is None or attempts >= max_attempts:
            return dict(status=self.failed, claimed_until_dt=None)
        return dict(status=self.waiting, next_attempt_dt=now + delay, claimed_until_dt=None)
