"""Read-only queries of the console, shared by its pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..database import utcnow
from ..extensions import db
from ..models import (
    Account,
    AgendaItem,
    Attendance,
    AttendanceImport,
    Document,
    Event,
    Mailing,
    Mailout,
    Message,
    Question,
    Registration,
    RegistrationStatus,
    Series,
    Speaker,
)

# Beyond any list the console shows; keeps a list's offset a number every database takes.
LAST_PAGE = 100_000


def page_asked() -> int:
    """The page the query string asks for, from 1 to LAST_PAGE whatever it says."""
    return min(max(request.args.get("page", 1, type=int), 1), LAST_PAGE)


def event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def series_or_404(series_id: int) -> Series:
    series = db.session.get(Series, series_id)
    if series is None:
        abort(404)
    return series


def dashboard_events(recent_limit: int = 10) -> tuple[list[Event], list[Event]]:
    now = utcnow()
    base = only_reachable(sa.select(Event).options(selectinload(Event.series)), Event.series_id, current_user)
    upcoming = db.session.scalars(base.where(Event.end_dt > now).order_by(Event.start_dt)).all()
    recent = db.session.scalars(
        base.where(Event.end_dt <= now).order_by(Event.start_dt.desc()).limit(recent_limit)
    ).all()
    return list(upcoming), list(recent)


def status_counts_by_event(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    """{event id: {status: count}} in one grouped query."""
    counts: dict[int, dict[RegistrationStatus, int]] = defaultdict(dict)
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in rows:
        counts[event_id][status] = count
    return counts


# --- partners: what an account with rights on some series only may reach -------------------------
#
# The one filter of every list of events or series (`only_reachable`), and the owner series of
# every kind of object a console or API address names (`series_named_by`), which the access check
# (access.py, `check_scope`) compares with the account's grants before any view runs.


def reachable_series(account: Account) -> set[int] | None:
    """The ids of the series a partner's account has rights on; None: every series (a global role)."""
    if not account.is_partner:
        return None
    return {grant.series_id for grant in account.series_grants}


def only_reachable(statement: sa.Select, series_column, account: Account) -> sa.Select:
    """`statement` restricted to the rows of the series `account` reaches (standalone events are
    no partner's: their series is NULL)."""
    reachable = reachable_series(account)
    if reachable is None:
        return statement
    return statement.where(series_column.in_(reachable))


def only_reachable_messages(statement: sa.Select, account: Account) -> sa.Select:
    """The mail log restricted, for a partner, to the messages to registrants of its series."""
    reachable = reachable_series(account)
    if reachable is None:
        return statement
    theirs = (
        sa.select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.series_id.in_(reachable))
    )
    return statement.where(Message.registration_id.in_(theirs))


class Unreachable:
    """An address naming nothing a partner may reach: no such row, or a programme-wide one."""


UNREACHABLE = Unreachable()


def _owner(model, value: int) -> sa.Select:
    # Documents and questions belong to a series or to an event (of a series or standalone).
    return (
        sa.select(sa.func.coalesce(model.series_id, Event.series_id))
        .select_from(model)
        .outerjoin(Event, Event.id == model.event_id)
        .where(model.id == value)
    )


def _of_event(model, value: int) -> sa.Select:
    """The series of the event that the `model` row `value` belongs to."""
    return sa.select(Event.series_id).join(model, model.event_id == Event.id).where(model.id == value)


# For each argument of an address that names an object: the query of its series (NULL for a
# standalone event's). An argument not here names something of the whole programme (an account,
# a webhook, a token): no partner reaches it.
_SERIES_OF: dict[str, Callable[[int], sa.Select]] = {
    "series_id": lambda value: sa.select(Series.id).where(Series.id == value),
    "event_id": lambda value: sa.select(Event.series_id).where(Event.id == value),
    "registration_id": lambda value: _of_event(Registration, value),
    "item_id": lambda value: _of_event(AgendaItem, value),
    "speaker_id": lambda value: (
        sa.select(Event.series_id)
        .join(AgendaItem, AgendaItem.event_id == Event.id)
        .join(Speaker, Speaker.agenda_item_id == AgendaItem.id)
        .where(Speaker.id == value)
    ),
    "document_id": lambda value: _owner(Document, value),
    "question_id": lambda value: _owner(Question, value),
    "mailing_id": lambda value: _of_event(Mailing, value),
    "mailout_id": lambda value: _of_event(Mailout, value),
    "import_id": lambda value: _of_event(AttendanceImport, value),
    "attendance_id": lambda value: _of_event(Attendance, value),
    # A message of the mail log: one to a registrant (the others are the programme's: invitations...).
    "message_id": lambda value: (
        sa.select(Event.series_id)
        .join(Registration, Registration.event_id == Event.id)
        .join(Message, Message.registration_id == Registration.id)
        .where(Message.id == value)
    ),
}


def series_named_by(view_args: dict[str, Any]) -> set[int | None | Unreachable]:
    """The series of every object the address names: an id, None for a standalone event's,
    UNREACHABLE for an object that does not exist or belongs to the whole programme."""
    found: set[int | None | Unreachable] = set()
    for name, value in view_args.items():
        if not name.endswith("_id"):
            continue  # a direction, a chart's key, a format, a route's default: names nothing
        query = _SERIES_OF.get(name)
        if query is None:
            found.add(UNREACHABLE)
            continue
        row = db.session.execute(query(value)).first()
        found.add(UNREACHABLE if row is None else row[0])
    return found
