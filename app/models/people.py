"""Delegates, their registrations and their attendance."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, contains_folded, contains_text, folded_fields, utcnow
from ..database.base import Model
from .accounts import Account
from .enums import AttendanceSource, BadgeRole, ImportStatus, OrganisationKind, RegistrationStatus, enum_type
from .programme import Event

NAME_PART_MAX = 100
NEEDS_MAX = 1000


def new_manage_key() -> str:
    return secrets.token_urlsafe(24)


class PersonDetails:
    """What a delegate tells us about themselves.

    A Delegate keeps what they gave when first registering, changed since only
    through their own manage link or by an organiser (a public form proves
    nothing about who typed an address); each Registration keeps what was
    declared for that event, so that a summary of a 2021 webinar still counts
    the organisation a delegate worked for in 2021.
    """

    name: Mapped[str] = mapped_column(sa.String(200))
    # The name in Latin letters, given by someone whose name is in another script (Arabic,
    # Ge'ez, Cyrillic ...), so that a check-in desk and a participant report can find them.
    latin_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_kind: Mapped[OrganisationKind] = mapped_column(
        enum_type(OrganisationKind, "organisation_kind"), default=OrganisationKind.OTHER
    )
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO 3166-1 alpha-2
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    # Asked where the form asks them (enums.StandardField; "" where it did not). `name` stays
    # filled ("given family"), for every use of it: search, emails, exports.
    salutation: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")  # enums.Salutation
    given_name: Mapped[str] = mapped_column(sa.String(NAME_PART_MAX), default="", server_default="")
    family_name: Mapped[str] = mapped_column(sa.String(NAME_PART_MAX), default="", server_default="")

    DETAIL_FIELDS: tuple[str, ...] = (
        "name",
        "latin_name",
        "organisation",
        "organisation_kind",
        "country",
        "job_title",
        "language",
        "salutation",
        "given_name",
        "family_name",
    )

    def details(self) -> dict:
        return {field: getattr(self, field) for field in self.DETAIL_FIELDS}

    def set_details(self, details: dict) -> None:
        for field in self.DETAIL_FIELDS:
            # Only what differs: an unchanged object costs the commit no flush.
            if field in details and getattr(self, field) != details[field]:
                setattr(self, field, details[field])


class Delegate(PersonDetails, Model):
    """One person across all events, known by a normalised email address."""

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the person's data was erased (at their request or past retention): the row
    # stays, with a placeholder address, so that summaries still count them once.
    anonymised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registrations: Mapped[list[Registration]] = relationship(
        back_populates="delegate", lazy="write_only", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Delegate {self.id} {self.email}>"


# What the search of people reads, folded (app/database/types.py), in this order: sorting by the
# column sorts by the name first.
SEARCHED_FIELDS = ("name", "latin_name", "organisation")
SEARCH_TEXT_LENGTH = 700


def search_text_of(values) -> str:
    """The folded search column of a registration with these values (a mapping or an object)."""
    get = values.get if isinstance(values, dict) else lambda field: getattr(values, field, "")
    return folded_fields(*(get(field) for field in SEARCHED_FIELDS))[:SEARCH_TEXT_LENGTH]


def _search_text_default(context) -> str:
    """On every INSERT, ORM or not (the registration service inserts with Core)."""
    return search_text_of(context.get_current_parameters())


class Registration(PersonDetails, Model):
    """A delegate for an event."""

    __table_args__ = (
        sa.UniqueConstraint("event_id", "delegate_id", name="uq_registration_event_delegate"),
        # The lists of an event (confirmed, waiting list in order) read this.
        sa.Index("ix_registration_event_status", "event_id", "status", "status_changed_dt"),
        # Who took part, for the summaries, from the index alone: an event's registrations in
        # the order of its attendance (event, registration), with the figures' columns.
        sa.Index(
            "ix_registration_event_participant",
            "event_id",
            "id",
            "status",
            "delegate_id",
            "country",
            "organisation_kind",
        ),
        # A delegate's registrations, with what the summaries ask of each (did they take
        # part in an earlier event?), read from the index alone.
        sa.Index("ix_registration_delegate_event", "delegate_id", "event_id", "status", "id"),
        # The search of an event's people (and the sort by name) reads this index, not the rows.
        sa.Index("ix_registration_event_search_text", "event_id", "search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("delegate.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus, "status"))
    # Registrations made together in one series form share this key.
    batch_key: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    consent_privacy_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    # The version of the privacy notice accepted then; None: the built-in text (no version stored).
    privacy_notice_version: Mapped[int | None] = mapped_column()
    consent_participant_list: Mapped[bool] = mapped_column(default=False)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Part of the signed manage link; replacing it revokes every old link.
    manage_key: Mapped[str] = mapped_column(sa.String(64), default=new_manage_key)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Orders the waiting list: the earliest to enter it is promoted first.
    status_changed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by each change of details, so that two organisers' edits cannot
    # silently overwrite each other. (Not the ORM's version_id_col: status
    # changes happen under the event's lock and need no such check.)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The organiser who added it by hand (a delegate who registered by phone).
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    # Set when its personal details were removed (erasure or retention); what the summaries
    # count (status, country, kind and name of organisation, delegate) stays.
    anonymised_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SEARCHED_FIELDS folded, kept by the default above and the listener below; binary order
    # on both databases ("C" on PostgreSQL, as SQLite compares), so that a sort reads the same.
    search_text: Mapped[str] = mapped_column(
        sa.String(SEARCH_TEXT_LENGTH).with_variant(
            sa.String(SEARCH_TEXT_LENGTH, collation="C"), "postgresql"
        ),
        default=_search_text_default,
        server_default="",
    )

    # What this event's form asked besides (enums.StandardField), declared for this event
    # only, so on the registration and not the delegate: "" or None where it was not asked.
    gender: Mapped[str] = mapped_column(sa.String(24), default="", server_default="")  # enums.Gender
    # A member state (ISO 3166-1 alpha-2) or an organisation, not the person's own country.
    representing_country: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    representing_organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    head_of_delegation: Mapped[bool | None] = mapped_column()
    # enums.InterpretationLanguage
    interpretation_language: Mapped[str] = mapped_column(sa.String(8), default="", server_default="")
    accessibility_needs: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # enums.DietaryNeed, and what "other" is
    dietary_needs: Mapped[str] = mapped_column(sa.String(24), default="", server_default="")
    dietary_other: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    visa_letter_needed: Mapped[bool | None] = mapped_column()

    DECLARED_FIELDS = (
        "gender",
        "representing_country",
        "representing_organisation",
        "head_of_delegation",
        "interpretation_language",
        "accessibility_needs",
        "dietary_needs",
        "dietary_other",
        "visa_letter_needed",
    )
    DETAIL_FIELDS = PersonDetails.DETAIL_FIELDS + DECLARED_FIELDS
    # The colour band of the person's badge, chosen by the organisers (delegate unless said).
    badge_role: Mapped[BadgeRole] = mapped_column(
        enum_type(BadgeRole, "badge_role"), default=BadgeRole.DELEGATE, server_default="delegate"
    )
    # When their badge was last printed: "late arrivals" are the confirmed with none yet.
    badge_printed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="registrations")
    delegate: Mapped[Delegate] = relationship(back_populates="registrations")

    @property
    def email(self) -> str:
        return self.delegate.email

    @property
    def is_active(self) -> bool:
        return self.status in RegistrationStatus.live()

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


@sa.event.listens_for(Registration, "before_update")
def _search_text_follows(_mapper, _connection, registration: Registration) -> None:
    """Every ORM change of a searched field folds the column again."""
    state = sa.inspect(registration)
    if any(state.attrs[field].history.has_changes() for field in SEARCHED_FIELDS):
        registration.search_text = search_text_of(registration)


SEARCHED_WORDS = 5


def registrations_matching(search: str, *, addresses: bool, by_word: bool = False) -> sa.ColumnElement[bool]:
    """Registrations whose name, Latin name or organisation -- or address, if the reader may
    see addresses -- hold `search` (each of its words if `by_word`, as at check-in), whatever
    the case, accents and punctuation: "alvarez nunez" finds "José María Álvarez-Núñez".
    (A query naming Delegate for the address.)"""
    terms = search.split()[:SEARCHED_WORDS] if by_word else [search.strip()]
    conditions = []
    for term in terms:
        # A term with "@" is (part of) an address: looked for in addresses only, where the reader
        # may see them (folded, "amina.yusuf@" would otherwise find the name "Amina Yusuf").
        found = [] if "@" in term else [contains_folded(Registration.search_text, term)]
        if addresses:
            found.append(contains_text(Delegate.email, term))
        conditions.append(sa.or_(sa.false(), *found))
    return sa.and_(sa.true(), *conditions)


class Attendance(Model):
    """Whether and how long someone took part: a registrant or a walk-in."""

    __table_args__ = (
        sa.UniqueConstraint("event_id", "registration_id", name="uq_attendance_event_registration"),
        # One row per person and event, whatever number of reports are imported.
        sa.UniqueConstraint("event_id", "participant_key", name="uq_attendance_event_participant_key"),
        sa.CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        # Whether a registrant attended, read from the index alone (the summaries ask it of
        # every attendee and of every earlier registration of a participant).
        sa.Index("ix_attendance_event_registration_attended", "event_id", "registration_id", "attended"),
        # The walk-ins known by a delegate's email: whose events a change to the delegate
        # gives a new version of their participants (see participation.py).
        sa.Index(
            "ix_attendance_walk_in_email",
            "email",
            sqlite_where=sa.text("registration_id IS NULL"),
            postgresql_where=sa.text("registration_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # Empty for people who took part without registering.
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    # "reg:<registration id>", else the normalised email, else "name:<normalised name>".
    participant_key: Mapped[str] = mapped_column(sa.String(300))
    # What a walk-in told us, if anything (a registrant's details are on the registration).
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_kind: Mapped[OrganisationKind | None] = mapped_column(
        enum_type(OrganisationKind, "organisation_kind")
    )
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    source: Mapped[AttendanceSource] = mapped_column(enum_type(AttendanceSource, "source"))
    import_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attendance_import.id", ondelete="SET NULL"), index=True
    )
    first_join_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_leave_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(default=0)
    attended: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceImport(Model):
    """One participant report uploaded for an event: checked in a preview, then saved."""

    __tablename__ = "attendance_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    # The same file imported twice is recognised by this and changes nothing.
    file_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    source: Mapped[AttendanceSource] = mapped_column(enum_type(AttendanceSource, "source"))
    status: Mapped[ImportStatus] = mapped_column(
        enum_type(ImportStatus, "status"), default=ImportStatus.PREVIEW
    )
    # The report's columns as mapped to ours: {"name": "Name (original name)", ...}
    column_map: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The merged participants with their matches, kept between the preview and the import.
    participants: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The file as uploaded, kept while previewed so that it can be read again with another zone
    # or order of day and month; not loaded with the import.
    report_file: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    matched_count: Mapped[int] = mapped_column(default=0)
    unmatched_count: Mapped[int] = mapped_column(default=0)
    # Of the unmatched, those the organiser chose to record as walk-ins.
    walk_in_count: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The import of the event this corrected file takes the place of, once confirmed.
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("attendance_import.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship()
    account: Mapped[Account | None] = relationship()


class DoorScan(Model):
    """A scan of a check-in code sent by the check-in page, kept by the id the page gave it: a
    scan queued offline and sent again (twice, or after a lost answer) is recorded once."""

    __table_args__ = (sa.UniqueConstraint("event_id", "client_id", name="uq_door_scan_event_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(sa.String(64))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    # When the page read the code (a queued scan arrives later), and when it reached us.
    scanned_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the scan did: "checked_in" or "already" (see attendance/door.py).
    outcome: Mapped[str] = mapped_column(sa.String(16))
