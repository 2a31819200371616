"""iCalendar files: a public one per event, and one per registration for the email."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEntry

from ...database import utcnow
from ...models import Event, Registration, RegistrationStatus
from ..links import external_url, site_host

PRODID = "-//Plenary//Registration//EN"


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


def _entry(event: Event, uid: str, join_url: str = "", cancelled: bool = False) -> CalendarEntry:
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
    location = event.place or (join_url if join_url else "")
    if location:
        entry.add("location", location)
    description = [event.theme] if event.theme else []
    if join_url:
        description.append(f"Join: {join_url}")
    description.append(page)
    entry.add("description", "\n\n".join(description))
    return entry


def event_calendar(event: Event) -> bytes:
    """The public "Add to calendar" file: no join link, which is for registrants only."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(_entry(event, f"event-{event.id}@{site_host()}"))
    return calendar_bytes(calendar)


def calendar_bytes(calendar: Calendar) -> bytes:
    """The file, with a VTIMEZONE for each zone its times use (icalendar builds it from the
    zone database), which Outlook needs to place a time given with a TZID."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


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
    entry = _entry(event, registration_uid(registration), event.join_url if confirmed else "", cancel)
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    entry.add("attendee", attendee)
    calendar.add_component(entry)
    return calendar_bytes(calendar)
