"""The API's reads of the published programme, beside the public pages' own (app/public/queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..models import Event, Series


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def published_events(
    *,
    series: int | None = None,
    kind: str | None = None,
    when: str | None = None,
    from_: date | None = None,
    to: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Event]:
    """Published events by the filters of GET /events: upcoming soonest first, else by start."""
    now = utcnow()
    query = db.select(Event).where(Event.is_published.is_(True)).options(selectinload(Event.series))
    if series is not None:
        query = query.where(Event.series_id == series)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if when == "upcoming":
        query = query.where(Event.end_dt > now)
    elif when == "past":
        query = query.where(Event.end_dt <= now)
    if from_ is not None:
        query = query.where(Event.start_dt >= _day_start(from_))
    if to is not None:
        query = query.where(Event.start_dt < _day_start(to) + timedelta(days=1))
    order = Event.start_dt.desc() if when == "past" else Event.start_dt
    return db.session.scalars(query.order_by(order, Event.id).limit(limit).offset(offset)).all()


def published_series() -> Sequence[Series]:
    return db.session.scalars(
        db.select(Series)
        .where(Series.is_published.is_(True))
        .options(selectinload(Series.documents))
        .order_by(Series.created_dt.desc(), Series.id.desc())
    ).all()
