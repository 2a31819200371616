"""An event linked to its meeting on a platform, checked by asking the platform for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
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
from .zoom import MEETING, WEBINAR, BadMeetingId, ZoomClient


class MeetingError(ValueError):
    """Why an event cannot be linked; `status` is the HTTP status the API answers with."""

    def __init__(self, message, status: int = 422, slug: str | None = None):
        super().__init__(message)
        self.message, self.status, self.slug = message, status, slug

    def __str__(self) -> str:
        return str(self.message)


@contextmanager
def platform_answers(meeting_id: int | None = None) -> Iterator[None]:
    """A call to a platform, its refusal as a MeetingError: 404 for what it does not know, 502
    for any other failure. For a linked meeting (`meeting_id`), what it said is also kept on the
    link for the event's page (`record_problem`)."""
    try:
        yield
    except NotFound as error:
        if meeting_id is not None:
            record_problem(meeting_id, error)
        raise MeetingError(str(error), 404, "meeting-not-found") from None
    except PlatformError as error:
        if meeting_id is not None:
            record_problem(meeting_id, error)
        raise MeetingError(str(error), 502, "platform-failed") from None


def link_of(event: Event) -> MeetingLink | None:
    return db.session.scalar(db.select(MeetingLink).where(MeetingLink.event_id == event.id))


def _client(client_class, not_set):
    """The platform's client from the app's settings; without credentials, a 409 saying so."""
    try:
        return client_class.from_app()
    except NotConfigured:
        raise MeetingError(not_set, 409, "platform-not-configured") from None


def zoom_client() -> ZoomClient:
    return _client(
        ZoomClient, _l("Zoom's credentials are not set: an admin sets them under Video platforms.")
    )


def graph_client() -> GraphClient:
    return _client(
        GraphClient,
        _l("Microsoft Graph's credentials are not set: an admin sets them under Video platforms."),
    )


def webex_client() -> WebexClient:
    return _client(WebexClient, _l("Webex's token is not set: an admin sets it under Video platforms."))


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
    with platform_answers():
        try:
            found = client.meeting(meeting_id)
        except BadMeetingId as error:
            raise MeetingError(str(error)) from None
    return {
        "meeting_id": str(found.get("id") or meeting_id),
        "kind": found["kind"],
        "topic": str(found.get("topic") or "")[:300],
        "join_url": str(found.get("join_url") or "")[:1000],
        "organizer_id": "",
    }


def _look_up_webex(number: str) -> dict:
    if not number:
        raise MeetingError(_l("Give the Webex meeting number."))
    client = webex_client()
    with platform_answers():
        found = client.meeting(number)
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
    with platform_answers():
        found = client.meeting(join_url)
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
    return _keep(
        event, platform, found, by, f"Linked to {platform.value} {found['kind']} {found['meeting_id']}"
    )


def _keep(
    event: Event, platform: Platform, found: dict, by: Account | None, note: str, *, shared_link: bool = False
) -> MeetingLink:
    """The link to what the platform said (`found`, as `_look_up` gives it), its confirmed
    registrants then added on the platform. With `shared_link`, an event without a join link
    takes the platform's shared one (whoever Zoom has no personal link for yet needs one)."""
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        if shared_link and not event.join_url and found["join_url"]:
            event.join_url = found["join_url"][:500]
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
            note,
            actor=by,
            platform=platform,
            meeting_id=found["meeting_id"],
        )
        session.flush()
        want_sync(session, event.id)  # its confirmed registrants added on the platform
    return meeting


# --- a Zoom webinar or meeting made from the event ----------------------------------------------

# Zoom's "type": a scheduled webinar, a scheduled meeting.
ZOOM_TYPES = {WEBINAR: 5, MEETING: 2}
# The longest topic Zoom takes ("Create a webinar": topic, at most 200 characters).
ZOOM_TOPIC_LENGTH = 200


def zoom_schedule(event: Event) -> dict:
    """The event as Zoom's webinars and meetings take it: the topic (the series, then the
    event's title), the start in the event's own zone and that zone, so that Zoom shows the time
    the organisers chose, and the duration in whole minutes."""
    title = f"{event.series.title} — {event.title}" if event.series else event.title
    minutes = -(-int((event.end_dt - event.start_dt).total_seconds()) // 60)
    return {
        "topic": title[:ZOOM_TOPIC_LENGTH],
        "start_time": event.start_dt.astimezone(event.zone).strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": event.timezone,
        "duration": max(minutes, 1),
    }


def create_on_zoom(event: Event, kind: str, *, by: Account | None) -> MeetingLink:
    """Create the event's Zoom webinar or meeting, with registration approved automatically
    (Zoom gives personal join links to registrants only), and link it as if linked by its id.
    Refused when the event already has a meeting: a second click must not make a second
    webinar. Raises MeetingError."""
    if kind not in ZOOM_TYPES:
        raise MeetingError(_l("Zoom makes a webinar or a meeting."))
    if event.is_cancelled:
        raise MeetingError(_l("The event is cancelled."), 409)
    if event.is_past():
        raise MeetingError(_l("The event is over."), 409)
    if link_of(event) is not None:
        raise MeetingError(_l("The event already has a meeting: unlink it first."), 409)
    body = {
        **zoom_schedule(event),
        "type": ZOOM_TYPES[kind],
        # 0: registrants approved automatically; 1: registered once for every occurrence.
        "settings": {"approval_type": 0, "registration_type": 1},
    }
    client = zoom_client()
    with platform_answers():
        try:
            created = client.create(kind, body)
        except NotFound as error:  # the only path named is the host's: a deployment's setting
            raise MeetingError(
                _l(
                    "Zoom has no user %(user)s to host it: ZOOM_HOST_USER names a user of the account.",
                    user=current_app.config["ZOOM_HOST_USER"],
                ),
                409,
                "platform-not-configured",
            ) from error
    found = {
        "meeting_id": str(created["id"]),
        "kind": kind,
        "topic": str(created.get("topic") or body["topic"])[:300],
        "join_url": str(created.get("join_url") or "")[:1000],
        "organizer_id": "",
    }
    note = f"Created the Zoom {kind} {found['meeting_id']}"
    return _keep(event, Platform.ZOOM, found, by, note, shared_link=True)


def update_on_zoom(event: Event, *, by: Account | None) -> MeetingLink:
    """Give the linked Zoom webinar or meeting the event's title, start, zone and duration as
    they are now (after the event was moved or renamed). Raises MeetingError."""
    meeting = link_of(event)
    if meeting is None:
        raise MeetingError(_l("The event has no meeting."), 404, "not-found")
    if meeting.platform != Platform.ZOOM or meeting.meeting_kind not in ZOOM_TYPES:
        raise MeetingError(_l("Only a Zoom webinar or meeting is updated from the event."), 409)
    if event.is_cancelled:
        raise MeetingError(_l("The event is cancelled."), 409)
    schedule = zoom_schedule(event)
    with platform_answers(meeting.id):
        zoom_client().update(meeting.meeting_kind, meeting.meeting_id, schedule)
    with write_transaction() as session:
        current = session.get(MeetingLink, meeting.id)
        if current is None:  # unlinked meanwhile: Zoom has the change all the same
            raise MeetingError(_l("The event has no meeting."), 404, "not-found")
        current.topic = schedule["topic"]
        current.state, current.last_error = MeetingState.LINKED, ""
        current.checked_dt = utcnow()
        audit.record(
            "event.meeting_updated",
            event,
            f"Zoom {current.meeting_kind} {current.meeting_id} given the event's title and times",
            actor=by,
            meeting_id=current.meeting_id,
        )
    return current


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
