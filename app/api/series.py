"""Published series and their documents."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..public.queries import published_series_or_404
from . import limits
from .queries import published_series
from .schemas import DocumentSchema, SeriesDetailSchema, SeriesSchema

bp = Blueprint("api_series", __name__, url_prefix="/api/v1", description="Published series of events")
limits.reads(bp)

SERIES_ID = "/series/<int(max=2147483647):series_id>"


@bp.get("/series")
@bp.response(200, SeriesSchema(many=True))
def list_series():
    """Published series, the newest first"""
    return published_series()


@bp.get(SERIES_ID)
@bp.response(200, SeriesDetailSchema)
def get_series(series_id: int):
    """One published series, with its published events and public documents"""
    return published_series_or_404(series_id)


@bp.get(SERIES_ID + "/documents")
@bp.response(200, DocumentSchema(many=True))
def get_series_documents(series_id: int):
    """The public documents of a series (a Reader, background notes)"""
    return [document for document in published_series_or_404(series_id).documents if document.is_public]
