"""For organisers: an event linked to its meeting on Zoom, Teams or Webex, so that the
platform's registrants and participant report are the event's."""

from __future__ import annotations

from flask import g

from ..console.queries import event_or_404
from ..models import Platform
from ..services.integrations import meetings as service
from .errors import problem_abort
from .events import EVENT_ID
from .organiser import TOKEN, bp, reader, writer
from .schemas import MEETING_LINK_INPUT, MeetingLinkInputSchema, MeetingLinkSchema, MeetingUpdateSchema

MEETING = EVENT_ID + "/meeting"


@bp.get(MEETING)
@bp.doc(**TOKEN)
@reader
@bp.response(200, MeetingLinkSchema)
@bp.alt_response(404, response="NOT_FOUND", description="No such event, or no meeting linked to it")
def get_meeting(event_id: int):
    """The event's meeting on a video platform, and the state of its link"""
    meeting = service.link_of(event_or_404(event_id))
    if meeting is None:
        problem_abort(404)
    return meeting


@bp.put(MEETING)
@bp.doc(**TOKEN)
@writer
@bp.arguments(MeetingLinkInputSchema)
@bp.doc(requestBody={"content": {"application/json": {"schema": MEETING_LINK_INPUT}}})
@bp.response(200, MeetingLinkSchema)
@bp.alt_response(
    409,
    response="CONFLICT",
    description="The event is cancelled (or over, or already linked, when creating), or the "
    "platform's credentials are not set",
)
@bp.alt_response(
    422,
    response="UNPROCESSABLE_ENTITY",
    description="The platform has no such meeting, or cannot be linked yet",
)
@bp.alt_response(502, response="BAD_GATEWAY", description="The platform refused or failed the call")
def put_meeting(data: dict, event_id: int):
    """Link the event to a meeting: `{"platform": "zoom", "meeting_id": "812 3456 7890"}`, or
    `{"platform": "teams", "join_url": "https://teams.microsoft.com/l/meetup-join/…"}`; or create
    it on Zoom: `{"platform": "zoom", "create": "webinar"}` (or `"meeting"`)

    The platform is asked for the meeting first: an id it does not know is refused (404,
    `meeting-not-found`). A meeting linked before is replaced (Webex: by its meeting number).
    Creating makes a Zoom webinar or meeting hosted by the deployment's `ZOOM_HOST_USER`, titled
    with the series and the event's title, starting at the event's start in its time zone, as
    long as the event, with registration approved automatically; it is refused (409) when the
    event already has a meeting or is over. Linking or creating for an upcoming Zoom event adds
    its confirmed registrants on Zoom, each with their own join link. Needs a read and write
    token of an organiser.
    """
    event = event_or_404(event_id)
    try:
        if data.get("create"):
            return service.create_on_zoom(event, data["create"], by=g.api_token.account)
        return service.link(
            event,
            Platform(data["platform"]),
            meeting_id=data.get("meeting_id", ""),
            join_url=data.get("join_url", ""),
            by=g.api_token.account,
        )
    except service.MeetingError as error:
        problem_abort(error.status, str(error), slug=error.slug)


@bp.delete(MEETING)
@bp.doc(**TOKEN)
@writer
@bp.response(204)
@bp.alt_response(404, response="NOT_FOUND", description="No such event, or no meeting linked to it")
def delete_meeting(event_id: int):
    """Unlink the event's meeting (nothing changes on the platform)"""
    if not service.unlink(event_or_404(event_id), by=g.api_token.account):
        problem_abort(404)


@bp.post(MEETING + "/zoom-update")
@bp.doc(**TOKEN)
@writer
@bp.arguments(MeetingUpdateSchema)
@bp.response(200, MeetingLinkSchema)
@bp.alt_response(
    404,
    response="NOT_FOUND",
    description="No such event, no meeting linked to it, or Zoom no longer has the meeting",
)
@bp.alt_response(
    409,
    response="CONFLICT",
    description="The meeting is not on Zoom, the event is cancelled, or Zoom's credentials are not set",
)
@bp.alt_response(502, response="BAD_GATEWAY", description="Zoom refused or failed the call")
def update_zoom_meeting(_body: dict, event_id: int):
    """Give the linked Zoom webinar or meeting the event's title, start, time zone and duration

    For an event moved or renamed after its webinar was created or linked: Zoom's webinar or
    meeting is updated (`PATCH`) with the topic (the series, then the event's title), the start
    in the event's time zone and the duration. Its registration settings are left as they are.
    The body is `{}`. Needs a read and write token of an organiser.
    """
    try:
        return service.update_on_zoom(event_or_404(event_id), by=g.api_token.account)
    except service.MeetingError as error:
        problem_abort(error.status, str(error), slug=error.slug)
