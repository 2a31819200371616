"""The public pages: the programme, its series and events, and their documents."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import feeds, routes, summaries  # noqa: E402,F401
