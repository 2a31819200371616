"""Delegations nominated by their focal points (issue 21).

Organisers give an event a quota per delegation, which switches nominations on, and invite the
focal points: each gets an email with a personal link (signed, dated, bound to their address:
links.nomination_token; hidden in the stored copy like every link with a token). On that page a
focal point sees their delegation's nominees, adds some up to the quota and replaces one, until
the nominations close (`nominations_close_dt`, else when registration closes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...database import lock_row, utcnow, write_transaction
from ...extensions import db
from ...i18n import email_locale
from ...models import (
    Account,
    Delegate,
    Event,
    FocalPoint,
    Nomination,
    NomineeRole,
    Registration,
    RegistrationStatus,
)
from .. import audit, links, regions
from ..mail import notifications
from ..registration import registrations
from .focal_points import delegation_label


class NominationError(Exception):
    """Refused; the message says why. `status`: the HTTP status a page answers with."""

    status = 400


class LinkNotValid(NominationError):
    status = 404


class NominationsClosed(NominationError):
    status = 409


class QuotaReached(NominationError):
    status = 409


@dataclass(frozen=True)
class Invitation:
    """What a valid link opens: an event, and the delegation of the focal point it was sent to."""

    event: Event
    focal_point: FocalPoint

    @property
    def delegation(self) -> str:
        return delegation_label(self.focal_point)


@dataclass(frozen=True)
class Nominee:
    name: str
    email: str  # already normalised
    role: NomineeRole
    language: str = ""  # of their email, preselected on the form it opens; "": the site's own


def closes_dt(event: Event) -> datetime:
    return event.nominations_close_dt or event.closes_dt


def is_open(event: Event, now: datetime | None = None) -> bool:
    return (
        event.nomination_quota is not None and not event.is_cancelled and (now or utcnow()) < closes_dt(event)
    )


def set_nominations(event: Event, quota: int | None, close_dt: datetime | None, *, by: Account) -> Event:
    """Switch nominations on (a quota per delegation) or off (None), and set their deadline."""
    if quota is not None and quota < 1:
        raise NominationError(_l("The quota per delegation is at least 1."))
    with write_transaction() as session:
        event = lock_row(session, Event, event.id)
        event.nomination_quota, event.nominations_close_dt = quota, close_dt
        audit.record("event.nominations", event, f"{event.title}: quota {quota}", actor=by, quota=quota)
    return event


def invite_focal_points(event: Event, *, by: Account, now: datetime | None = None) -> int:
    """An email to every focal point on record with their personal link; returns how many."""
    if not is_open(event, now):
        raise NominationsClosed(
            _l("Nominations are not open for this event: set a quota and a deadline to come.")
        )
    with write_transaction():
        focal_points = db.session.scalars(sa.select(FocalPoint).order_by(FocalPoint.id)).all()
        for focal_point in focal_points:
            notifications.queue_account_email(
                "nomination_invitation",
                focal_point.email,
                focal_point.name,
                _l("Nominate your delegation: %(title)s", title=event.title),
                language=focal_point.language,
                event_title=event.title,
                delegation=delegation_label(focal_point, email_locale(focal_point.language)),
                quota=event.nomination_quota,
                closes=closes_dt(event),
                zone=event.zone,
                nominate_url=links.external_url(
                    "registration.nominate",
                    token=links.nomination_token(event.id, focal_point.id, focal_point.email),
                ),
            )
        audit.record(
            "event.nominations_invite", event, f"{event.title}: {len(focal_points)} focal points", actor=by
        )
    return len(focal_points)


def _invite_to_register(invitation: Invitation, nomination: Nomination) -> None:
    """The nominee's email: their own registration, the event's form pre-filled."""
    event = invitation.event
    notifications.queue_account_email(
        "nomination_registration",
        nomination.email,
        nomination.name,
        _l("You are nominated: %(title)s", title=event.title),
        language=nomination.language,
        event_title=event.title,
        delegation=delegation_label(invitation.focal_point, email_locale(nomination.language)),
        register_url=links.external_url(
            "registration.nominee_register", token=links.nominee_token(nomination.id, nomination.email)
        ),
    )


def nomination_for(token: str) -> Nomination:
    """The standing nomination a nominee's link names; refused if forged, expired, replaced,
    or its event no longer takes registrations (the form says so then)."""
    read = links.read_nominee_token(token)
    nomination = db.session.get(Nomination, read[0]) if read else None
    if (
        read is None
        or nomination is None
        or nomination.replaced_dt is not None
        or not links.address_matches(nomination.email, read[1])
    ):
        raise LinkNotValid(_l("This link is not valid or has expired. Ask the secretariat for a new one."))
    return nomination


def invitation_for(token: str) -> Invitation:
    """The event and focal point a link opens; refused if forged, expired, or sent to an
    address no longer on record."""
    read = links.read_nomination_token(token)
    if read is None:
        raise LinkNotValid(_l("This link is not valid or has expired. Ask the secretariat for a new one."))
    event_id, focal_point_id, mark = read
    event, focal_point = db.session.get(Event, event_id), db.session.get(FocalPoint, focal_point_id)
    if event is None or focal_point is None or not links.address_matches(focal_point.email, mark):
        raise LinkNotValid(_l("This link is not valid or has expired. Ask the secretariat for a new one."))
    return Invitation(event, focal_point)


def nominees(invitation: Invitation) -> Sequence[Nomination]:
    """The delegation's nominees standing (not replaced), in the order they were nominated."""
    return db.session.scalars(_standing(invitation).order_by(Nomination.created_dt, Nomination.id)).all()


def _standing(invitation: Invitation) -> sa.Select:
    return sa.select(Nomination).where(
        Nomination.event_id == invitation.event.id,
        Nomination.country == invitation.focal_point.country,
        Nomination.organisation == invitation.focal_point.organisation,
        Nomination.replaced_dt.is_(None),
    )


def nominate(invitation: Invitation, nominee: Nominee, *, now: datetime | None = None) -> Nomination:
    """Add a nominee to the delegation, within its quota, before the deadline."""
    with write_transaction() as session:
        event = _open_event(session, invitation, now)
        standing = session.scalars(_standing(invitation)).all()
        if len(standing) >= (event.nomination_quota or 0):
            raise QuotaReached(
                _l(
                    "Your delegation has its %(quota)d nominees: replace one to nominate someone else.",
                    quota=event.nomination_quota,
                )
            )
        _check_new_address(standing, nominee)
        return _add(session, invitation, nominee, now)


def replace(
    invitation: Invitation, nomination_id: int, nominee: Nominee, *, now: datetime | None = None
) -> Nomination:
    """Put someone else in a nominee's place, before the deadline."""
    with write_transaction() as session:
        _open_event(session, invitation, now)
        standing = session.scalars(_standing(invitation)).all()
        old = next((nomination for nomination in standing if nomination.id == nomination_id), None)
        if old is None:
            raise LinkNotValid(_l("This nominee is not one of your delegation's."))
        _check_new_address([n for n in standing if n.id != old.id], nominee)
        old.replaced_dt = now or utcnow()
        return _add(session, invitation, nominee, now)


def _open_event(session, invitation: Invitation, now: datetime | None) -> Event:
    # The event's lock: two nominations at once count each other against the quota.
    event = lock_row(session, Event, invitation.event.id)
    if not is_open(event, now):
        raise NominationsClosed(_l("Nominations for this event are closed."))
    return event


def _check_new_address(standing: Sequence[Nomination], nominee: Nominee) -> None:
    if any(nomination.email == nominee.email for nomination in standing):
        raise NominationError(_l("This person is already nominated."))


def _add(session, invitation: Invitation, nominee: Nominee, now: datetime | None) -> Nomination:
    nomination = Nomination(
        event_id=invitation.event.id,
        focal_point_id=invitation.focal_point.id,
        country=invitation.focal_point.country,
        organisation=invitation.focal_point.organisation,
        name=nominee.name,
        email=nominee.email,
        role=nominee.role,
        language=nominee.language,
        created_dt=now or utcnow(),
    )
    session.add(nomination)
    session.flush()
    _invite_to_register(invitation, nomination)
    audit.record(
        "nomination.add",
        nomination,
        f"{nominee.name} ({nominee.role.value}), {invitation.delegation}, {invitation.event.title}",
    )
    return nomination


# --- what organisers see and do, per delegation ------------------------------------------------


@dataclass(frozen=True)
class DelegationNominees:
    """One delegation's standing nominees, each with their registration for the event if any."""

    country: str
    organisation: str
    label: str
    nominees: list[tuple[Nomination, Registration | None]]

    @property
    def key(self) -> str:
        return self.country or f"org:{self.organisation}"

    @property
    def registered(self) -> int:
        return sum(1 for _n, r in self.nominees if r is not None and r.is_active)

    @property
    def approved(self) -> int:
        return sum(1 for _n, r in self.nominees if r is not None and r.status == RegistrationStatus.CONFIRMED)

    @property
    def awaiting_approval(self) -> list[Registration]:
        return [r for _n, r in self.nominees if r is not None and r.status == RegistrationStatus.PENDING]

    @property
    def waiting_for_a_seat(self) -> list[Registration]:
        """Awaiting approval or on the waiting list: whom protocol may seat."""
        waiting = (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED)
        return [r for _n, r in self.nominees if r is not None and r.status in waiting]


def delegations_of(event: Event) -> list[DelegationNominees]:
    """Each delegation with standing nominees: member states by name, then organisations."""
    rows = db.session.execute(
        sa.select(Nomination, Registration)
        .outerjoin(Delegate, Delegate.email == Nomination.email)
        .outerjoin(
            Registration, sa.and_(Registration.delegate_id == Delegate.id, Registration.event_id == event.id)
        )
        .where(Nomination.event_id == event.id, Nomination.replaced_dt.is_(None))
        .order_by(Nomination.created_dt, Nomination.id)
    ).all()
    grouped: dict[tuple[str, str], list] = {}
    for nomination, registration in rows:
        grouped.setdefault((nomination.country, nomination.organisation), []).append(
            (nomination, registration)
        )
    return [
        DelegationNominees(
            country=country,
            organisation=organisation,
            label=regions.delegation_name(country, organisation),
            nominees=grouped[(country, organisation)],
        )
        for country, organisation in sorted(grouped, key=lambda key: regions.delegation_order(*key))
    ]


def _delegation(event: Event, key: str) -> DelegationNominees:
    delegation = next((d for d in delegations_of(event) if d.key == key), None)
    if delegation is None:
        raise LinkNotValid(_l("This delegation has no nominee for this event."))
    return delegation


def approve_delegation(event: Event, key: str, *, by: Account) -> registrations.BulkOutcome:
    """Approve every registration of the delegation's nominees still awaiting approval, each in
    its own unit of work (a seat if one is free, else the waiting list, as one by one)."""
    delegation = _delegation(event, key)
    ids = [registration.id for registration in delegation.awaiting_approval]
    if not ids:
        raise NominationError(_l("Nobody of this delegation is awaiting approval."))
    return registrations.act_on_many("approve", ids, [event.id], by=by)


def seat_delegation_over_capacity(event: Event, key: str, *, by: Account) -> list[Registration]:
    """Protocol: the delegation's nominees awaiting approval or on the waiting list confirmed
    though the event is full, all or none, each seat in the audit log
    (registrations.seat_over_capacity, which raises CannotSeat)."""
    ids = [registration.id for registration in _delegation(event, key).waiting_for_a_seat]
    if not ids:
        raise NominationError(_l("Nobody of this delegation is waiting for a seat."))
    return registrations.seat_over_capacity(ids, event.id, by=by)
