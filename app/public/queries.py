"""Reading the published programme, shared by the public and registration pages."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, redirect, send_file
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..models import AgendaItem, Document, Event, Series
from ..services.programme.documents import display_filename

# Built once: the event page and the registration form read one with every request.
PUBLISHED_EVENT = db.select(Event).where(Event.id == sa.bindparam("event_id"), Event.is_published.is_(True))
PUBLISHED_EVENT_WITH_PROGRAMME = PUBLISHED_EVENT.options(
    selectinload(Event.agenda_items).selectinload(AgendaItem.speakers),
    selectinload(Event.documents),
    selectinload(Event.series),
)


def published_event_or_404(event_id: int, with_programme: bool = True) -> Event:
    """A published event; with its agenda, speakers and documents for the event page."""
    query = PUBLISHED_EVENT_WITH_PROGRAMME if with_programme else PUBLISHED_EVENT
    event = db.session.scalars(query, {"event_id": event_id}).one_or_none()
    if event is None:
        abort(404)
    return event


def published_series_or_404(series_id: int) -> Series:
    series = db.session.scalars(
        db.select(Series)
        .where(Series.id == series_id, Series.is_published.is_(True))
        .options(selectinload(Series.documents))
    ).one_or_none()
    if series is None:
        abort(404)
    return series


# Shared with the API's summaries: a summary shows only once the organisers publish it.
def summary_event_or_404(event_id: int) -> Event:
    event = published_event_or_404(event_id, with_programme=False)
    if not event.summary_published:
        abort(404)
    return event


def summary_series_or_404(series_id: int) -> Series:
    series = published_series_or_404(series_id)
    if not series.summary_published:
        abort(404)
    return series


def events_by_id(ids: list[int]) -> dict[int, Event]:
    return {event.id: event for event in db.session.scalars(db.select(Event).where(Event.id.in_(ids)))}


def event_versions(ids: list[int]) -> dict[int, int]:
    """Each event's version (bumped by every edit): what a page kept for a while is keyed by."""
    rows = db.session.execute(sa.select(Event.id, Event.version).where(Event.id.in_(ids)))
    return {event_id: version for event_id, version in rows}


def open_events(series: Series) -> list[Event]:
    """The events of a series that take registrations now, in order."""
    return [e for e in series.published_events if e.registration_window().accepts_registrations]


def programme_overview(past_limit: int = 30) -> dict:
    """Upcoming events soonest first, past events latest first, and the series."""
    now = utcnow()
    published = db.select(Event).where(Event.is_published.is_(True)).options(selectinload(Event.series))
    upcoming = db.session.scalars(published.where(Event.end_dt > now).order_by(Event.start_dt)).all()
    past = db.session.scalars(
        published.where(Event.end_dt <= now).order_by(Event.start_dt.desc()).limit(past_limit)
    ).all()
    series = db.session.scalars(
        db.select(Series).where(Series.is_published.is_(True)).order_by(Series.created_dt.desc())
    ).all()
    return {"upcoming": upcoming, "past": past, "series": series, "now": now}


def document_response(document: Document):
    """A link document redirects; a file downloads under its human name, never inline,
    and a browser may not guess another type than the one we checked on upload."""
    if document.url is not None:  # a link document
        return redirect(document.url)
    path = stored_document_path(document)
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=display_filename(document.filename or f"document-{document.id}", path.suffix),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def stored_document_path(document: Document) -> Path:
    """Files live under DOCUMENTS_DIR with names we chose; anything else is a 404."""
    folder = Path(current_app.config["DOCUMENTS_DIR"]).resolve()
    path = (folder / (document.stored_name or "")).resolve()
    if path.parent != folder or not path.is_file():
        abort(404)
    return path
