"""Command-line tasks: `flask create-admin`, `flask seed-demo`, `flask mail ...`, `flask reminders ...`,
`flask apply-retention`."""

from __future__ import annotations

import click
import sqlalchemy as sa
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
    _demo_accounts()


def _demo_accounts() -> None:
    from flask import current_app

    from .demo import DEMO_PASSWORD, create_demo_accounts

    if not current_app.config["DEMO_ACCOUNTS"]:
        click.echo("No demo accounts here: create the first administrator with `flask create-admin EMAIL`.")
        return
    for email in create_demo_accounts():
        click.echo(f"Demo console account: {email} / {DEMO_PASSWORD}")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="The person's name (default: the part of the address before @).")
@click.password_option(
    "--password",
    prompt="Password",
    help="Asked at the prompt; do not pass it here (it would stay in the shell history).",
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account; the password is asked at the prompt."""
    from email_validator import EmailNotValidError, validate_email

    from .models import AccountRole
    from .services.accounts.accounts import AccountError, create_account

    try:
        email = validate_email(email, check_deliverability=False).normalized
        account = create_account(email, name or email.split("@")[0], password, AccountRole.ADMIN)
    except (EmailNotValidError, AccountError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Administrator {account.email} created. Sign in at /console/login.")


mail = AppGroup("mail", help="The outbox: every email the system sends.")


@mail.command("status")
def mail_status() -> None:
    """Count messages by status."""
    from .models import Message

    rows = db.session.execute(sa.select(Message.status, sa.func.count()).group_by(Message.status)).all()
    counts = {status.value: count for status, count in rows}
    click.echo(
        ", ".join(f"{name}: {counts.get(name, 0)}" for name in ("queued", "sending", "sent", "failed"))
    )


@mail.command("deliver")
def mail_deliver() -> None:
    """Deliver every message that is due now, as the worker does."""
    from .services.mail.delivery import deliver_pending

    report = deliver_pending()
    click.echo(
        f"claimed {report.claimed}, sent {report.sent}, retrying {report.retrying}, failed {report.failed}"
    )


@mail.command("retry-failed")
def mail_retry_failed() -> None:
    """Queue the failed messages again, with a fresh set of attempts."""
    from .services.mail.outbox import retry_failed

    click.echo(f"{retry_failed()} failed messages queued again")


reminders = AppGroup("reminders", help="Reminders before events.")


@reminders.command("send")
def reminders_send() -> None:
    """Queue the reminders that are due now, as the worker does every minute."""
    from .services.mail.reminders import send_due_reminders

    click.echo(f"{send_due_reminders()} reminders queued")


@reminders.command("schedule")
@click.argument("event_id", type=int)
@click.argument("offsets", nargs=-1)
@click.option(
    "--note", "notes", multiple=True, help="OFFSET=TEXT: a note of the organisers' in that reminder."
)
@click.option("--default", "use_default", is_flag=True, help="Back to the series' or the default schedule.")
def reminders_schedule(
    event_id: int, offsets: tuple[str, ...], notes: tuple[str, ...], use_default: bool
) -> None:
    """Show or set an event's reminders.

    Example: flask reminders schedule 5 7d 1d 1h --note 1h="Please test your audio"
    """
    from .models import Event
    from .services.mail.reminders import Reminder, ScheduleError, parse_offset, schedule_for, set_schedule

    event = db.session.get(Event, event_id)
    if event is None:
        raise click.BadParameter(f"no event {event_id}", param_hint="EVENT_ID")
    try:
        if use_default:
            set_schedule(event, None)
        elif offsets:
            by_offset = {parse_offset(key): text for key, _sep, text in (n.partition("=") for n in notes)}
            minutes = [parse_offset(offset) for offset in offsets]
            if unknown := set(by_offset) - set(minutes):
                raise ScheduleError(f"a note for an offset not in the schedule: {sorted(unknown)} minutes")
            set_schedule(event, [Reminder(m, by_offset.get(m, "")) for m in minutes])
    except ScheduleError as error:
        raise click.UsageError(str(error)) from None
    event = db.session.get(Event, event_id)
    assert event is not None  # found above, and not deleted by setting its schedule
    for reminder in schedule_for(event):
        note = f"  note: {reminder.note}" if reminder.note else ""
        click.echo(f"{reminder.minutes:>6} minutes before{note}")


@click.command("apply-retention")
def apply_retention() -> None:
    """Anonymise the registrations of series and events past their retention period."""
    from .services.privacy.personal_data import apply_retention as apply

    results = apply()
    for result in results:
        counts = f"{result.registrations} registrations and {result.delegates} delegates"
        click.echo(f"{result.label}: {counts} anonymised")
    if not results:
        click.echo("Nothing is past its retention period.")


commands = [create_admin, seed_demo, mail, reminders, apply_retention]
