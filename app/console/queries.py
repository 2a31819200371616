"""Read-only queries of the console, shared by its pages."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import abort, request
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..models import Event, Registration, RegistrationStatus, Series

# Beyond any list the console shows; keeps a list's offset a number every database takes.
LAST_PAGE = 100_000


def page_asked() -> int:
    """The page the query string asks for, from 1 to LAST_PAGE whatever it says."""
    return min(max(request.args.get("page", 1, type=int), 1), LAST_PAGE)


def event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def series_or_404(series_id: int) -> Series:
    series = db.session.get(Series, series_id)
    if series is None:
        abort(404)
    return series


def dashboard_events(recent_limit: int = 10) -> tuple[list[Event], list[Event]]:
    now = utcnow()
    base = sa.select(Event).options(selectinload(Event.series))
    upcoming = db.session.scalars(base.where(Event.end_dt > now).order_by(Event.start_dt)).all()
    recent = db.session.scalars(
        base.where(Event.end_dt <= now).order_by(Event.start_dt.desc()).limit(recent_limit)
    ).all()
    return list(upcoming), list(recent)


def status_counts_by_event(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    """{event id: {status: count}} in one grouped query."""
    counts: dict[int, dict[RegistrationStatus, int]] = defaultdict(dict)
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in rows:
        counts[event_id][status] = count
    return counts
