"""The public pages, read as a visitor reads them: programme, series, event, calendar, documents."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.database import utcnow
from app.extensions import db
from app.models import Document, DocumentKind, Speaker
from tests.conftest import add_keynote, make_event, make_series

SERIES_TITLE = "Trafficking in Human Beings: The 4Ps Revisited"
JOIN_URL = "https://zoom.us/j/81234567890"
WERKZEUG_NOT_FOUND = "The requested URL was not found on the server"

# The four modules of the series, each 10:00-12:00 in Brussels (08:00 UTC, summer time).
FOUR_PS = {
    "Prevention": datetime(2021, 3, 31, 8, 0, tzinfo=UTC),
    "Protection": datetime(2021, 4, 28, 8, 0, tzinfo=UTC),
    "Prosecution": datetime(2021, 5, 26, 8, 0, tzinfo=UTC),
    "Partnership": datetime(2021, 6, 30, 8, 0, tzinfo=UTC),
}


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


def four_ps_series():
    """The real series, its modules created out of order so the page has to sort them."""
    series = make_series()
    for title in ("Partnership", "Prevention", "Prosecution", "Protection"):
        make_event(title, series=series, start=FOUR_PS[title])
    return series


def store_file(app, stored_name: str, content: bytes) -> Path:
    folder = Path(app.config["DOCUMENTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_name
    path.write_bytes(content)
    return path


def add_document(event=None, series=None, **fields) -> Document:
    fields.setdefault("title", "Background note")
    fields.setdefault("kind", DocumentKind.BACKGROUND_NOTE)
    document = Document(event=event, series=series, **fields)
    db.session.add(document)
    db.session.commit()
    return document


def assert_our_error_page(body: str, title: str) -> None:
    assert title in body
    assert "Khartoum Process" in body  # the site's header and page title
    assert 'class="site-header"' in body
    assert WERKZEUG_NOT_FOUND not in body


# --- home -------------------------------------------------------------------


def test_home_lists_upcoming_events_before_past_ones(app, client):
    make_event("Partnership", start=FOUR_PS["Partnership"])
    make_event("Senior Officials' Meeting", starts_in=timedelta(days=40))
    make_event("Thematic Meeting on Smuggling", starts_in=timedelta(days=10))
    body = page(client, "/")
    upcoming_soon = body.index("Thematic Meeting on Smuggling")
    upcoming_later = body.index("Senior Officials&#39; Meeting")
    past = body.index("Partnership")
    assert body.index("Upcoming") < upcoming_soon < upcoming_later < body.index("Past events") < past


def test_home_lists_the_series(app, client):
    four_ps_series()
    body = page(client, "/")
    assert SERIES_TITLE in body
    assert "4 events" in body


def test_home_leaves_out_unpublished_events_and_series(app, client):
    make_event("Partnership")
    make_event("Draft Steering Committee", is_published=False)
    make_series("Draft series", is_published=False)
    body = page(client, "/")
    assert "Partnership" in body
    assert "Draft Steering Committee" not in body
    assert "Draft series" not in body


def test_home_runs_the_same_number_of_queries_however_many_events(app, client):
    series = make_series()
    make_event("Prevention", series=series)
    make_event("Protection", series=series, start=FOUR_PS["Protection"])
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    client.get("/")  # warm up
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        page(client, "/")
        few = len(statements)
        for title in ("Prosecution", "Partnership", "Steering Committee", "Senior Officials"):
            make_event(title, series=series)
        make_series("Second series")
        statements.clear()
        page(client, "/")
        many = len(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert few > 0
    assert many == few


# --- series -----------------------------------------------------------------


def test_series_page_lists_events_in_order_with_date_and_brussels_time(app, client):
    series = four_ps_series()
    body = page(client, f"/series/{series.id}")
    positions = [body.index(f">{title}</a>") for title in FOUR_PS]
    assert positions == sorted(positions)
    assert "Wednesday 31 March 2021" in body
    assert "Wednesday 30 June 2021" in body
    assert body.count("10:00–12:00 CEST (UTC+02:00)") == 4


def test_series_page_shows_an_event_in_nairobi_time(app, client):
    series = make_series()
    make_event(
        "Regional Training",
        series=series,
        start=datetime(2021, 6, 30, 8, 0, tzinfo=UTC),
        timezone="Africa/Nairobi",
    )
    body = page(client, f"/series/{series.id}")
    assert "11:00–13:00 EAT (UTC+03:00)" in body


def test_series_page_shows_the_theme(app, client):
    series = make_series()
    make_event("Prevention", series=series, theme="Trafficking for the purpose of labour exploitation")
    body = page(client, f"/series/{series.id}")
    assert "Trafficking for the purpose of labour exploitation" in body


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({}, "Registration open"),
        ({"starts_in": timedelta(days=3, hours=12)}, "Closes in 3 days"),
        ({"capacity": 1, "confirmed_count": 1}, "Full – join the waiting list"),
        ({"registration_closes_dt": utcnow() - timedelta(hours=1)}, "Registration closed"),
        ({"starts_in": timedelta(days=-30)}, "Past event"),
        ({"is_cancelled": True}, "Cancelled"),
        ({"registration_opens_dt": utcnow() + timedelta(days=5)}, "Registration opens "),
    ],
    ids=["open", "closing-soon", "full", "closed", "past", "cancelled", "not-yet-open"],
)
def test_series_page_shows_each_registration_state(app, client, fields, label):
    series = make_series()
    make_event("Partnership", series=series, **fields)
    body = page(client, f"/series/{series.id}")
    assert re.search(r'class="state state-[a-z_]+">' + re.escape(label), body)


def test_series_page_shows_the_opening_instant_in_the_event_zone(app, client):
    series = make_series()
    opens = datetime(2099, 3, 1, 8, 0, tzinfo=UTC)
    start = datetime(2099, 6, 30, 8, 0, tzinfo=UTC)
    make_event("Partnership", series=series, start=start, registration_opens_dt=opens)
    body = page(client, f"/series/{series.id}")
    assert "Registration opens Sunday 1 March 2099, 09:00 CET (UTC+01:00)" in body


def test_series_page_offers_the_series_form_when_an_event_is_open(app, client):
    series = make_series()
    make_event("Prevention", series=series, start=FOUR_PS["Prevention"])
    make_event("Partnership", series=series)
    body = page(client, f"/series/{series.id}")
    assert "Register for several events of this series" in body
    assert f'href="/series/{series.id}/register"' in body


def test_series_page_has_no_series_form_when_nothing_is_open(app, client):
    series = four_ps_series()
    make_event("Closed module", series=series, registration_closes_dt=utcnow() - timedelta(hours=1))
    body = page(client, f"/series/{series.id}")
    assert "Register for several events of this series" not in body
    assert f"/series/{series.id}/register" not in body


def test_unpublished_series_is_not_found(app, client):
    series = make_series(is_published=False)
    assert_our_error_page(page(client, f"/series/{series.id}", 404), "Page not found")


def test_series_page_leaves_out_unpublished_events(app, client):
    series = make_series()
    make_event("Partnership", series=series)
    make_event("Draft module", series=series, is_published=False)
    body = page(client, f"/series/{series.id}")
    assert "Partnership" in body
    assert "Draft module" not in body


# --- event ------------------------------------------------------------------


def test_event_page_shows_the_agenda_with_keynote_and_speakers(app, client):
    event = make_event("Protection", start=FOUR_PS["Protection"])
    add_keynote(
        event, "Ms. Conny Rijken", "Professor of Human Trafficking and Globalisation", "Tilburg University"
    )
    body = page(client, f"/events/{event.id}")
    assert "Agenda" in body
    assert "Keynote" in body
    assert (
        "<strong>Ms. Conny Rijken</strong>, Professor of Human Trafficking and Globalisation, "
        "Tilburg University" in body
    )


def test_event_page_lists_every_speaker_of_an_item(app, client):
    event = make_event("Partnership")
    item = add_keynote(
        event, "Ms. Conny Rijken", "Professor of Human Trafficking and Globalisation", "Tilburg University"
    )
    item.speakers.append(
        Speaker(
            name="Mr. Vincent Cochetel",
            title="Special Envoy for the Central Mediterranean Situation",
            organisation="UNHCR",
            position=2,
        )
    )
    db.session.commit()
    body = page(client, f"/events/{event.id}")
    assert body.index("Ms. Conny Rijken") < body.index("Mr. Vincent Cochetel")
    assert "Special Envoy for the Central Mediterranean Situation, UNHCR" in body


def test_event_page_shows_when_in_the_event_zone(app, client):
    event = make_event("Partnership", start=FOUR_PS["Partnership"])
    body = page(client, f"/events/{event.id}")
    assert "Wednesday 30 June 2021, 10:00–12:00 CEST (UTC+02:00)" in body


def test_event_page_lists_public_documents_but_not_registrants_only_ones(app, client):
    event = make_event("Partnership")
    add_document(event, title="Background note: Partnership", stored_name="note.pdf", filename="note.pdf")
    add_document(event, title="Speakers' presentations", url="https://example.org/slides", is_public=False)
    body = page(client, f"/events/{event.id}")
    assert "Background note: Partnership" in body
    assert "Speakers&#39; presentations" not in body
    assert "Speakers' presentations" not in body
    assert "https://example.org/slides" not in body


def test_event_page_links_to_the_public_calendar_file(app, client):
    event = make_event("Partnership")
    body = page(client, f"/events/{event.id}")
    assert "Add to calendar (.ics)" in body
    assert f'href="/events/{event.id}/calendar.ics"' in body


def test_event_page_has_a_register_button_when_open(app, client):
    event = make_event("Partnership")
    body = page(client, f"/events/{event.id}")
    assert f'href="/events/{event.id}/register"' in body


@pytest.mark.parametrize(
    "fields",
    [
        {"start": FOUR_PS["Partnership"]},
        {"is_cancelled": True},
        {"registration_closes_dt": utcnow() - timedelta(hours=1)},
        {"registration_opens_dt": utcnow() + timedelta(days=5)},
    ],
    ids=["past", "cancelled", "closed", "not-yet-open"],
)
def test_event_page_has_no_register_button_when_not_open(app, client, fields):
    event = make_event("Partnership", **fields)
    body = page(client, f"/events/{event.id}")
    assert f"/events/{event.id}/register" not in body


def test_event_page_never_shows_the_join_link(app, client):
    event = make_event("Partnership", join_url=JOIN_URL)
    add_keynote(event, "Mr. Vincent Cochetel", "Special Envoy", "UNHCR")
    body = page(client, f"/events/{event.id}")
    assert "81234567890" not in body
    assert "zoom.us" not in body


def test_unpublished_event_is_not_found(app, client):
    event = make_event("Partnership", is_published=False)
    assert_our_error_page(page(client, f"/events/{event.id}", 404), "Page not found")


# --- the public calendar file ------------------------------------------------


def test_public_calendar_file_holds_the_event_in_its_own_zone(app, client):
    event = make_event("Partnership", start=FOUR_PS["Partnership"])
    response = client.get(f"/events/{event.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    entries = calendar.walk("VEVENT")
    assert len(entries) == 1
    start, end = entries[0].decoded("DTSTART"), entries[0].decoded("DTEND")
    assert start == datetime(2021, 6, 30, 8, 0, tzinfo=UTC)
    assert end == datetime(2021, 6, 30, 10, 0, tzinfo=UTC)
    # Written in Brussels time (UTC+2 that day), with the zone's VTIMEZONE.
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=2)
    assert entries[0]["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert str(entries[0]["SUMMARY"]) == "Partnership"  # a standalone event: its own title


def test_public_calendar_file_has_no_join_link(app, client):
    event = make_event("Partnership", join_url=JOIN_URL, theme="Partnership against trafficking")
    response = client.get(f"/events/{event.id}/calendar.ics")
    unfolded = response.get_data(as_text=True).replace("\r\n ", "").replace("\r\n\t", "")
    assert "81234567890" not in unfolded
    assert "zoom.us" not in unfolded
    entry = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert all("zoom.us" not in str(value) for value in entry.values())


def test_calendar_file_of_an_unpublished_event_is_not_found(app, client):
    event = make_event("Partnership", is_published=False)
    assert client.get(f"/events/{event.id}/calendar.ics").status_code == 404


# --- documents ---------------------------------------------------------------


def test_public_file_document_downloads_under_its_human_name(app, client):
    event = make_event("Partnership")
    store_file(app, "4f1c2b7e.pdf", b"%PDF-1.4 background note")
    document = add_document(
        event,
        stored_name="4f1c2b7e.pdf",
        filename="Background note - Partnership.pdf",
        content_type="application/pdf",
    )
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 background note"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "Background note - Partnership.pdf" in disposition
    response.close()


def test_series_reader_downloads(app, client):
    series = make_series()
    store_file(app, "9a8b7c6d.pdf", b"%PDF-1.4 reader")
    document = add_document(
        series=series,
        kind=DocumentKind.READER,
        title="Reader",
        stored_name="9a8b7c6d.pdf",
        filename="Khartoum Process Reader.pdf",
    )
    assert "Reader" in page(client, f"/series/{series.id}")
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert "Khartoum Process Reader.pdf" in response.headers["Content-Disposition"]
    response.close()


def test_link_document_redirects_to_its_address(app, client):
    event = make_event("Partnership")
    document = add_document(event, title="Recording", url="https://example.org/recording")
    response = client.get(f"/documents/{document.id}")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "https://example.org/recording"


def test_registrants_only_document_is_not_found_publicly(app, client):
    event = make_event("Partnership")
    store_file(app, "5e5e5e5e.pdf", b"%PDF-1.4 slides")
    document = add_document(event, stored_name="5e5e5e5e.pdf", filename="slides.pdf", is_public=False)
    body = page(client, f"/documents/{document.id}", 404)
    assert_our_error_page(body, "Page not found")
    assert "slides" not in body


@pytest.mark.parametrize("stored_name", ["../plenary.db", "../outside.txt", "/etc/passwd"])
def test_document_stored_outside_the_documents_folder_is_not_found(app, client, tmp_path, stored_name):
    for outside in ("outside.txt", "plenary.db"):  # files beside the documents folder
        (tmp_path / outside).write_text("not a document")
    Path(app.config["DOCUMENTS_DIR"]).mkdir(parents=True, exist_ok=True)
    event = make_event("Partnership")
    document = add_document(event, stored_name=stored_name, filename="note.pdf")
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 404
    assert b"not a document" not in response.data


def test_document_whose_file_is_missing_is_not_found(app, client):
    event = make_event("Partnership")
    Path(app.config["DOCUMENTS_DIR"]).mkdir(parents=True, exist_ok=True)
    document = add_document(event, stored_name="deleted.pdf", filename="note.pdf")
    assert client.get(f"/documents/{document.id}").status_code == 404


def test_unknown_document_is_not_found(app, client):
    assert_our_error_page(page(client, "/documents/999999", 404), "Page not found")


def test_document_of_an_unpublished_event_is_not_found(app, client):
    event = make_event("Partnership", is_published=False)
    store_file(app, "7d7d7d7d.pdf", b"%PDF-1.4 draft")
    document = add_document(event, stored_name="7d7d7d7d.pdf", filename="draft.pdf")
    assert client.get(f"/documents/{document.id}").status_code == 404


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize("url", ["/events/999999", "/series/999999", "/events/abc", "/no-such-page"])
def test_unknown_address_shows_our_not_found_page(app, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert_our_error_page(response.get_data(as_text=True), "Page not found")


def test_post_to_an_event_page_is_not_allowed(app, client):
    event = make_event("Partnership")
    response = client.post(f"/events/{event.id}")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    body = response.get_data(as_text=True)
    assert_our_error_page(body, "This action is not allowed here")
    assert "The method is not allowed for the requested URL" not in body


def test_the_site_has_an_icon_where_browsers_look_and_where_pages_point(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
    assert 'rel="icon" href="/favicon.ico"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert client.get("/static/favicon.svg").status_code == 200


def test_every_page_and_the_privacy_notice_give_the_secretariats_contact_address(app, client):
    contact = app.config["CONTACT_EMAIL"]
    for path in ("/", "/privacy", "/no-such-page"):
        assert f'href="mailto:{contact}"' in client.get(path).get_data(as_text=True), path
    assert "write to the Secretariat at" in client.get("/privacy").get_data(as_text=True)
