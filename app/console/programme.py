"""Series and events: create, edit, publish, cancel, delete; agenda and documents.

(Placeholder routes: the full pages are being written.)
"""

from __future__ import annotations

from flask import render_template

from ..models import AccountRole
from . import bp, queries
from .access import requires


@bp.route("/programme")
@requires(AccountRole.VIEWER)
def programme():
    upcoming, recent = queries.dashboard_events()
    return render_template("console/home.html", upcoming=upcoming, recent=recent, counts={})


@bp.route("/events/new")
@requires(AccountRole.ORGANISER)
def event_new():
    return programme()


@bp.route("/series/new")
@requires(AccountRole.ORGANISER)
def series_new():
    return programme()


@bp.route("/events/<int:event_id>")
@requires(AccountRole.VIEWER)
def event(event_id: int):
    queries.event_or_404(event_id)
    return programme()
