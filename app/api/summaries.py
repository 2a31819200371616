"""Published summaries: aggregates only, never a person, and nothing before the organisers publish."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..public.queries import summary_event_or_404, summary_series_or_404
from ..services.reporting import summaries
from . import limits
from .events import EVENT_ID
from .schemas import EventSummarySchema, SeriesSummarySchema
from .series import SERIES_ID

bp = Blueprint("api_summaries", __name__, url_prefix="/api/v1", description="Published summaries")
limits.reads(bp)


@bp.get(EVENT_ID + "/summary")
@bp.response(200, EventSummarySchema)
def get_event_summary(event_id: int):
    """The published summary of an event: participants, countries, kinds of organisation"""
    return summaries.event_summary(summary_event_or_404(event_id))


@bp.get(SERIES_ID + "/summary")
@bp.response(200, SeriesSummarySchema)
def get_series_summary(series_id: int):
    """The published summary of a series: module by module, and how many came to each"""
    return summaries.series_summary(summary_series_or_404(series_id), published_only=True)
