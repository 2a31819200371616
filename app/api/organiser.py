"""For organisers with a personal API token: an event's registrations, changing a registration's
status, the full summaries, and the mail log. Every change goes through the same services as
the console, with the token's owner recorded in the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint

from ..console.queries import event_or_404, only_reachable_messages, series_or_404
from ..console.registration_queries import TableQuery, table_select
from ..extensions import db
from ..models import (
    AccountRole,
    ApiTokenScope,
    Message,
    MessageStatus,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from ..services import join_links
from ..services.mail import outbox
from ..services.registration import questions
from ..services.registration import registrations as service
from ..services.reporting import summaries
from . import limits
from .errors import problem_abort
from .events import EVENT_ID
from .schemas import (
    EventReportSchema,
    EventSummarySchema,
    MessagePageSchema,
    MessageQuerySchema,
    PublishFiguresSchema,
    RegistrationPageSchema,
    RegistrationQuerySchema,
    RegistrationStateSchema,
    SeriesReportSchema,
    StatusChangeSchema,
)
from .series import SERIES_ID
from .tokens import requires_token

bp = Blueprint(
    "api_organiser",
    __name__,
    url_prefix="/api/v1",
    description="For organisers: send a personal API token as `Authorization: Bearer <token>`",
)
limits.reads(bp)


@bp.after_request
def private_answers(response):
    # Registrants' names and addresses, as in the console: never kept by a cache on the way.
    response.headers["Cache-Control"] = "no-store"
    return response


TOKEN: dict[str, Any] = {"security": [{"bearerAuth": []}]}
reader = requires_token(ApiTokenScope.READ, AccountRole.VIEWER)
writer = requires_token(ApiTokenScope.WRITE, AccountRole.ORGANISER)


# --- cursors: the id of the last row seen; the page is the rows after it in the list's order ----


def encode_cursor(row_id: int) -> str:
    return str(row_id)


def decode_cursor(cursor: str | None):
    """The schema let through only digits (CURSOR_PATTERN): any such cursor is a place in the
    list, even one past every id there can be (compared as a BIGINT, which holds ten digits)."""
    return sa.literal(int(cursor), sa.BigInteger) if cursor is not None else None


def _page(rows: Sequence, limit: int, key) -> dict:
    """`limit + 1` rows were read: the extra one says whether there is a next page."""
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(key(items[-1])) if more else None}


# --- registrations -------------------------------------------------------------------------------------


@bp.get(EVENT_ID + "/registrations")
@bp.doc(**TOKEN)
@reader
@bp.arguments(RegistrationQuerySchema, location="query", as_kwargs=True)
@bp.response(200, RegistrationPageSchema)
def list_registrations(event_id: int, limit: int, cursor: str | None = None, **filters):
    """The registrations of an event, oldest first, filtered, a page at a time

    Follow `next_cursor` until it is null. Needs a token (read or write). As in the console, a
    viewer's token gets no email addresses (`email` is null) and its `q` does not look in them.
    """
    event = event_or_404(event_id)
    after = decode_cursor(cursor)
    query = TableQuery(
        shows_addresses=g.api_token.account.sees_contact_details,
        search=filters.get("q", ""),
        status=RegistrationStatus(filters["status"]) if "status" in filters else None,
        country=filters.get("country", "").upper(),
        organisation_kind=OrganisationKind(filters["organisation_kind"])
        if "organisation_kind" in filters
        else None,
        attended=filters.get("attended"),
    )
    statement = table_select([event.id], query).order_by(None).order_by(Registration.id)
    if after is not None:
        statement = statement.where(Registration.id > after)
    rows: Sequence[Any] = db.session.execute(statement.limit(limit + 1)).all()
    keys = None
    if not query.shows_addresses:  # a viewer reads no typed answer (questions.readable)
        asked = questions.readable(questions.for_event(event, with_retired=True), False)
        keys = {question.key for question in asked}
    personal = join_links.with_personal_links([row.id for row in rows])
    return _page([_row(row, keys, row.id in personal) for row in rows], limit, key=lambda row: row.id)


def _row(row: sa.Row, keys: set[str] | None, personal_join_link: bool) -> SimpleNamespace:
    """The row as the API gives it: with only the answers to `keys` (None: all), and whether a
    personal join link was given."""
    answers = row.answers or {}
    if keys is not None:
        answers = {key: value for key, value in answers.items() if key in keys}
    return SimpleNamespace(**{**row._asdict(), "answers": answers, "personal_join_link": personal_join_link})


@bp.post("/registrations/<int(max=2147483647):registration_id>/status")
@bp.doc(**TOKEN)
@writer
@bp.arguments(StatusChangeSchema)
@bp.response(200, RegistrationStateSchema)
@bp.alt_response(409, response="CONFLICT", description="The registration's status does not allow this")
def change_status(data: dict, registration_id: int):
    """Approve, reject, cancel, or move from the waiting list

    The delegate is emailed as from the console, and the change is in the audit log under the
    token's owner. Needs a read and write token of an organiser.
    """
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        problem_abort(404)
    by = g.api_token.account
    actions = {
        "approve": lambda: service.approve(registration, by=by),
        "reject": lambda: service.reject(registration, data["reason"], by=by),
        "cancel": lambda: service.cancel(registration, by=by),
        "promote": lambda: service.promote(registration, by=by),
    }
    try:
        actions[data["action"]]()
    except service.RegistrationError as error:
        problem_abort(409, str(error))
    db.session.expire_all()
    return db.session.get(Registration, registration_id)


# --- summaries ---------------------------------------------------------------------------------------


@bp.get("/reports" + EVENT_ID)
@bp.doc(**TOKEN)
@bp.response(200, EventReportSchema)
@reader
def event_report(event_id: int):
    """An event's full summary, as the console shows it: registrations, attendance, organisations"""
    return summaries.event_summary(event_or_404(event_id))


@bp.get("/reports" + SERIES_ID)
@bp.doc(**TOKEN)
@bp.response(200, SeriesReportSchema)
@reader
def series_report(series_id: int):
    """A series' full summary, module by module"""
    return summaries.series_summary(series_or_404(series_id))


@bp.post(EVENT_ID + "/summary/publish")
@bp.doc(**TOKEN)
@writer
@bp.arguments(PublishFiguresSchema)
@bp.response(200, EventSummarySchema)
@bp.alt_response(409, response="CONFLICT", description="The event is cancelled or has not taken place yet")
def publish_figures(_body: dict, event_id: int):
    """Publish an event's figures: the public summaries show them until published again

    The live figures, as the console shows them, become those of the public summary pages,
    PDFs and API. The body is an empty JSON object. In the audit log under the token's owner.
    Needs a read and write token of an organiser.
    """
    event = event_or_404(event_id)
    try:
        return summaries.publish_figures(event, by=g.api_token.account)
    except summaries.SummaryError as error:
        problem_abort(409, str(error))


# --- the mail log ------------------------------------------------------------------------------------


@bp.get("/messages")
@bp.doc(**TOKEN)
@reader
@bp.arguments(MessageQuerySchema, location="query", as_kwargs=True)
@bp.response(200, MessagePageSchema)
def mail_log(limit: int, cursor: str | None = None, **filters):
    """The mail log, newest first: each message's delivery state, never its contents

    As in the console, a viewer's token gets no addresses: `to_address` is null, addresses
    in `last_error` are hidden, and `q` does not look in them.
    """
    reader = g.api_token.account
    before = decode_cursor(cursor)
    statement = outbox.search(
        text=filters.get("q", ""),
        status=MessageStatus(filters["status"]) if "status" in filters else None,
        kind=filters.get("kind", ""),
        addresses=reader.sees_contact_details,
    )
    statement = only_reachable_messages(statement, reader)
    if before is not None:
        statement = statement.where(Message.id < before)
    rows = db.session.scalars(statement.limit(limit + 1)).all()
    page = _page(rows, limit, key=lambda message: message.id)
    return page | {"items": [outbox.entry(message, reader) for message in page["items"]]}
