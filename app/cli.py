"""Command-line tasks: `flask seed-demo`, `flask outbox deliver`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the programme already has events.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo programme: the 4Ps Revisited series and upcoming webinars."""
    from .demo import load_demo_programme, programme_is_empty

    if if_empty and not programme_is_empty():
        click.echo("The programme already has events; demo data not loaded.")
        return
    counts = load_demo_programme()
    click.echo("Demo programme loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


outbox = AppGroup("outbox", help="The outgoing mail queue.")


@outbox.command("deliver")
def outbox_deliver() -> None:
    """Deliver every message that is due now, as the worker does."""
    from .services.delivery import deliver_pending

    report = deliver_pending()
    click.echo(
        f"claimed {report.claimed}, sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
    )


@outbox.command("status")
def outbox_status() -> None:
    """Count messages by status."""
    from .models import Message

    rows = db.session.execute(db.select(Message.status, db.func.count()).group_by(Message.status)).all()
    counts = {status.value: count for status, count in rows}
    click.echo(
        ", ".join(f"{name}: {counts.get(name, 0)}" for name in ("queued", "sending", "sent", "failed"))
    )


commands = [seed_demo, outbox]
