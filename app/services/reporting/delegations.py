"""Participation by delegation (issue 21): the member states and organisations represented at
a meeting, each delegation with its people registered, confirmed and present, and whether its
head of delegation came. Read from what the meeting's form asked ("representing", "head of
delegation": services/fields.py); live figures for the organisers' summary and PDF report,
not published (as gender_figures)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from ...extensions import db
from ...models import Attendance, Event, Registration, RegistrationStatus, StandardField
from .. import regions

# Those who hold or wait for a place (not the cancelled nor the rejected).
REGISTERED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)


@dataclass(frozen=True)
class Delegation:
    """One member state (`country`) or organisation (`organisation`)."""

    country: str
    organisation: str
    label: str
    registered: int  # confirmed, on the waiting list or awaiting approval
    confirmed: int
    present: int  # confirmed registrants who attended (checked in, or in a report)
    head_confirmed: bool
    head_present: bool

    @property
    def is_member_state(self) -> bool:
        return bool(self.country)


@dataclass(frozen=True)
class DelegationFigures:
    delegations: list[Delegation]

    @property
    def member_states(self) -> list[Delegation]:
        return [d for d in self.delegations if d.is_member_state]

    @property
    def member_states_confirmed(self) -> int:
        return sum(1 for d in self.member_states if d.confirmed)

    @property
    def member_states_present(self) -> int:
        return sum(1 for d in self.member_states if d.present)

    @property
    def heads_confirmed(self) -> int:
        return sum(1 for d in self.delegations if d.head_confirmed)

    @property
    def heads_present(self) -> int:
        return sum(1 for d in self.delegations if d.head_present)


def delegation_figures(event: Event) -> DelegationFigures | None:
    """None when the event's form does not ask whom people represent; member states first, by
    their name in the page's language, then organisations by name."""
    if StandardField.REPRESENTING.value not in event.asked_fields:
        return None
    rows = db.session.execute(_by_delegation(), {"event_id": event.id}).all()
    delegations = [
        Delegation(
            country=row.representing_country,
            organisation=row.representing_organisation if not row.representing_country else "",
            label=regions.delegation_name(row.representing_country, row.representing_organisation),
            registered=row.registered,
            confirmed=row.confirmed,
            present=row.present,
            head_confirmed=bool(row.head_confirmed),
            head_present=bool(row.head_present),
        )
        for row in rows
    ]
    delegations.sort(key=lambda d: regions.delegation_order(d.country, d.organisation))
    return DelegationFigures(delegations)


@cache
def _by_delegation() -> sa.Select:
    """One statement: the event's active registrations grouped by whom they represent."""
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    present = sa.and_(
        confirmed,
        sa.exists().where(
            Attendance.event_id == Registration.event_id,
            Attendance.registration_id == Registration.id,
            Attendance.attended.is_(True),
        ),
    )
    head = Registration.head_of_delegation.is_(True)
    return (
        sa.select(
            Registration.representing_country,
            Registration.representing_organisation,
            sa.func.count().label("registered"),
            sa.func.count(sa.case((confirmed, 1))).label("confirmed"),
            sa.func.count(sa.case((present, 1))).label("present"),
            sa.func.count(sa.case((sa.and_(confirmed, head), 1))).label("head_confirmed"),
            sa.func.count(sa.case((sa.and_(present, head), 1))).label("head_present"),
        )
        .where(
            Registration.event_id == sa.bindparam("event_id"),
            Registration.status.in_(REGISTERED),
            sa.or_(Registration.representing_country != "", Registration.representing_organisation != ""),
        )
        .group_by(Registration.representing_country, Registration.representing_organisation)
    )
