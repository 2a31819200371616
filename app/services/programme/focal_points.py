"""The focal points of delegations (issue 21): the contacts on record of each member state and
organisation, for the whole programme, kept by organisers in the console."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...database import folded, write_transaction
from ...extensions import db
from ...models import Account, FocalPoint
from .. import audit, regions


class FocalPointError(Exception):
    """Refused; the message says why (shown on the form)."""

    status = 400


class KnownFocalPoint(FocalPointError):
    """That address is already a focal point of that delegation."""

    status = 409


@dataclass(frozen=True)
class FocalPointDetails:
    """A member state (`country`) or an organisation, not both; the email already normalised."""

    name: str
    email: str
    country: str = ""
    organisation: str = ""
    language: str = ""  # of the emails they are sent; "": the site's own

    @property
    def delegation(self) -> str:
        return regions.delegation_name(self.country, self.organisation)


def delegation_label(focal_point: FocalPoint, locale: str | None = None) -> str:
    """Their delegation's name, in `locale` (a country's; the page's language by default)."""
    return regions.delegation_name(focal_point.country, focal_point.organisation, locale)


def focal_points() -> Sequence[FocalPoint]:
    """Member states first, in the order of their names in the page's language, then
    organisations by name; each delegation's contacts by name."""
    found = db.session.scalars(sa.select(FocalPoint)).all()
    return sorted(found, key=lambda f: (*regions.delegation_order(f.country, f.organisation), folded(f.name)))


def add_focal_point(details: FocalPointDetails, *, by: Account) -> FocalPoint:
    if bool(details.country) == bool(details.organisation):
        raise FocalPointError(_l("Choose a member state or give an organisation, not both."))
    try:
        return _add(details, by)
    except sa.exc.IntegrityError:  # the same added at the same moment by someone else
        raise KnownFocalPoint(
            _l("This address is already a focal point of %(delegation)s.", delegation=details.delegation)
        ) from None


def _add(details: FocalPointDetails, by: Account) -> FocalPoint:
    with write_transaction() as session:
        known = session.scalar(
            sa.select(FocalPoint.id).where(
                FocalPoint.country == details.country,
                FocalPoint.organisation == details.organisation,
                FocalPoint.email == details.email,
            )
        )
        if known is not None:
            raise KnownFocalPoint(
                _l("This address is already a focal point of %(delegation)s.", delegation=details.delegation)
            )
        focal_point = FocalPoint(
            country=details.country,
            organisation=details.organisation,
            name=details.name,
            email=details.email,
            language=details.language,
        )
        session.add(focal_point)
        session.flush()
        # The address stays out of the audit log (it outlives the contact).
        audit.record("focal_point.add", focal_point, f"{details.name}, {details.delegation}", actor=by)
    return focal_point


def remove_focal_point(focal_point: FocalPoint, *, by: Account) -> None:
    with write_transaction() as session:
        focal_point = session.get_one(FocalPoint, focal_point.id)
        audit.record(
            "focal_point.remove",
            focal_point,
            f"{focal_point.name}, {delegation_label(focal_point)}",
            actor=by,
        )
        session.delete(focal_point)
