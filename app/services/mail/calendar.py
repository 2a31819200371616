"""iCalendar files: a public one per event, and one per registration for the email."""

from __future__ import annotations

from datetime import UTC
from email.utils import parseaddr
from functools import cache
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Timezone, vCalAddress, vText
from icalendar import Event as CalendarEntry

from ...database import utcnow
from ...formatting import agenda_hours, zone_label
from ...models import Event, Registration, RegistrationStatus
from ..join_links import join_url_for
from ..links import external_url, site_host

PRODID = "-//Plenary//Registration//EN"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
# Outlook on the web's documented compose deep link: work or school accounts, and Outlook.com.
OUTLOOK_WORK = "https://outlook.office.com/calendar/0/deeplink/compose"
OUTLOOK_PERSONAL = "https://outlook.live.com/calendar/0/deeplink/compose"


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _organizer() -> vCalAddress:
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = vText(name)
    return organizer


def calendar_title(event: Event) -> str:
    """What a calendar shows: the series and the event ("The 4Ps Revisited — Protection"), as
    a delegate's calendar holds many events whose titles alone say little."""
    return f"{event.series.title} — {event.title}" if event.series else event.title


def add_to_calendar_links(event: Event, join_url: str | None = None) -> dict[str, str]:
    """Links that open a new entry, filled in, in Google Calendar and in Outlook on the web
    (work or school, and Outlook.com): for those who would rather not open an .ics file. The
    join details only where the caller gives the link to show (a confirmed registrant's, "" for
    a meeting by telephone alone); None leaves them out."""
    title, location = calendar_title(event), _location(event, join_url)
    details = _description(event, join_url)
    start, end = event.start_dt.astimezone(UTC), event.end_dt.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": location,
        "ctz": event.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.isoformat(),
        "enddt": end.isoformat(),
        "body": details,
        "location": location,
    }
    return {
        "google": f"{GOOGLE_CALENDAR}?{urlencode(google)}",
        "outlook": f"{OUTLOOK_WORK}?{urlencode(outlook)}",
        "outlook_com": f"{OUTLOOK_PERSONAL}?{urlencode(outlook)}",
    }


def _location(event: Event, join_url: str | None) -> str:
    return event.place or join_url or ""


def _description(event: Event, join_url: str | None) -> str:
    """The entry's text, in the reader's language: the theme, the join details where the caller
    asks for them (the link, passcode and dial-in go together), the agenda, the event's page."""
    description = [event.theme] if event.theme else []
    if join_url is not None and (lines := join_lines(event, join_url)):
        description.append("\n".join(lines))
    if event.agenda_items:
        description.append(_agenda_text(event))
    description.append(external_url("public.event", event_id=event.id))
    return "\n\n".join(description)


def join_lines(event: Event, join_url: str) -> list[str]:
    lines = [f"{_('Join link:')} {join_url}"] if join_url else []
    if event.join_passcode:
        lines.append(f"{_('Passcode:')} {event.join_passcode}")
    if event.dial_in:
        lines += [_("Dial-in:"), *event.dial_in.splitlines()]
    return lines


def _agenda_text(event: Event) -> str:
    """'Agenda (times in CET (UTC+01:00))' and a line an item: '10:00–10:45 Opening — Room A'."""
    if any(item.start_dt for item in event.agenda_items):
        heading = _("Agenda (times in %(zone)s)", zone=zone_label(event.start_dt.astimezone(event.zone)))
    else:
        heading = _("Agenda")
    lines = [heading]
    for item in event.agenda_items:
        line = " ".join(part for part in (agenda_hours(item), item.title) if part)
        lines.append(f"{line} — {item.room}" if item.room else line)
    return "\n".join(lines)


def _entry(event: Event, uid: str, join_url: str | None = None, cancelled: bool = False) -> CalendarEntry:
    page = external_url("public.event", event_id=event.id)
    entry = CalendarEntry()
    entry.add("uid", uid)
    entry.add("dtstamp", utcnow())
    # In the event's own zone (with its VTIMEZONE, added by calendar_bytes): a calendar shows the
    # meeting's local time beside the reader's, and moves it right across a change of offset.
    entry.add("dtstart", event.start_dt.astimezone(event.zone))
    entry.add("dtend", event.end_dt.astimezone(event.zone))
    entry.add("sequence", event.sequence)
    entry.add("summary", calendar_title(event))
    entry.add("url", page)
    entry.add("organizer", _organizer())
    entry.add("status", "CANCELLED" if cancelled or event.is_cancelled else "CONFIRMED")
    if location := _location(event, join_url):
        entry.add("location", location)
    entry.add("description", _description(event, join_url))
    return entry


def event_calendar(event: Event) -> bytes:
    """The public "Add to calendar" file: no join link, which is for registrants only."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(_entry(event, f"event-{event.id}@{site_host()}"))
    return calendar_bytes(calendar)


END_OF_CALENDAR = b"END:VCALENDAR\r\n"


def calendar_bytes(calendar: Calendar) -> bytes:
    """The file, with a VTIMEZONE for each zone its times use, which Outlook needs to place a
    time given with a TZID."""
    ical = calendar.to_ical()
    if not ical.endswith(END_OF_CALENDAR):  # never, as icalendar writes it; no place for the zones
        raise ValueError("an iCalendar file that does not end with END:VCALENDAR")
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(calendar.get_used_tzids()))
    return ical[: -len(END_OF_CALENDAR)] + zones + END_OF_CALENDAR


@cache
def _vtimezone(tzid: str) -> bytes:
    """The zone's VTIMEZONE as written, made once per process: icalendar derives it from the
    zone database (its transitions 1970-2038), which took 9-27 ms for each invitation and made
    a batch outlast its claim; writing it out (about 60 lines) took another 1.1 ms, an eighth
    of the time the worker composes a confirmation in (bench/mail.py --compose)."""
    return Timezone.from_tzid(tzid).to_ical()


def registration_uid(registration: Registration) -> str:
    return f"registration-{registration.id}-event-{registration.event_id}@{site_host()}"


def registration_calendar(registration: Registration, cancel: bool = False) -> bytes:
    """The invitation sent to a registrant; the join link only once the seat is confirmed.

    The UID stays the same for the registration's whole life and SEQUENCE is the
    event's, so a calendar program replaces (or, with CANCEL, removes) its entry.
    """
    event = registration.event
    confirmed = registration.status == RegistrationStatus.CONFIRMED and not cancel
    calendar = _calendar("CANCEL" if cancel else "REQUEST")
    entry = _entry(
        event, registration_uid(registration), join_url_for(registration) if confirmed else None, cancel
    )
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    entry.add("attendee", attendee)
    calendar.add_component(entry)
    return calendar_bytes(calendar)
