"""The dashboard: what is coming up and how full it is."""

from __future__ import annotations

from flask import render_template

from ..models import AccountRole
from . import bp, queries
from .access import requires


@bp.route("/")
@requires(AccountRole.VIEWER)
def home():
    upcoming, recent = queries.dashboard_events()
    counts = queries.status_counts_by_event([event.id for event in upcoming + recent])
    return render_template("console/home.html", upcoming=upcoming, recent=recent, counts=counts)
