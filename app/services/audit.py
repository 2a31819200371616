"""The audit log: every change an organiser makes is recorded in the same transaction."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from ..extensions import db
from ..models import Account, AuditEntry


def _actor() -> tuple[int | None, str]:
    """The signed-in account, or the command line / background worker."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def record(
    action: str, target=None, summary: str = "", actor: Account | None = None, **details
) -> AuditEntry:
    """Add an entry to the current unit of work; it is kept only if the change commits.

    `target` is a model object (its class name and id are recorded) or None.
    """
    account_id, actor_name = (actor.id, actor.email) if actor else _actor()
    entry = AuditEntry(
        account_id=account_id,
        actor=actor_name,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        summary=summary[:500],
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session().add(entry)
    return entry


def _plain(value):
    """JSON-safe: enums and dates as text."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
