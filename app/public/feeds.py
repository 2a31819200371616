"""Calendar subscriptions: one iCalendar feed per series and one for the whole programme.

A calendar program polls these URLs. Each event keeps the UID of its public "Add to
calendar" file and the event's SEQUENCE, so a moved event replaces its entry instead of
adding a second one, and a cancelled one stays listed as STATUS:CANCELLED until the
program has seen it. Only what the public event page shows goes in: never a join link.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta

from flask import current_app, make_response, request
from icalendar import vDuration
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, Series
from ..services.links import external_url, site_host
from ..services.mail.calendar import _calendar, _entry, calendar_bytes
from . import bp
from .queries import published_series_or_404

# How often calendar programs are asked to fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=6)
# DTSTAMP says when the file was made: it changes on every request, so it stays out of the ETag.
DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.MULTILINE)


# Each entry's text holds its agenda and its title its series: read with the events, not per event.
FEED_EVENTS = (
    db.select(Event)
    .where(Event.is_published.is_(True))
    .order_by(Event.start_dt, Event.id)
    .options(selectinload(Event.agenda_items), selectinload(Event.series))
)


@bp.route("/calendar.ics")
def programme_calendar():
    events = db.session.scalars(FEED_EVENTS).all()
    return _feed(current_app.config["PROGRAMME_NAME"], events, external_url("public.home"))


@bp.route("/series/<int:series_id>/calendar.ics")
def series_calendar(series_id: int):
    series: Series = published_series_or_404(series_id)
    page = external_url("public.series", series_id=series.id)
    events = db.session.scalars(FEED_EVENTS.where(Event.series_id == series.id)).all()
    return _feed(series.title, events, page)


def event_uid(event: Event) -> str:
    """The UID of the event's public calendar file (services/calendar.event_calendar)."""
    return f"event-{event.id}@{site_host()}"


def feed_calendar(name: str, events: Sequence[Event], page: str) -> bytes:
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", page)
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for event in events:
        calendar.add_component(_entry(event, event_uid(event)))
    return calendar_bytes(calendar)


def _feed(name: str, events: Sequence[Event], page: str):
    body = feed_calendar(name, events, page)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response.headers["Cache-Control"] = f"public, max-age={int(REFRESH_INTERVAL.total_seconds() // 6)}"
    # Weak: the bytes differ by DTSTAMP from one request to the next, the calendar does not.
    response.set_etag(hashlib.sha256(DTSTAMP_LINE.sub(b"", body)).hexdigest()[:32], weak=True)
    return response.make_conditional(request)
