"""Published events: the list with its filters, one event, its agenda and its documents."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..public.queries import published_event_or_404
from . import limits
from .queries import published_events
from .schemas import AgendaItemSchema, DocumentSchema, EventDetailSchema, EventQuerySchema, EventSchema

bp = Blueprint(
    "api_events", __name__, url_prefix="/api/v1", description="Published events, their agenda and documents"
)
limits.reads(bp)

EVENT_ID = "/events/<int(max=2147483647):event_id>"


@bp.get("/events")
@bp.arguments(EventQuerySchema, location="query", as_kwargs=True)
@bp.response(200, EventSchema(many=True))
def list_events(**filters):
    """Published events

    By start, earliest first (with `when=past`, latest first); times in UTC, with the event's
    IANA zone and its local times.
    """
    return published_events(**filters)


@bp.get(EVENT_ID)
@bp.response(200, EventDetailSchema)
def get_event(event_id: int):
    """One published event, with its agenda, speakers and public documents"""
    return published_event_or_404(event_id)


@bp.get(EVENT_ID + "/agenda")
@bp.response(200, AgendaItemSchema(many=True))
def get_agenda(event_id: int):
    """The agenda of an event: keynotes, panels and sessions with their speakers"""
    return published_event_or_404(event_id).agenda_items


@bp.get(EVENT_ID + "/documents")
@bp.response(200, DocumentSchema(many=True))
def get_event_documents(event_id: int):
    """The public documents of an event (files and links)"""
    return [document for document in published_event_or_404(event_id).documents if document.is_public]
