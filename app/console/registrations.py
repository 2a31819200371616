"""The registrations of an event or a series: table, actions, exports.

(Placeholder: the full pages are being written.)
"""

from __future__ import annotations

from ..models import AccountRole
from . import bp, queries
from .access import requires


@bp.route("/events/<int:event_id>/registrations")
@requires(AccountRole.VIEWER)
def registrations(event_id: int):
    return queries.event_or_404(event_id).title


@bp.route("/series/<int:series_id>/registrations")
@requires(AccountRole.VIEWER)
def series_registrations(series_id: int):
    return queries.series_or_404(series_id).title
