"""Series and events, with their agenda, speakers and documents."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import AgendaItemKind, DocumentKind, EventFormat, EventKind, SpeakerGender, SpeakerRole, enum_type

if TYPE_CHECKING:
    from .integrations import MeetingLink
    from .people import Registration


class Series(Model):
    """An ordered set of events under one title, such as "The 4Ps Revisited"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    chair: Mapped[str] = mapped_column(sa.String(200), default="")
    organiser: Mapped[str] = mapped_column(sa.String(200), default="")
    is_published: Mapped[bool] = mapped_column(default=True)
    is_cancelled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    summary_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The reminders of its events unless an event sets its own: [{"minutes": 1440, "note": ""}]
    reminder_schedule: Mapped[list | None] = mapped_column(sa.JSON)
    # The standard fields its events' forms ask (enums.StandardField value: required?), unless
    # an event sets its own; None or {}: none (a webinar's form).
    form_fields: Mapped[dict | None] = mapped_column(sa.JSON)
    # Registrations are anonymised this long after the series' last event ends.
    retention_months: Mapped[int] = mapped_column(default=24, server_default="24")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: an edit made from a stale form is refused, not applied over another's.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="Event.start_dt", lazy="selectin"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="series", order_by="Document.position", cascade="all, delete-orphan"
    )

    @property
    def published_events(self) -> list[Event]:
        return [event for event in self.events if event.is_published]

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.title!r}>"


class RegistrationState(enum.StrEnum):
    """What a visitor can do about an event right now."""

    OPEN = "open"
    CLOSING_SOON = "closing_soon"
    WAITLIST = "waitlist"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    PAST = "past"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RegistrationWindow:
    state: RegistrationState
    opens_dt: datetime | None = None
    closes_dt: datetime | None = None
    seats_left: int | None = None

    @property
    def accepts_registrations(self) -> bool:
        return self.state in (
            RegistrationState.OPEN,
            RegistrationState.CLOSING_SOON,
            RegistrationState.WAITLIST,
        )


class Event(Model):
    """One webinar or meeting, in a series or standalone."""

    __table_args__ = (
        sa.CheckConstraint("end_dt > start_dt", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("confirmed_count >= 0", name="confirmed_not_negative"),
        # The backstop of the seat-taking UPDATE: overbooking is impossible
        # even if a code path forgets the guard. Only the seats organisers gave over
        # capacity on purpose (protocol, `protocol_seats`) go beyond it.
        sa.CheckConstraint(
            "capacity IS NULL OR confirmed_count <= capacity + protocol_seats",
            name="confirmed_within_capacity",
        ),
        sa.CheckConstraint("protocol_seats >= 0", name="protocol_seats_not_negative"),
        sa.CheckConstraint(
            "nomination_quota IS NULL OR nomination_quota >= 1", name="nomination_quota_positive"
        ),
        sa.CheckConstraint(
            "registration_opens_dt IS NULL OR registration_closes_dt IS NULL "
            "OR registration_closes_dt > registration_opens_dt",
            name="registration_window_ordered",
        ),
        sa.Index("ix_event_published_start", "is_published", "start_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    theme: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "kind"), default=EventKind.WEBINAR)
    format: Mapped[EventFormat] = mapped_column(enum_type(EventFormat, "format"), default=EventFormat.ONLINE)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    start_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    join_url: Mapped[str] = mapped_column(sa.String(500), default="")
    # As secret as the join link: shown only where it is (confirmed registrants).
    join_passcode: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # Dial-in numbers, one a line, and the meeting id.
    dial_in: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    capacity: Mapped[int | None] = mapped_column()
    confirmed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # How many of the confirmed seats are beyond the capacity, given by organisers on
    # purpose ("seat over capacity": registrations.seat_over_capacity); written only by the
    # seat counter's guarded UPDATEs, and back to 0 once the count is within capacity again.
    protocol_seats: Mapped[int] = mapped_column(default=0, server_default="0")
    # Delegations nominated by their focal points (issue 21): on when a quota per delegation
    # is set; nominations close at `nominations_close_dt`, else when registration closes.
    nomination_quota: Mapped[int | None] = mapped_column()
    nominations_close_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_opens_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=True)
    is_cancelled: Mapped[bool] = mapped_column(default=False)
    # Bumped whenever time or place changes, so calendar entries update.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # [{"minutes": 1440, "note": "..."}]; None: the series' schedule, else the default.
    reminder_schedule: Mapped[list | None] = mapped_column(sa.JSON)
    # The standard fields its form asks ({"gender": True, ...}: required or not); None: the
    # series' (see `asked_fields`).
    form_fields: Mapped[dict | None] = mapped_column(sa.JSON)
    outcomes: Mapped[str] = mapped_column(sa.Text, default="")
    recommendations_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Minutes online from which a participant of a report counts as "attended".
    attendance_min_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    # The post-event summary's paragraph: generated, edited by organisers, then published.
    summary_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking of organisers' edits. The seat counter is changed by a
    # guarded UPDATE outside the ORM, so registrations do not bump it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    series: Mapped[Series | None] = relationship(back_populates="events")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="event", order_by="Document.position", cascade="all, delete-orphan"
    )
    # Read once per event however many registrants' emails are composed (join_links.join_url_for).
    meeting_link: Mapped[MeetingLink | None] = relationship(viewonly=True, uselist=False)
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", lazy="write_only", passive_deletes=True
    )

    # Registration closes this long before the start when no instant is set.
    CLOSING_SOON = timedelta(days=7)

    @property
    def asked_fields(self) -> dict[str, bool]:
        """The standard fields its form asks, each with whether it is required: its own
        setting, else its series', else none."""
        own = self.form_fields
        if own is None and self.series is not None:
            own = self.series.form_fields
        return {key: bool(required) for key, required in (own or {}).items()}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def closes_dt(self) -> datetime:
        return self.registration_closes_dt or self.start_dt

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def seats_within_capacity(self) -> int:
        """The confirmed seats but those organisers gave over capacity: the least the
        capacity can be lowered to."""
        return self.confirmed_count - self.protocol_seats

    @property
    def over_capacity_by(self) -> int:
        """How many confirmed seats are beyond the capacity (organisers' protocol seats)."""
        if self.capacity is None:
            return 0
        return max(self.confirmed_count - self.capacity, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed_count >= self.capacity

    def has_started(self, now: datetime | None = None) -> bool:
        return self.start_dt <= (now or utcnow())

    def is_past(self, now: datetime | None = None) -> bool:
        return self.end_dt <= (now or utcnow())

    def registration_window(self, now: datetime | None = None) -> RegistrationWindow:
        now = now or utcnow()
        if self.is_cancelled:
            state = RegistrationState.CANCELLED
        elif self.has_started(now):
            state = RegistrationState.PAST
        elif self.registration_opens_dt and now < self.registration_opens_dt:
            state = RegistrationState.NOT_YET_OPEN
        elif now >= self.closes_dt:
            state = RegistrationState.CLOSED
        elif self.is_full:
            state = RegistrationState.WAITLIST
        elif self.closes_dt - now <= self.CLOSING_SOON:
            state = RegistrationState.CLOSING_SOON
        else:
            state = RegistrationState.OPEN
        return RegistrationWindow(
            state=state,
            opens_dt=self.registration_opens_dt,
            closes_dt=self.closes_dt,
            seats_left=self.seats_left,
        )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class AgendaItem(Model):
    """A keynote, panel or session of an event."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        sa.CheckConstraint(
            "start_dt IS NULL OR end_dt IS NULL OR end_dt > start_dt", name="ends_after_start"
        ),
        sa.CheckConstraint("end_dt IS NULL OR start_dt IS NOT NULL", name="end_needs_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[AgendaItemKind] = mapped_column(
        enum_type(AgendaItemKind, "kind"), default=AgendaItemKind.SESSION
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Optional times within the event, shown in the event's zone.
    start_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="agenda_item", order_by="Speaker.position", cascade="all, delete-orphan"
    )

    @property
    def moderators(self) -> list[Speaker]:
        return [s for s in self.speakers if s.role == SpeakerRole.MODERATOR]

    @property
    def presenters(self) -> list[Speaker]:
        return [s for s in self.speakers if s.role == SpeakerRole.SPEAKER]


class Speaker(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[SpeakerRole] = mapped_column(enum_type(SpeakerRole, "role"), default=SpeakerRole.SPEAKER)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    # Only for the role's title to agree (French, Arabic); never shown as such.
    gender: Mapped[SpeakerGender] = mapped_column(
        enum_type(SpeakerGender, "speaker_gender"),
        default=SpeakerGender.NOT_GIVEN,
        server_default=SpeakerGender.NOT_GIVEN.value,
    )

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="speakers")

    @property
    def role_title(self) -> str:
        """'Modératrice', 'Intervenant', in the reader's language."""
        return self.role.title_for(self.gender)


class Document(Model):
    """A background note, Reader, presentation or report: a stored file or a link."""

    __table_args__ = (
        sa.CheckConstraint("(event_id IS NULL) <> (series_id IS NULL)", name="one_owner"),
        sa.CheckConstraint("(stored_name IS NULL) <> (url IS NULL)", name="file_or_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind"), default=DocumentKind.OTHER)
    title: Mapped[str] = mapped_column(sa.String(300))
    is_public: Mapped[bool] = mapped_column(default=True)
    # A file is stored under a name we chose, never the uploader's.
    stored_name: Mapped[str | None] = mapped_column(sa.String(100))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(default=0)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event | None] = relationship(back_populates="documents")
    series: Mapped[Series | None] = relationship(back_populates="documents")

    @property
    def is_link(self) -> bool:
        return self.url is not None
