"""The link a registrant joins the event by: their own, once the platform has given it, else
the event's shared one.

A personal join link is as secret as a manage link: it lets anyone in as that person. So it is
given only to the person (their manage page, their emails and calendar invitation, built with
`join_url_for`), never on an organiser's page, and hidden in the stored copy of an email
(mail/personal_links.py recognises it by its token parameter).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import PlatformRegistrant, Registration, RegistrationStatus


def join_url_for(registration: Registration) -> str:
    """The join link to give this registrant: none before their seat is confirmed."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return ""
    if registration.event.meeting_link is None:  # no platform gives personal links: one query an event
        return registration.event.join_url
    personal = db.session.scalar(
        sa.select(PlatformRegistrant.join_url).where(
            PlatformRegistrant.registration_id == registration.id,
            PlatformRegistrant.on_platform.is_(True),
            PlatformRegistrant.join_url != "",
        )
    )
    return personal or registration.event.join_url


def with_personal_links(registration_ids: list[int]) -> set[int]:
    """Which of these registrations the platform has given a personal join link: for the API,
    which says so without giving the link (it lets anyone in as that person)."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(PlatformRegistrant.registration_id).where(
                PlatformRegistrant.registration_id.in_(registration_ids),
                PlatformRegistrant.on_platform.is_(True),
                PlatformRegistrant.join_url != "",
            )
        )
    )
