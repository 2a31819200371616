from __future__ import annotations

from flask import abort, current_app, render_template, send_from_directory

from ..extensions import db
from ..models import Document
from ..services.mail.calendar import event_calendar
from ..services.privacy.personal_data import current_notice
from . import bp
from .queries import (
    document_response,
    open_events,
    programme_overview,
    published_event_or_404,
    published_series_or_404,
)


@bp.route("/")
def home():
    return render_template("public/home.html", **programme_overview())


@bp.route("/favicon.ico")
def favicon():
    """Where browsers look for the icon without being told (feed readers, bookmarks)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


@bp.route("/privacy")
def privacy():
    return render_template("public/privacy.html", notice=current_notice())


@bp.route("/series/<int:series_id>")
def series(series_id: int):
    series = published_series_or_404(series_id)
    return render_template("public/series.html", series=series, open_events=open_events(series))


@bp.route("/events/<int:event_id>")
def event(event_id: int):
    event = published_event_or_404(event_id)
    return render_template("public/event.html", event=event, window=event.registration_window())


@bp.route("/events/<int:event_id>/calendar.ics")
def event_ics(event_id: int):
    event = published_event_or_404(event_id)
    return (
        event_calendar(event),
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="event-{event.id}.ics"',
        },
    )


@bp.route("/documents/<int:document_id>")
def document(document_id: int):
    document = db.session.get(Document, document_id)
    if document is None or not document.is_public or not _owner_published(document):
        abort(404)
    return document_response(document)


def _owner_published(document: Document) -> bool:
    owner = document.event or document.series
    return owner is not None and owner.is_published
