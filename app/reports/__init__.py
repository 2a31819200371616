"""Summaries of events, series and the programme: figures, charts, narrative, downloads.

Behind sign-in like the console (see app/console/access.py); the published,
aggregate-only versions are public pages (app/public/summaries.py).
"""

from flask import Blueprint

from ..console.access import protect

bp = Blueprint("reports", __name__, url_prefix="/console/reports")
protect(bp)

from . import downloads, routes  # noqa: E402,F401
