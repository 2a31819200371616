"""The video platforms: the programme's credentials, and an event's link to its meeting."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import TitledEnum, enum_type
from .programme import Event


class Platform(TitledEnum):
    ZOOM = "zoom"
    TEAMS = "teams"
    WEBEX = "webex"

    @classmethod
    def _titles(cls):
        return {cls.ZOOM: _l("Zoom"), cls.TEAMS: _l("Microsoft Teams"), cls.WEBEX: _l("Webex")}


class MeetingState(TitledEnum):
    """Where an event's link to its meeting stands."""

    LINKED = "linked"  # the platform knows the meeting
    FAILED = "failed"  # the last call to the platform failed: see last_error
    GONE = "gone"  # the platform says the meeting no longer exists

    @classmethod
    def _titles(cls):
        return {cls.LINKED: _l("Linked"), cls.FAILED: _l("Problem"), cls.GONE: _l("Deleted on the platform")}


class PlatformCredentials(Model):
    """The programme's credentials on each platform: one row, set by an admin. Secrets are kept
    encrypted (services/integrations/secrets.py) and never shown again."""

    __tablename__ = "platform_credentials"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zoom_account_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    zoom_client_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    zoom_client_secret: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    graph_tenant_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    graph_client_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    graph_client_secret: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    webex_token: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The Zoom app's event subscription "Secret Token": webhooks are checked with it.
    zoom_webhook_secret: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingLink(Model):
    """An event's meeting on a platform: the webinar or meeting whose registrants and report
    are the event's."""

    __tablename__ = "meeting_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    platform: Mapped[Platform] = mapped_column(enum_type(Platform, "platform"))
    # Zoom's webinar or meeting id (the number), Teams' online meeting id, Webex's meeting id.
    meeting_id: Mapped[str] = mapped_column(sa.String(200))
    # Zoom: "webinar" or "meeting", as the platform answered.
    meeting_kind: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    topic: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Teams: the organiser's Entra user id, under whom Graph finds the meeting and its reports.
    organizer_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # The shared join link as the platform gives it (Teams: as the organiser gave it).
    join_url: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    state: Mapped[MeetingState] = mapped_column(enum_type(MeetingState, "state"), default=MeetingState.LINKED)
    last_error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    linked_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last participant report fetched, and the import preview it became.
    fetched_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attendance_import.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship()


class PlatformRegistrant(Model):
    """A registration as a registrant of its event's meeting on the platform (Zoom): their
    personal join link, and whether the platform has them as they should be.

    The join link is as secret as a manage link: only the person sees it, on their manage page
    and in their emails (services/join_links.py), never an organiser's page or a stored email.
    """

    __tablename__ = "platform_registrant"
    __table_args__ = (sa.Index("ix_platform_registrant_due", "meeting_link_id", "next_attempt_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    meeting_link_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_link.id", ondelete="CASCADE"))
    # Whether the platform has them as an approved registrant now.
    on_platform: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    registrant_id: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    join_url: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # A failed call is tried again from then (backoff); a worker's claim lasts until then too.
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[MeetingLink] = relationship()


class LiveParticipant(Model):
    """Who is in a Zoom webinar or meeting now, as its webhooks tell (joined, left): the count
    on the event's page. The report after the event stays the source of the figures."""

    __tablename__ = "live_participant"
    __table_args__ = (sa.UniqueConstraint("meeting_link_id", "participant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_link_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_link.id", ondelete="CASCADE"))
    # Zoom's participant_uuid (or user_id): no name, no address is kept.
    participant_key: Mapped[str] = mapped_column(sa.String(200))
    in_room: Mapped[bool] = mapped_column(default=False)
    # The webhook's event_ts (ms): an older notification arriving late changes nothing.
    event_ts: Mapped[int] = mapped_column(sa.BigInteger, default=0)
