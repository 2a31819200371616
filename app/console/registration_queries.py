"""The registrations table of an event or a series: one query per page, the same for exports.

A page is one SELECT with the total counted by a window function: the delegate's
address and the attendance come from joins, never from a query per row, so a
page of an event with 20,000 registrations costs what a page of ten does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from math import ceil

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import (
    Attendance,
    Delegate,
    Event,
    OrganisationKind,
    Registration,
    RegistrationStatus,
    registrations_matching,
)
from ..services import fields, regions
from .queries import LAST_PAGE

# Sort keys a request may name, and what they sort by.
SORT_COLUMNS = {
    "registered": Registration.created_dt,
    # Folded: "Álvarez" sorts with the A's, "Øverland" with the O's, on either database.
    "name": Registration.search_text,
    "email": Delegate.email,
    "organisation": sa.func.lower(Registration.organisation),
    "country": Registration.country,  # by the country's name, in the reader's language: _sort_key
    "status": Registration.status,
}


@dataclass(frozen=True)
class TableQuery:
    """What the organiser searched, filtered and sorted by, already validated."""

    search: str = ""
    status: RegistrationStatus | None = None
    country: str = ""
    organisation_kind: OrganisationKind | None = None
    attended: bool | None = None
    # (question key, choice key): those who gave that answer to an organiser's choice question.
    answer: tuple[str, str] | None = None
    sort: str = "registered"
    descending: bool = True
    # Whether the reader may see addresses (an organiser): else the rows carry none, and the
    # search does not look in them (it would tell whether an address is there, letter by letter).
    shows_addresses: bool = True

    def described(self) -> dict:
        """The filters in use, for the audit log."""
        return {
            name: value
            for name, value in asdict(self).items()
            if value not in ("", None) and name != "shows_addresses"
        }


@dataclass(frozen=True)
class Page:
    """One page of rows, with what the pager needs (the names of Flask-SQLAlchemy's Pagination)."""

    items: Sequence
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return min(self.page - 1, self.pages)

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1


STANDARD_COLUMNS = ("salutation", "given_name", "family_name", *Registration.DECLARED_FIELDS)


def table_select(event_ids: list[int], query: TableQuery) -> Select:
    """The rows of the table (and of its exports), filtered and sorted, all pages."""
    attended = sa.func.coalesce(Attendance.attended, sa.false())
    statement = (
        sa.select(
            Registration.id,
            Registration.event_id,
            Event.title.label("event_title"),
            Registration.name,
            Registration.latin_name,
            (Delegate.email if query.shows_addresses else sa.null()).label("email"),
            Registration.organisation,
            Registration.organisation_kind,
            Registration.country,
            Registration.job_title,
            Registration.language,
            Registration.status,
            Registration.created_dt,
            attended.label("attended"),
            Attendance.minutes,
            # The standard fields (services/fields.py), the personal ones for whoever sees addresses.
            *(
                getattr(Registration, column)
                if query.shows_addresses or column not in fields.SENSITIVE_COLUMNS
                else sa.null().label(column)
                for column in STANDARD_COLUMNS
            ),
            Registration.answers,
        )
        .join(Delegate, Delegate.id == Registration.delegate_id)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(
            Attendance,
            sa.and_(
                Attendance.event_id == Registration.event_id,
                Attendance.registration_id == Registration.id,
            ),
        )
        .where(Registration.event_id.in_(event_ids))
    )
    statement = _filtered(statement, query, attended)
    key = _sort_key(query.sort)
    tie = Registration.id
    if query.descending:
        return statement.order_by(key.desc(), tie.desc())
    return statement.order_by(key.asc(), tie.asc())


def _sort_key(sort: str) -> sa.SQLColumnExpression:
    if sort == "country":
        # Each code's place in the alphabetical order of the names the reader sees (no country last).
        ranks = regions.country_ranks(str(get_locale() or "en"))
        return sa.case(ranks, value=Registration.country, else_=len(ranks))
    return SORT_COLUMNS[sort]


def _filtered(statement: Select, query: TableQuery, attended) -> Select:
    if query.search:
        statement = statement.where(registrations_matching(query.search, addresses=query.shows_addresses))
    if query.status is not None:
        statement = statement.where(Registration.status == query.status)
    if query.country:
        statement = statement.where(Registration.country == query.country)
    if query.organisation_kind is not None:
        statement = statement.where(Registration.organisation_kind == query.organisation_kind)
    if query.attended is not None:
        statement = statement.where(attended.is_(sa.true()) if query.attended else attended.is_(sa.false()))
    if query.answer is not None:
        statement = statement.where(_answered(*query.answer))
    return statement


def _answered(question_key: str, choice_key: str) -> sa.ColumnElement[bool]:
    """The answer's JSON text holds the choice's key, quoted: the one choice ("halal") or one of
    several (["halal", "vegetarian"]). Keys are slugs, so no other answer contains it quoted;
    the same text on SQLite and PostgreSQL (its `json` type has no containment operator)."""
    answer = sa.cast(Registration.answers[question_key], sa.Text)
    return answer.contains(f'"{choice_key}"', autoescape=True)


def ids_of(event_ids: list[int], query: TableQuery) -> list[int]:
    """The ids of every row of the table, all pages (what "every registration the list shows" acts on)."""
    return list(db.session.scalars(table_select(event_ids, query).with_only_columns(Registration.id)))


def page_of(event_ids: list[int], query: TableQuery, page: int, per_page: int) -> Page:
    """One page of the table in one query; a page past the end comes back empty (and counted)."""
    page = min(max(page, 1), LAST_PAGE)
    statement = (
        table_select(event_ids, query)
        .add_columns(sa.func.count().over().label("total"))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(statement).all()
    if rows:
        total = rows[0].total
    elif page > 1:  # past the end: the window saw no row, so count apart
        total = count_rows(event_ids, query)
    else:
        total = 0
    return Page(items=rows, page=page, per_page=per_page, total=total)


def count_rows(event_ids: list[int], query: TableQuery) -> int:
    rows = table_select(event_ids, query).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows)) or 0


def status_counts(event_ids: list[int]) -> dict[RegistrationStatus, int]:
    """How many registrations of each status, whatever the filters: one grouped query."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.status)
    )
    return {status: count for status, count in rows}


def countries_present(event_ids: list[int]) -> list[str]:
    """The countries the registrants come from: what the country filter offers."""
    return list(
        db.session.scalars(
            sa.select(Registration.country)
            .where(Registration.event_id.in_(event_ids), Registration.country != "")
            .distinct()
        )
    )
