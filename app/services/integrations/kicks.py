"""Asking for an event's registrants to be synced once a commit changed its registrations.

SQLAlchemy's session events, so that the registration domain (below this one) need not know
that a platform exists: a registration added, or whose status changed, in a unit of work asks
for its event's sync after the commit (registrants.py reconciles; the periodic sweep catches
anything missed).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from ...database import on_commit
from ...database.units import UNIT_OF_WORK
from ...extensions import db
from ...models import Event, MeetingLink, Platform, Registration
from ...queue import kicks_wanted

log = logging.getLogger(__name__)

PENDING = "integrations.events_to_sync"
MOVED = "integrations.events_moved"
# What Zoom is given of an event (meetings.zoom_schedule): a change to one updates Zoom.
SCHEDULE_FIELDS = ("title", "start_dt", "end_dt", "timezone", "series_id")
EVERY_EVENT = 0  # a bulk change whose events are not known
REGISTRATION_TABLE = Registration.__tablename__


def want_sync(session: OrmSession, event_id: int) -> None:
    """Ask for the event's sync once the current unit of work commits."""
    if UNIT_OF_WORK not in session.info:
        return
    session.info.setdefault(PENDING, set()).add(event_id)
    on_commit(_kick)


def _kick() -> None:
    from .registrants import events_to_sync
    from .tasks import sync_registrants  # tasks import the services they run

    wanted = db.session().info.pop(PENDING, set())
    if not wanted or not kicks_wanted():
        return
    linked = events_to_sync(among=None if EVERY_EVENT in wanted else wanted)
    for event_id in sorted(linked):
        try:
            sync_registrants(event_id)
        except Exception:  # the queue being down must not fail the registration: the sweep does it
            log.exception("could not enqueue the registrants' sync of event %s", event_id)


@sa.event.listens_for(OrmSession, "after_flush")
def _registrations_flushed(session: OrmSession, _context) -> None:
    new = session.new  # a set built at each reading: read once, not once an object
    for obj in (*new, *session.dirty):
        if isinstance(obj, Registration) and (
            obj in new or sa.inspect(obj).attrs.status.history.has_changes()
        ):
            want_sync(session, obj.event_id)


@sa.event.listens_for(OrmSession, "do_orm_execute")
def _registrations_written(state: ORMExecuteState) -> None:
    """Registrations written by statements (the fast INSERT of a registration, bulk changes)."""
    if not (state.is_insert or state.is_update):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) != REGISTRATION_TABLE:
        return
    parameters = state.parameters if isinstance(state.parameters, dict) else None
    event_id = parameters.get("event_id") if parameters else None
    want_sync(state.session, event_id if isinstance(event_id, int) else EVERY_EVENT)


@sa.event.listens_for(OrmSession, "after_flush")
def _events_flushed(session: OrmSession, _context) -> None:
    """An event moved or renamed in a unit of work: its Zoom webinar follows after the commit."""
    if UNIT_OF_WORK not in session.info:
        return
    for obj in session.dirty:
        if isinstance(obj, Event) and any(
            getattr(sa.inspect(obj).attrs, name).history.has_changes() for name in SCHEDULE_FIELDS
        ):
            session.info.setdefault(MOVED, set()).add(obj.id)
            on_commit(_kick_moved)


def _kick_moved() -> None:
    from .tasks import update_zoom_meeting

    moved = db.session().info.pop(MOVED, set())
    if not moved or not kicks_wanted():
        return
    linked = db.session.scalars(
        sa.select(MeetingLink.event_id).where(
            MeetingLink.event_id.in_(moved), MeetingLink.platform == Platform.ZOOM
        )
    )
    for event_id in sorted(linked):
        try:
            update_zoom_meeting(event_id)
        except Exception:  # the queue being down must not fail the change: "Update on Zoom" remains
            log.exception("could not enqueue the Zoom update of event %s", event_id)
