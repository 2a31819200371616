"""Agenda items have optional times within their event and a room or session: typed in the
console in the event's zone, stored in UTC, shown on the event page, in the PDF, in the
calendar invitation's text and in the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from app.extensions import db
from app.models import AgendaItem, AgendaItemKind, Registration, RegistrationStatus
from app.services.mail.calendar import registration_calendar
from tests.conftest import make_event
from tests.test_console_programme import post, text_of
from tests.test_report_downloads import get_pdf, pdf_text

# 10:00-12:00 in Brussels (CEST, UTC+02:00) on 26 June 2030.
START = datetime(2030, 6, 26, 8, tzinfo=UTC)


def item_form(**overrides) -> dict:
    data = {"kind": "keynote", "title": "Keynote", "description": "", "start": "", "end": "", "room": ""}
    data.update(overrides)
    return data


@pytest.fixture
def event(app):
    return make_event("Partnership", start=START, timezone="Europe/Brussels")


def only_item(event_id: int) -> AgendaItem:
    db.session.expire_all()
    return db.session.scalars(db.select(AgendaItem).where(AgendaItem.event_id == event_id)).one()


def add_timed_item(event, title="Keynote", start=(8, 15), end=(9, 0), room="Room A") -> AgendaItem:
    item = AgendaItem(
        event=event,
        kind=AgendaItemKind.KEYNOTE,
        title=title,
        start_dt=START.replace(hour=start[0], minute=start[1]),
        end_dt=START.replace(hour=end[0], minute=end[1]) if end else None,
        room=room,
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_times_are_typed_in_the_events_zone_and_stored_in_utc(event, console):
    response = post(
        console,
        f"/console/events/{event.id}/agenda",
        item_form(start="2030-06-26T10:15", end="2030-06-26T11:00", room="Room A"),
    )
    assert response.status_code == 303
    item = only_item(event.id)
    assert (item.start_dt, item.end_dt, item.room) == (
        datetime(2030, 6, 26, 8, 15, tzinfo=UTC),
        datetime(2030, 6, 26, 9, 0, tzinfo=UTC),
        "Room A",
    )
    page = text_of(console.get(f"/console/agenda/{item.id}"))
    assert 'value="2030-06-26T10:15"' in page  # the edit form shows the local time again
    assert "10:15–11:00" in text_of(console.get(f"/console/events/{event.id}"))

    response = post(console, f"/console/agenda/{item.id}", item_form(start="2030-06-26T11:00", end=""))
    assert response.status_code == 303
    item = only_item(event.id)
    assert (item.start_dt, item.end_dt, item.room) == (datetime(2030, 6, 26, 9, tzinfo=UTC), None, "")


def test_an_item_without_times_stays_as_before(event, console):
    assert post(console, f"/console/events/{event.id}/agenda", item_form()).status_code == 303
    item = only_item(event.id)
    assert (item.start_dt, item.end_dt, item.room) == (None, None, "")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2030-06-26T11:00", "2030-06-26T10:30", "The item must end after it starts."),
        ("2030-06-26T11:00", "2030-06-26T11:00", "The item must end after it starts."),
        ("2030-06-26T09:30", "2030-06-26T10:30", "Choose a time within the event."),
        ("2030-06-26T11:00", "2030-06-26T12:30", "Choose a time within the event."),
        ("", "2030-06-26T11:00", "Give the start time too."),
        ("half past ten", "", "Enter a date and time."),
        ("2030-02-30T10:00", "", "Enter a date and time."),
    ],
)
def test_bad_times_are_refused_with_a_message_and_change_nothing(event, console, start, end, message):
    response = post(console, f"/console/events/{event.id}/agenda", item_form(start=start, end=end))
    assert response.status_code == 400
    assert message in text_of(response)
    assert db.session.scalars(db.select(AgendaItem).where(AgendaItem.event_id == event.id)).all() == []


def test_an_edit_with_bad_times_changes_nothing(event, console):
    item = add_timed_item(event)
    response = post(
        console, f"/console/agenda/{item.id}", item_form(start="2030-06-26T11:00", end="2030-06-26T10:00")
    )
    assert response.status_code == 400
    assert "The item must end after it starts." in text_of(response)
    item = only_item(event.id)
    assert (item.start_dt.hour, item.end_dt.hour) == (8, 9)


def test_a_time_the_clocks_skip_is_refused(console):
    # Brussels moves from 02:00 to 03:00 on 31 March 2030.
    event = make_event(start=datetime(2030, 3, 30, 23, tzinfo=UTC), hours=4, timezone="Europe/Brussels")
    response = post(console, f"/console/events/{event.id}/agenda", item_form(start="2030-03-31T02:30"))
    assert response.status_code == 400
    assert "skips this time" in text_of(response)


@pytest.mark.parametrize(
    ("language", "room_label"),
    [("en", "Room or session: Room A"), ("fr", "Salle ou session\u00a0: Room A")],
)
def test_the_event_page_shows_the_times_in_the_events_zone(event, client, language, room_label):
    add_timed_item(event)
    page = text_of(client.get(f"/events/{event.id}?lang={language}"))
    assert '<bdi class="agenda-time">10:15–11:00</bdi>' in page
    assert room_label in page


def test_the_arabic_event_page_isolates_the_times(event, client):
    add_timed_item(event)
    page = text_of(client.get(f"/events/{event.id}?lang=ar"))
    assert '<bdi class="agenda-time">10:15–11:00</bdi>' in page
    assert "القاعة أو الجلسة" in page


def test_an_event_over_several_days_gives_each_items_day(client):
    event = make_event(start=START, hours=30, timezone="Europe/Brussels")
    add_timed_item(event, start=(8, 0), end=(9, 0))
    assert "26 Jun 10:00–11:00" in text_of(client.get(f"/events/{event.id}"))


def registered(event, language: str = "en") -> Registration:
    from app.models import Delegate

    registration = Registration(
        event=event,
        delegate=Delegate(email=f"amina.{language}@example.org", name="Amina Yusuf"),
        status=RegistrationStatus.CONFIRMED,
        name="Amina Yusuf",
        language=language,
        consent_privacy_dt=START,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Agenda (times in CEST (UTC+02:00))"),
        ("fr", "Ordre du jour (heures en CEST (UTC+02:00))"),
        ("ar", "جدول الأعمال (الأوقات بتوقيت \u2066CEST (UTC+02:00)\u2069)"),
    ],
)
def test_the_calendar_invitation_describes_the_agenda_with_its_times(app, event, language, heading):
    from flask_babel import force_locale

    add_timed_item(event, "Opening", start=(8, 0), end=(8, 15), room="")
    add_timed_item(event, "Keynote", start=(8, 15), end=(9, 0), room="Room A")
    registration = registered(event, language)
    with app.test_request_context(), force_locale(language):
        calendar = Calendar.from_ical(registration_calendar(registration))
    [entry] = calendar.walk("VEVENT")
    description = str(entry["DESCRIPTION"])
    assert f"{heading}\n10:00–10:15 Opening\n10:15–11:00 Keynote — Room A" in description


def test_the_pdf_report_prints_the_times_and_room(event, signed_in):
    add_timed_item(event)
    text = pdf_text(get_pdf(signed_in("viewer"), f"/console/reports/events/{event.id}/report.pdf"))
    assert "10:15" in text and "11:00" in text
    assert "Room or session: Room A" in text


def test_the_api_gives_the_times_and_room(event, client):
    item = add_timed_item(event, end=None)
    [agenda_item] = client.get(f"/api/v1/events/{event.id}").get_json()["agenda"]
    assert agenda_item["start"].startswith("2030-06-26T08:15")
    assert agenda_item["local_start"] == "2030-06-26T10:15:00+02:00"
    assert agenda_item["end"] is None and agenda_item["local_end"] is None
    assert agenda_item["room"] == "Room A"
    assert client.get(f"/api/v1/events/{event.id}/agenda").get_json()[0]["id"] == item.id
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["AgendaItem"]
    assert {"start", "end", "local_start", "local_end", "room"} <= set(schema["properties"])


@pytest.mark.parametrize("path", ["/calendar.ics", "/series/{series}/calendar.ics"])
def test_the_feeds_give_each_events_agenda_and_read_it_in_one_go(client, path):
    from tests.conftest import make_series, statements

    series = make_series()
    url = path.format(series=series.id)
    counts = []
    for day in range(1, 4):
        add_timed_item(make_event(f"Module {day}", series=series, start=START.replace(day=day)))
        db.session.expire_all()
        with statements() as executed:
            body = client.get(url).get_data(as_text=True)
        assert body.count("Agenda (times in CEST (UTC+02:00))") == day
        counts.append(len(executed))
    assert counts[0] == counts[-1], counts  # not one more per event
