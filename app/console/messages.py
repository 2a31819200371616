"""Messages to registrants and the mail log.

(Placeholder route: the full pages are being written.)
"""

from __future__ import annotations

from ..models import AccountRole
from . import bp
from .access import requires


@bp.route("/mail")
@requires(AccountRole.VIEWER)
def mail_log():
    return "mail log"


@bp.route("/events/<int:event_id>/messages")
@requires(AccountRole.VIEWER)
def mailings(event_id: int):
    return "messages"
