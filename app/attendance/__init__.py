"""Recording who came: check-in at the door, and participant reports of online platforms.

Behind sign-in like the console (see app/console/access.py).
"""

from flask import Blueprint

from ..console.access import protect

bp = Blueprint("attendance", __name__, url_prefix="/console")
protect(bp)

from . import routes  # noqa: E402,F401
