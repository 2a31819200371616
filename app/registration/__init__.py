"""Registering for events and series, and managing a registration from its link."""

from flask import Blueprint

bp = Blueprint("registration", __name__)

from . import embed, nominations, routes  # noqa: E402,F401
