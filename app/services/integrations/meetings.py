"""An event linked to its meeting on a platform, checked by asking the platform for it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...database import lock_row, utcnow, write_transaction
from ...extensions import db
from ...models import Account, Event, MeetingLink, MeetingState, Platform
from .. import audit
from .credentials import NotConfigured
from .graph import BadJoinUrl, GraphClient, organizer_of
from .http import NotFound, PlatformError
from .kicks import want_sync
from .webex import WebexClient
from .zoom import BadMeetingId, ZoomClient


class MeetingError(ValueError):
    """Why an event cannot be linked; `status` is the HTTP status the API answers with."""

    def __init__(self, message, status: int = 422, slug: str = "validation-error"):
        super().__init__(message)
        self.message, self.status, self.slug = message, status, slug

    def __str__(self) -> str:
        return str(self.message)


def link_of(event: Event) -> MeetingLink | None:
    return db.session.scalar(db.select(MeetingLink).where(MeetingLink.event_id == event.id))


def zoom_client() -> ZoomClient:
    try:
        return ZoomClient.from_app()
    except NotConfigured:
        raise MeetingError(
            _l("Zoom's credentials are not set: an admin sets them under Video platforms."),
            409,
            "platform-not-configured",
        ) from None


def graph_client() -> GraphClient:
    try:
        return GraphClient.from_app()
    except NotConfigured:
        raise MeetingError(
            _l("Microsoft Graph's credentials are not set: an admin sets them under Video platforms."),
            409,
            "platform-not-configured",
        ) from None


def _look_up(platform: Platform, meeting_id: str, join_url: str) -> dict:
    """What the platform says of the meeting: {"meeting_id", "kind", "topic", "join_url",
    "organizer_id"}."""
    if platform == Platform.TEAMS:
        return _look_up_teams(join_url)
    if platform == Platform.WEBEX:
        return _look_up_webex(meeting_id)
    if not meeting_id:
        raise MeetingError(_l("Give the Zoom webinar or meeting id."))
    client = zoom_client()
    try:
        found = client.meeting(meeting_id)
    except NotFound as error:
        raise MeetingError(str(error), 404, "meeting-not-found") from None
    except BadMeetingId as error:
        raise MeetingError(str(error)) from None
    except PlatformError as error:
        raise MeetingError(str(error), 502, "platform-failed") from None
    return {
        "meeting_id": str(found.get("id") or meeting_id),
        "kind": found["kind"],
        "topic": str(found.get("topic") or "")[:300],
        "join_url": str(found.get("join_url") or "")[:1000],
        "organizer_id": "",
    }


def webex_client() -> WebexClient:
    try:
        return WebexClient.from_app()
    except NotConfigured:
        raise MeetingError(
            _l("Webex's token is not set: an admin sets it under Video platforms."),
            409,
            "platform-not-configured",
        ) from None


def _look_up_webex(number: str) -> dict:
    if not number:
        raise MeetingError(_l("Give the Webex meeting number."))
    client = webex_client()
    try:
        found = client.meeting(number)
    except NotFound as error:
        raise MeetingError(str(error), 404, "meeting-not-found") from None
    except PlatformError as error:
        raise MeetingError(str(error), 502, "platform-failed") from None
    return {
        "meeting_id": str(found.get("meetingNumber") or number)[:200],
        "kind": "",
        "topic": str(found.get("title") or "")[:300],
        "join_url": str(found.get("webLink") or "")[:1000],
        "organizer_id": "",
    }


def _look_up_teams(join_url: str) -> dict:
    if not join_url:
        raise MeetingError(_l("Give the Teams meeting's join link."))
    try:
        organizer_of(join_url)  # a link that names no organiser is refused before any call
    except BadJoinUrl as error:  # no Teams meeting has it: as a link Graph does not know
        raise MeetingError(str(error), 404, "meeting-not-found") from None
    client = graph_client()
    try:
        found = client.meeting(join_url)
    except NotFound as error:
        raise MeetingError(str(error), 404, "meeting-not-found") from None
    except PlatformError as error:
        raise MeetingError(str(error), 502, "platform-failed") from None
    return {
        "meeting_id": str(found["id"])[:200],
        "kind": "",
        "topic": str(found.get("subject") or "")[:300],
        "join_url": str(found.get("joinWebUrl") or join_url)[:1000],
        "organizer_id": str(found["organizer_id"])[:100],
    }


def link(
    event: Event, platform: Platform, *, meeting_id: str = "", join_url: str = "", by: Account | None
) -> MeetingLink:
    """Link `event` to the platform's meeting, once the platform has confirmed it exists; a link
    already there is replaced. Raises MeetingError."""
    if event.is_cancelled:
        raise MeetingError(_l("The event is cancelled."), 409)
    found = _look_up(platform, meeting_id.strip(), join_url.strip())
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        meeting = link_of(event)
        if meeting is None:
            meeting = MeetingLink(event_id=event.id)
            session.add(meeting)
        elif (meeting.platform, meeting.meeting_id) != (platform, found["meeting_id"]):
            meeting.fetched_dt, meeting.fetched_import_id = None, None
        meeting.platform = platform
        meeting.meeting_id = found["meeting_id"]
        meeting.meeting_kind = found["kind"]
        meeting.topic = found["topic"]
        meeting.organizer_id = found["organizer_id"]
        meeting.join_url = found["join_url"]
        meeting.state, meeting.last_error = MeetingState.LINKED, ""
        meeting.linked_dt = meeting.checked_dt = utcnow()
        audit.record(
            "event.meeting_linked",
            event,
            f"Linked to {platform.value} {found['kind']} {found['meeting_id']}",
            actor=by,
            platform=platform,
            meeting_id=found["meeting_id"],
        )
        session.flush()
        want_sync(session, event.id)  # its confirmed registrants added on the platform
    return meeting


def unlink(event: Event, *, by: Account | None) -> bool:
    """Forget the event's meeting (nothing changes on the platform). False if none was linked."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        meeting = link_of(event)
        if meeting is None:
            return False
        audit.record(
            "event.meeting_unlinked", event, "Meeting unlinked", actor=by, meeting_id=meeting.meeting_id
        )
        session.delete(meeting)
    return True


def record_problem(meeting_id: int, error: PlatformError) -> None:
    """Show the organisers on the event's page what the platform said last."""
    with write_transaction() as session:
        meeting = session.get(MeetingLink, meeting_id)
        if meeting is None:
            return
        meeting.state = MeetingState.GONE if isinstance(error, NotFound) else MeetingState.FAILED
        meeting.last_error = str(error)[:1000]
        meeting.checked_dt = utcnow()
