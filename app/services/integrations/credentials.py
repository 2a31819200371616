"""The programme's credentials on each platform: the console's row, else the environment.

Per platform, the console wins as a whole: an admin who sets Zoom's client id there uses the
console's account id and secret too, never a mix with the environment's.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import Account, Platform, PlatformCredentials

__all__ = ["Credentials", "NotConfigured", "Platform", "credentials_for", "save", "status", "stored"]
from .. import audit
from . import secrets

# The fields of each platform: (column, environment variable, secret?)
FIELDS: dict[Platform, tuple[tuple[str, str, bool], ...]] = {
    Platform.ZOOM: (
        ("zoom_account_id", "ZOOM_ACCOUNT_ID", False),
        ("zoom_client_id", "ZOOM_CLIENT_ID", False),
        ("zoom_client_secret", "ZOOM_CLIENT_SECRET", True),
    ),
    Platform.TEAMS: (
        ("graph_tenant_id", "GRAPH_TENANT_ID", False),
        ("graph_client_id", "GRAPH_CLIENT_ID", False),
        ("graph_client_secret", "GRAPH_CLIENT_SECRET", True),
    ),
    Platform.WEBEX: (("webex_token", "WEBEX_TOKEN", True),),
}
# Zoom's webhook secret token: optional (without it, webhooks are refused), so not in the set
# that makes Zoom's credentials complete.
WEBHOOK_SECRET = "zoom_webhook_secret"  # noqa: S105 - a column's name
SECRET_FIELDS = frozenset(
    [*(name for fields in FIELDS.values() for name, _, secret in fields if secret), WEBHOOK_SECRET]
)


@dataclass(frozen=True, repr=False)
class Credentials:
    """One platform's credentials in clear, for a client; never logged (no repr of values)."""

    platform: Platform
    values: dict[str, str]
    source: str  # "console" or "environment"

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    def __repr__(self) -> str:
        return f"<Credentials {self.platform} from the {self.source}>"


class NotConfigured(LookupError):
    pass


def stored() -> PlatformCredentials | None:
    return db.session.get(PlatformCredentials, 1)


def _from_row(row: PlatformCredentials | None, platform: Platform) -> dict[str, str]:
    if row is None:
        return {}
    return {
        name: secrets.unseal(getattr(row, name)) if secret else getattr(row, name)
        for name, _, secret in FIELDS[platform]
    }


def _from_environment(platform: Platform) -> dict[str, str]:
    return {name: current_app.config.get(variable) or "" for name, variable, _ in FIELDS[platform]}


def credentials_for(platform: Platform) -> Credentials:
    """The credentials a client of `platform` uses. Raises NotConfigured."""
    for source, values in (
        ("console", _from_row(stored(), platform)),
        ("environment", _from_environment(platform)),
    ):
        if values and all(values.values()):
            return Credentials(platform, values, source)
    raise NotConfigured(platform)


def status() -> dict[Platform, dict[str, str]]:
    """What the console shows: each field's plain value, or "set" for a secret; never a secret."""
    row = stored()
    shown: dict[Platform, dict[str, str]] = {}
    for platform, fields in FIELDS.items():
        console = _from_row(row, platform)
        environment = _from_environment(platform)
        shown[platform] = {}
        for name, _, secret in fields:
            value = console.get(name) or ""
            if secret:
                shown[platform][name] = "set" if value else ("environment" if environment[name] else "")
            else:
                shown[platform][name] = value
        if platform == Platform.ZOOM:
            webhook = bool(row and row.zoom_webhook_secret)
            environment_webhook = bool(current_app.config.get("ZOOM_WEBHOOK_SECRET"))
            shown[platform][WEBHOOK_SECRET] = (
                "set" if webhook else ("environment" if environment_webhook else "")
            )
        shown[platform]["_source"] = (
            "console"
            if all(console.values()) and console
            else "environment"
            if all(environment.values())
            else ""
        )
    return shown


ALL_FIELDS = frozenset([*(name for fields in FIELDS.values() for name, _, _ in fields), WEBHOOK_SECRET])


def save(changes: dict[str, str], *, clear: frozenset[str] = frozenset(), by: Account) -> PlatformCredentials:
    """Set the fields given (a secret left empty keeps the one stored) and empty those in
    `clear`. The audit log names the fields changed, never their values."""
    with write_transaction() as session:
        row = session.get(PlatformCredentials, 1, with_for_update=True)
        if row is None:
            row = PlatformCredentials(id=1)
            session.add(row)
        changed = []
        for name, value in changes.items():
            if name not in ALL_FIELDS:
                raise KeyError(name)
            value = (value or "").strip()
            if name in SECRET_FIELDS:
                if not value:
                    continue
                value = secrets.seal(value)
            elif getattr(row, name, None) == value:
                continue
            setattr(row, name, value)
            changed.append(name)
        for name in sorted(clear & ALL_FIELDS):
            setattr(row, name, "")
            changed.append(name)
        row.updated_dt = utcnow()
        audit.record(
            "platform_credentials.changed", row, "Platform credentials changed", actor=by, fields=changed
        )
    return row
