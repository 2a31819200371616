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
    """The published summary of an event: participants, countries, kinds of organisation

    The figures are those the organisers last published, not the live ones; an event whose
    figures were never published has `figures_published` false and its figures null.
    """
    event = summary_event_or_404(event_id)
    return summaries.event_summary(event, published=True) or summaries.unpublished_summary(event)


@bp.get(SERIES_ID + "/summary")
@bp.response(200, SeriesSummarySchema)
def get_series_summary(series_id: int):
    """The published summary of a series: module by module, and how many came to each

    The modules whose figures were published, with the figures last published; the others
    are listed in `modules_without_published_figures`.
    """
    return summaries.series_summary(summary_series_or_404(series_id), published_only=True)
