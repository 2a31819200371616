"""The calendar feeds: one per series and one for the whole programme, for subscription."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from app.extensions import db
from app.services.mail import event_notices as event_service

from .conftest import make_event, make_series

PROGRAMME_FEED = "/calendar.ics"


def feed(client, url: str, **headers) -> Calendar:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def entries(calendar: Calendar) -> dict[str, dict]:
    """Each entry by its event's title (a calendar names an event of a series after both)."""
    return {str(entry["summary"]).rpartition(" — ")[2]: entry for entry in calendar.walk("VEVENT")}


def four_ps():
    series = make_series()
    prevention = make_event("Prevention", series=series, starts_in=timedelta(days=10))
    partnership = make_event("Partnership", series=series, starts_in=timedelta(days=40), place="Online")
    return series, prevention, partnership


def test_series_feed_lists_its_published_events_with_page_links_and_utc_times(app, client):
    series, prevention, partnership = four_ps()
    make_event("Draft module", series=series, is_published=False)
    make_event("Senior Officials' Meeting")  # another series' or standalone event

    calendar = feed(client, f"/series/{series.id}/calendar.ics")

    assert str(calendar["x-wr-calname"]) == series.title
    assert calendar["refresh-interval"].dt == timedelta(hours=6)
    assert str(calendar["x-published-ttl"]) == "PT6H"
    found = entries(calendar)
    assert set(found) == {"Prevention", "Partnership"}
    entry = found["Partnership"]
    assert str(entry["url"]) == f"http://127.0.0.1:5000/events/{partnership.id}"
    assert str(entry["summary"]) == f"{series.title} — Partnership"
    assert entry["dtstart"].dt == partnership.start_dt
    # In the event's zone, which the feed describes once for all its events.
    assert entry["dtstart"].params["TZID"] == "Europe/Brussels"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert str(entry["status"]) == "CONFIRMED"


def test_programme_feed_lists_every_published_event(app, client):
    series, _prevention, _partnership = four_ps()
    make_event("Senior Officials' Meeting")
    make_event("Draft meeting", is_published=False)

    calendar = feed(client, PROGRAMME_FEED)

    assert str(calendar["x-wr-calname"]) == app.config["PROGRAMME_NAME"]
    assert set(entries(calendar)) == {"Prevention", "Partnership", "Senior Officials' Meeting"}


def test_feed_never_carries_the_join_link(app, client):
    series, _prevention, partnership = four_ps()
    body = client.get(f"/series/{series.id}/calendar.ics").get_data(as_text=True)
    assert "zoom.us" not in body
    assert partnership.join_url not in client.get(PROGRAMME_FEED).get_data(as_text=True)
    assert "ATTENDEE" not in body


def test_feed_uid_is_the_public_calendar_files_and_survives_a_move(app, client):
    series, _prevention, partnership = four_ps()
    url = f"/series/{series.id}/calendar.ics"
    single = Calendar.from_ical(client.get(f"/events/{partnership.id}/calendar.ics").data)
    uid = str(entries(single)["Partnership"]["uid"])
    before = entries(feed(client, url))["Partnership"]
    assert str(before["uid"]) == uid
    assert int(before["sequence"]) == 0

    new_start = datetime(2027, 6, 30, 10, 0, tzinfo=UTC)
    event_service.reschedule(partnership, new_start, new_start + timedelta(hours=2))

    after = entries(feed(client, url))["Partnership"]
    assert str(after["uid"]) == uid
    assert int(after["sequence"]) == 1
    assert after["dtstart"].dt == new_start
    assert str(entries(feed(client, PROGRAMME_FEED))["Partnership"]["uid"]) == uid


def test_cancelled_event_stays_in_the_feed_as_cancelled(app, client):
    series, prevention, _partnership = four_ps()
    event_service.cancel_event(prevention)
    entry = entries(feed(client, f"/series/{series.id}/calendar.ics"))["Prevention"]
    assert str(entry["status"]) == "CANCELLED"
    assert int(entry["sequence"]) == 1


def test_unpublished_event_leaves_the_feed(app, client):
    series, prevention, _partnership = four_ps()
    prevention.is_published = False
    db.session.commit()
    assert "Prevention" not in entries(feed(client, f"/series/{series.id}/calendar.ics"))
    assert "Prevention" not in entries(feed(client, PROGRAMME_FEED))


def test_unknown_or_unpublished_series_has_no_feed(app, client):
    draft = make_series("Draft series", is_published=False)
    make_event("Draft module", series=draft)
    assert client.get(f"/series/{draft.id}/calendar.ics").status_code == 404
    assert client.get("/series/999999/calendar.ics").status_code == 404
    assert client.get("/series/not-a-number/calendar.ics").status_code == 404


def test_feed_answers_304_to_its_etag_until_something_changes(app, client):
    series, _prevention, partnership = four_ps()
    url = f"/series/{series.id}/calendar.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    new_start = partnership.start_dt + timedelta(days=1)
    event_service.reschedule(partnership, new_start, new_start + timedelta(hours=2))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_home_and_series_pages_link_to_the_feeds_over_http_not_webcal(app, client):
    series, _prevention, _partnership = four_ps()
    home = client.get("/").get_data(as_text=True)
    page = client.get(f"/series/{series.id}").get_data(as_text=True)
    assert 'href="http://localhost/calendar.ics"' in home
    assert f'href="http://localhost/series/{series.id}/calendar.ics"' in page
    assert "Subscribe" in home and "Subscribe" in page
    assert "webcal:" not in home + page
