"""Invitations that land in calendars: an invitation card, in the event's own zone, named by
its series, and withdrawn when the delegate cancels."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar

from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import make_event, make_series

# 10:00 in Brussels (summer time, UTC+2).
START = datetime(2030, 6, 26, 8, tzinfo=UTC)


def applicant() -> Applicant:
    return Applicant(email="amina.yusuf@example.org", name="Amina Yusuf", organisation="Ministry of Labour")


def structure(part, depth: int = 0) -> list[str]:
    """The MIME tree as lines: 'multipart/mixed', '  multipart/alternative', …"""
    label = part.get_content_type()
    if part.get_param("method"):
        label += f"; method={part.get_param('method')}"
    if part.get_filename():
        label += f" ({part.get_filename()})"
    lines = ["  " * depth + label]
    if part.is_multipart():
        for child in part.iter_parts():
            lines += structure(child, depth + 1)
    return lines


def calendar_parts(message) -> tuple[Calendar, Calendar]:
    """The invitation as the message's alternative, and as its attached file."""
    alternative = message.get_body(("calendar",))
    [attached] = list(message.iter_attachments())
    return Calendar.from_ical(alternative.get_content()), Calendar.from_ical(attached.get_content())


def test_the_confirmation_carries_an_invitation_card_in_the_events_zone(mail_app, smtp_server):
    event = make_event("Protection", series=make_series("The 4Ps Revisited"), start=START)
    service.register(event, applicant())
    [message] = smtp_server.inbox.messages
    assert structure(message) == [
        "multipart/mixed",
        "  multipart/alternative",
        "    text/plain",
        "    text/html",
        "    text/calendar; method=REQUEST",
        "  text/calendar; method=REQUEST (invitation.ics)",
    ]
    card, attached = calendar_parts(message)
    assert card.to_ical() == attached.to_ical()
    assert str(card["method"]) == "REQUEST"
    [entry] = card.walk("VEVENT")
    assert str(entry["summary"]) == "The 4Ps Revisited — Protection"
    assert entry["dtstart"].params["TZID"] == "Europe/Brussels"
    assert entry["dtstart"].dt == START  # the same instant, written in Brussels time
    assert "DTSTART;TZID=Europe/Brussels:20300626T100000" in card.to_ical().decode()
    [zone] = card.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Brussels"


def test_a_standalone_event_is_named_by_its_own_title(mail_app, smtp_server):
    service.register(make_event("Senior Officials' Meeting", start=START), applicant())
    card, _ = calendar_parts(smtp_server.inbox.messages[0])
    assert str(card.walk("VEVENT")[0]["summary"]) == "Senior Officials' Meeting"


def test_a_delegates_own_cancellation_withdraws_their_calendar_entry(mail_app, smtp_server):
    event = make_event("Protection", series=make_series("The 4Ps Revisited"), start=START)
    registration = service.register(event, applicant()).registration
    service.cancel(registration)
    confirmation, cancellation = smtp_server.inbox.messages
    assert cancellation["Subject"].startswith("Registration cancelled")
    request, _ = calendar_parts(confirmation)
    card, attached = calendar_parts(cancellation)
    assert str(card["method"]) == str(attached["method"]) == "CANCEL"
    [entry] = card.walk("VEVENT")
    assert entry["uid"] == request.walk("VEVENT")[0]["uid"]  # the entry the confirmation made
    assert str(entry["status"]) == "CANCELLED"


def line_after(label: str, text: str) -> str:
    [value] = [line.removeprefix(label).strip() for line in text.splitlines() if line.startswith(label)]
    return value


def test_the_confirmation_and_the_manage_page_offer_google_and_outlook_entries(mail_app, smtp_server):
    event = make_event(
        "Protection",
        series=make_series("The 4Ps Revisited"),
        start=START,
        join_url="https://zoom.us/j/81234567890",
    )
    service.register(event, applicant())
    [message] = smtp_server.inbox.messages
    text = message.get_body(("plain",)).get_content()
    [google] = [
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Add it to Google Calendar:")
    ]
    query = parse_qs(urlsplit(google).query)
    assert google.startswith("https://calendar.google.com/calendar/render?")
    assert query["text"] == ["The 4Ps Revisited — Protection"]
    assert query["dates"] == ["20300626T080000Z/20300626T100000Z"]
    assert query["ctz"] == ["Europe/Brussels"]
    assert "https://zoom.us/j/81234567890" in query["details"][0]  # a confirmed registrant's entry
    [outlook] = [
        line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Add it to Outlook:")
    ]
    outlook_query = parse_qs(urlsplit(outlook).query)
    assert outlook.startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    assert outlook_query["startdt"] == ["2030-06-26T08:00:00+00:00"]
    assert outlook_query["subject"] == ["The 4Ps Revisited — Protection"]
    html = message.get_body(("html",)).get_content()
    assert "calendar.google.com/calendar/render" in html and "outlook.live.com" in html

    manage_url = next(line for line in text.splitlines() if "/registrations/manage/" in line).strip()
    page = mail_app.test_client().get(urlsplit(manage_url).path).get_data(as_text=True)
    assert "calendar.google.com/calendar/render" in page and "outlook.office.com" in page
    assert ".ics" in page


def test_the_public_event_page_has_no_entry_link_with_the_join_link(app, client):
    event = make_event("Protection", start=START, join_url="https://zoom.us/j/81234567890")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "zoom.us" not in page
