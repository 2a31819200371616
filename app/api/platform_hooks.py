"""Notifications from the video platforms: Zoom's webhooks (participants joining and leaving a
linked webinar or meeting), checked by their signature. Not for API tokens: Zoom signs them."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..services.integrations import zoom_webhooks as service
from .errors import problem_abort

bp = Blueprint(
    "api_platform_hooks",
    __name__,
    url_prefix="/api/v1/platforms",
    description="For the video platforms: Zoom's webhooks, signed with the app's secret token",
)


class ZoomNotificationSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    event = ma.fields.String(required=True)
    event_ts = ma.fields.Integer()
    payload = ma.fields.Dict()


class ZoomAnswerSchema(ma.Schema):
    plainToken = ma.fields.String(metadata={"description": "endpoint.url_validation: the token sent"})  # noqa: N815
    encryptedToken = ma.fields.String(  # noqa: N815
        metadata={
            "description": "endpoint.url_validation: hex HMAC-SHA256 of plainToken with the secret token"
        }
    )


@bp.post("/zoom/webhook")
@bp.arguments(ZoomNotificationSchema)
@bp.response(200, ZoomAnswerSchema)
@bp.alt_response(
    401, response="UNAUTHORIZED", description="Not signed by Zoom with the secret token, or too old"
)
def zoom_webhook(notification: dict):
    """A Zoom webhook: `endpoint.url_validation`, `webinar.participant_joined` / `_left`

    Checked by `x-zm-signature` over `x-zm-request-timestamp` and the body (at most five minutes
    old). The URL validation is answered as Zoom asks; a participant joining or leaving a
    linked webinar or meeting changes the live count on the event's console page.
    """
    try:
        secret = service.verify(
            request.get_data(),
            request.headers.get("x-zm-request-timestamp", ""),
            request.headers.get("x-zm-signature", ""),
        )
    except service.BadSignature:
        problem_abort(401, _("Not signed with the Zoom app's secret token."))
    return service.handle(notification, secret)
