"""What changes the registrations of a whole audience, done by the job queue a batch at a time:
the waiting list moved into the seats a new capacity added, and an organiser's action on many
registrations of the table. No request does work that grows with the audience (at 2,000
waiting, promoting them in the request took 3.8 s on SQLite, 11 s on PostgreSQL).

Both are mailouts (services/mail/mailouts.py): the request records one in its unit of work
and answers with its progress page; the queue does a batch per transaction, which locks the
mailout and moves its cursor, so a run again after a crash, or two runs at once, do each
registration once. Each change is the very one a single action makes: the seat taken by the
guarded UPDATE (never more than capacity, whoever registers meanwhile), the person told by
email, the webhooks and the audit log as for one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from ...database import lock_row, utcnow, write_transaction
from ...extensions import db
from ...models import Account, Event, Mailout, MailoutKind, Registration, RegistrationStatus
from ..mail import mailouts
from . import registrations
from .registrations import BULK_ACTIONS, RegistrationError

# The refusals a bulk action keeps to show (name and reason); the others are only counted.
REFUSALS_KEPT = 10
# The kind of email each action sends (the mail log's filter on the progress page).
ACTION_EMAILS = {
    "approve": "registration_confirmed",
    "promote": "registration_confirmed",
    "resend": "registration_confirmed",
    "reject": "registration_rejected",
    "cancel": "registration_cancelled",
}


# --- the waiting list moved into new seats ---------------------------------------------------


def _waiting(mailout: Mailout, _after: int, limit: int) -> Sequence:
    """The next people on the waiting list, in its order, as many as seats are free (at most
    `limit`); none once the seats are taken, the list empty, or the event started or cancelled."""
    event = db.session.get(Event, mailout.event_id, populate_existing=True)
    if event is None or event.is_cancelled or event.has_started(utcnow()):
        return []
    if event.capacity is not None:
        limit = min(limit, event.capacity - event.confirmed_count)
    if limit <= 0:
        return []
    return db.session.execute(
        sa.select(Registration.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.status_changed_dt, Registration.id)
        .limit(limit)
    ).all()


def _promote(session: OrmSession, mailout: Mailout, rows: Sequence) -> int:
    """Promote as many as were read, first in line first, each seat taken by the guarded UPDATE."""
    event = lock_row(session, Event, mailout.event_id)
    return len(registrations.promote_waitlist(session, event, limit=len(rows)))


PROMOTION = mailouts.Writer(
    recipients=_waiting,
    compose=lambda _mailout, rows: rows,
    write=_promote,
    message_kind=lambda _mailout: "registration_confirmed",
)


# --- an action on many registrations ----------------------------------------------------------


def _chosen(mailout: Mailout, after: int, limit: int) -> Sequence:
    """The next registrations to act on: (their place in the order chosen, their id)."""
    ids = mailout.params["ids"]
    return [(place + 1, ids[place]) for place in range(after, min(after + limit, len(ids)))]


def _act(session: OrmSession, mailout: Mailout, rows: Sequence) -> int:
    """The action on each, in a savepoint of its own: a refusal (a registration in the wrong
    status) undoes only that one, and is kept to be shown."""
    params = mailout.params
    step = BULK_ACTIONS[params["action"]]
    by = session.get(Account, mailout.account_id) if mailout.account_id else None
    done, refused = 0, []
    for _place, registration_id in rows:
        registration = session.get(Registration, registration_id)
        if registration is None:  # erased meanwhile
            continue
        name = registration.name
        try:
            step(registration, by, params.get("reason", ""))
        except RegistrationError as error:
            refused.append([name, str(error)])
        else:
            done += 1
    if refused:
        mailout.params = {
            **params,
            "refused": (params.get("refused", []) + refused)[:REFUSALS_KEPT],
            "refused_count": params.get("refused_count", 0) + len(refused),
        }
    return done


ACTION = mailouts.Writer(
    recipients=_chosen,
    compose=lambda _mailout, rows: rows,
    write=_act,
    message_kind=lambda mailout: ACTION_EMAILS[mailout.params["action"]],
)


def start_action(
    action: str, registration_ids: list[int], event_ids: list[int], *, by: Account, reason: str = ""
) -> list[Mailout]:
    """Record `action` on the registrations chosen (registrations.chosen: all of them in these
    events, or nothing is done), one mailout for each of their events, in waiting-list order,
    to be done by the queue; returns them."""
    by_event: dict[int, list[int]] = {}
    for registration in registrations.chosen(registration_ids, event_ids):
        by_event.setdefault(registration.event_id, []).append(registration.id)
    with write_transaction() as session:
        return [
            mailouts.start(
                session,
                MailoutKind.REGISTRATION_ACTION,
                session.get_one(Event, event_id),
                len(ids),
                by=by,
                action=action,
                ids=ids,
                reason=reason,
                refused=[],
                refused_count=0,
            )
            for event_id, ids in by_event.items()
        ]


def refusals(mailout: Mailout) -> tuple[list[tuple[str, str]], int]:
    """The refusals of an action kept to be shown, and how many there were in all."""
    params = mailout.params or {}
    return [tuple(refusal) for refusal in params.get("refused", [])], params.get("refused_count", 0)


mailouts.register_writer(MailoutKind.PROMOTION, PROMOTION)
mailouts.register_writer(MailoutKind.REGISTRATION_ACTION, ACTION)
