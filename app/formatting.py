"""How instants, events and counts are shown: always in the event's own zone, with its offset."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import nh3
from flask import Flask
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from .database import utcnow
from .models import AgendaItem, Event, RegistrationState, RegistrationWindow

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


# --- bidirectional text ----------------------------------------------------------------------------
#
# In a right-to-left language, a run of another direction inside a sentence (a time, a range of
# times, a date in digits, an address, a Latin title) is isolated, or the Unicode bidi algorithm
# reorders it with its neighbours: "10:00–12:00" reads "12:00–10:00", the quotes around a Latin
# title swap sides. Plain text (emails, PDFs, certificates, CSV) gets the Unicode isolates, HTML
# gets <bdi>, both through `isolate`. Left-to-right languages get the text unchanged.

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"


def right_to_left() -> bool:
    locale = get_locale()
    return locale is not None and locale.text_direction == "rtl"


def isolate(text, *, ltr: bool = False) -> str:
    """`text` as one run in a sentence of the page's language: between FSI (its direction from
    its first strong letter) or, with `ltr` (times, digits, addresses), LRI, and PDI."""
    text = str(text)
    if not text or not right_to_left():
        return text
    return f"{LRI if ltr else FSI}{text}{PDI}"


@pass_eval_context
def isolate_filter(context: EvalContext, text, ltr: bool = False, plain: bool = False):
    """The Jinja filter `isolate`: <bdi> in HTML (dir="ltr" for times and addresses), the
    Unicode isolates in a text email, and in HTML where no tag may stand (`plain`: a <title>, an
    attribute); nothing in a left-to-right language."""
    if text is None or text == "" or not right_to_left():
        return text
    if plain or not context.autoescape:
        return isolate(text, ltr=ltr)
    inner = escape(text)
    return Markup(f'<bdi dir="ltr">{inner}</bdi>' if ltr else f"<bdi>{inner}</bdi>")  # noqa: S704 - escaped


def clock(local: datetime) -> str:
    return f"{local:%H:%M}"


def zone_label(local: datetime) -> str:
    """'CEST (UTC+02:00)', or just '(UTC+04:00)' where the zone has no letters."""
    return isolate(_zone(local), ltr=True)


def _zone(local: datetime) -> str:
    offset = local.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    abbreviation = local.tzname() or ""
    if abbreviation and abbreviation[0] not in "+-" and not abbreviation.startswith("UTC"):
        return f"{abbreviation} ({offset})"
    return f"({offset})"


def long_date(local: datetime) -> str:
    return format_date(local.date(), "EEEE d MMMM y")


def short_date(local: datetime) -> str:
    """'31 Mar', in the page's language: beside a time, where the year goes without saying."""
    return format_date(local.date(), "d MMM")


def time_range(start: datetime, end: datetime, zone: ZoneInfo | str) -> str:
    """'Wednesday 30 June 2021, 10:00–12:00 CEST (UTC+02:00)' in the given zone."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() == local_end.date():
        return _(
            "%(date)s, %(hours)s",
            date=long_date(local_start),
            hours=hours(local_start, local_end),
        )
    return _(
        "%(start_date)s %(start)s – %(end_date)s %(end)s",
        start_date=long_date(local_start),
        start=isolate(f"{clock(local_start)} {_zone(local_start)}", ltr=True),
        end_date=long_date(local_end),
        end=isolate(f"{clock(local_end)} {_zone(local_end)}", ltr=True),
    )


def hours(local_start: datetime, local_end: datetime) -> str:
    """'10:00–12:00 CEST (UTC+02:00)', one left-to-right run: in Arabic too it reads start–end."""
    return isolate(f"{clock(local_start)}–{clock(local_end)} {_zone(local_end)}", ltr=True)


def event_when(event: Event) -> str:
    return time_range(event.start_dt, event.end_dt, event.zone)


def event_hours(event: Event) -> str:
    """'10:00–12:00 CEST (UTC+02:00)': the time alone, for lists that show the date apart."""
    return hours(event.start_dt.astimezone(event.zone), event.end_dt.astimezone(event.zone))


def agenda_hours(item: AgendaItem) -> str:
    """An agenda item's times in its event's zone: '10:00–10:45', or '10:00' with no end; with the
    day ('31 Mar 10:00–10:45') when the event spans days; '' for an item without times."""
    if item.start_dt is None:
        return ""
    zone = item.event.zone
    start = item.start_dt.astimezone(zone)
    hours = f"{start:%H:%M}"
    if item.end_dt is not None:
        hours += f"–{item.end_dt.astimezone(zone):%H:%M}"
    if item.event.start_dt.astimezone(zone).date() != item.event.end_dt.astimezone(zone).date():
        return f"{short_date(start)} {hours}"
    return hours


def instant_in(value: datetime, zone: ZoneInfo | str) -> str:
    """One instant in a zone: 'Friday 12 March 2027, 23:59 EAT (UTC+03:00)'."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = value.astimezone(zone)
    return f"{long_date(local)}, {isolate(f'{clock(local)} {_zone(local)}', ltr=True)}"


def window_label(event: Event, window: RegistrationWindow, now: datetime | None = None) -> str:
    """The registration state in words: 'Open – 4 seats left', 'Closes in 3 days', ..."""
    now = now or utcnow()
    state = window.state
    if state == RegistrationState.CANCELLED:
        return _("Cancelled")
    if state == RegistrationState.PAST:
        return _("Past event")
    if state == RegistrationState.CLOSED:
        return _("Registration closed")
    if state == RegistrationState.NOT_YET_OPEN:
        assert window.opens_dt is not None  # the state of a window with an opening instant
        return _("Registration opens %(when)s", when=instant_in(window.opens_dt, event.zone))
    if state == RegistrationState.WAITLIST:
        return _("Full – join the waiting list")
    if state == RegistrationState.CLOSING_SOON:
        assert window.closes_dt is not None  # every event's window closes
        days = (window.closes_dt - now).days
        if days < 1:
            return _("Registration closes today")
        return ngettext("Closes in %(num)d day", "Closes in %(num)d days", days)
    if window.seats_left is not None and window.seats_left <= 10:
        return ngettext("Open – %(num)d seat left", "Open – %(num)d seats left", window.seats_left)
    return _("Registration open")


def render_markdown(text: str) -> Markup:
    """Organiser-written Markdown, rendered and then sanitised."""
    return Markup(nh3.clean(_markdown.render(text or "")))  # noqa: S704 - sanitised by nh3 just now


def register(app: Flask) -> None:
    app.jinja_env.filters["event_when"] = event_when
    app.jinja_env.filters["event_hours"] = event_hours
    app.jinja_env.filters["instant_in"] = instant_in
    app.jinja_env.filters["agenda_hours"] = agenda_hours
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["zone_label"] = zone_label
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["isolate"] = isolate_filter
    app.jinja_env.globals["window_label"] = window_label

    @app.context_processor
    def locale_context() -> dict:
        return {"current_locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
