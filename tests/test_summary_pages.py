"""The summary pages: read in the console, edited and published by organisers, then public."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AuditEntry, Event, Series
from app.services.reporting.summaries import SUMMARY_TEXT_MAX, publish_figures
from tests.conftest import csrf_token, make_event, submit
from tests.test_summaries import AIDA, AMINA, CONNY, GUY, JOHAN, SIHAM, VINCENT, WALKER, build_four_ps


@pytest.fixture
def four_ps(app):
    return build_four_ps()


def event_url(event) -> str:
    return f"/console/reports/events/{event.id}"


def series_url(series) -> str:
    return f"/console/reports/series/{series.id}"


def fresh(model, row_id):
    # A new transaction: on SQLite, one begun before a request committed (a summary stores
    # the people it counted) could not write.
    db.session.rollback()
    return db.session.get(model, row_id)


def audit_actions() -> list[str]:
    return db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()


def text_area(page: str) -> str:
    match = re.search(r'<textarea[^>]*name="summary_text"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no summary text area"
    return match.group(1).strip()


# --- the console: reading ------------------------------------------------------------------------------


def test_a_viewer_reads_the_event_summary_but_gets_no_form(four_ps, signed_in):
    page = signed_in("viewer").get(event_url(four_ps.protection))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Summary of Protection" in html
    assert "The webinar gathered 5 participants from 4 countries" in html  # the generated text, read only
    assert 'name="summary_text"' not in html
    assert "Eastern Africa" in html and "Ministry of Labour" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_the_organiser_starts_from_the_generated_paragraph(four_ps, console):
    html = console.get(event_url(four_ps.protection)).get_data(as_text=True)
    generated = text_area(html)
    assert generated.startswith("On ") and "the second webinar of the series" in generated
    assert "The webinar gathered 5 participants from 4 countries, including delegates" in generated
    assert "60%" in html  # attendance rate
    assert "Not published" in html


def test_an_event_without_attendance_says_so(four_ps, console):
    html = console.get(event_url(four_ps.prevention)).get_data(as_text=True)
    assert "Based on registrations; attendance not recorded." in html


def test_the_series_and_programme_pages(four_ps, signed_in):
    viewer = signed_in("viewer")
    html = viewer.get(series_url(four_ps.series)).get_data(as_text=True)
    assert "Module by module" in html
    assert html.index("Prevention") < html.index("Protection") < html.index("Prosecution")
    assert "+4 (+133%)" in html  # registrations of Protection against Prevention
    assert "Registrations and participants per module" in html

    html = viewer.get("/console/reports/programme").get_data(as_text=True)
    assert "Meetings by kind and year" in html
    assert "3 Webinars" not in html and "3 webinars have gathered 8 delegates" in html


def test_the_programme_period(four_ps, signed_in):
    viewer = signed_in("viewer")
    year = utcnow().year
    page = viewer.get(f"/console/reports/programme?from={year - 5}&to={year - 4}-12")
    assert page.status_code == 200
    assert "No meeting was held in this period." in page.get_data(as_text=True)
    for query in ("from=2015-13", "from=15", "to=x", "from=2020&to=2019", "from=" + "9" * 50):
        page = viewer.get(f"/console/reports/programme?{query}")
        assert page.status_code == 400, query
        assert "error-summary" in page.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/console/reports/events/999", "/console/reports/series/999"])
def test_unknown_ids_are_404(app, signed_in, url):
    assert signed_in("organiser").get(url).status_code == 404


def test_unknown_ids_are_404_for_changes_too(four_ps, console):
    token = csrf_token(console, event_url(four_ps.protection))
    for url in ("/console/reports/events/999", "/console/reports/series/999"):
        response = console.post(url, data={"csrf_token": token, "summary_text": "x", "save": "Save"})
        assert response.status_code == 404


# --- the console: editing and publishing -------------------------------------------------------------------


def test_save_publish_and_unpublish_an_event_summary(four_ps, console, client):
    event = four_ps.protection
    url = event_url(event)
    assert client.get(f"/events/{event.id}/summary").status_code == 404

    response = submit(console, url, {"summary_text": "Over 140 participants.", "save": "Save"})
    assert response.status_code == 302
    assert fresh(Event, event.id).summary_text == "Over 140 participants."
    assert not fresh(Event, event.id).summary_published
    assert client.get(f"/events/{event.id}/summary").status_code == 404

    response = submit(console, url, {"summary_text": "Over 140 participants.", "publish": "Publish"})
    assert response.status_code == 302
    assert fresh(Event, event.id).summary_published
    public = client.get(f"/events/{event.id}/summary")
    assert public.status_code == 200
    assert "Over 140 participants." in public.get_data(as_text=True)
    event_page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/summary"' in event_page
    assert f'href="/events/{event.id}/participants"' in event_page

    response = submit(console, url, {"summary_text": "Over 140 participants.", "unpublish": "Unpublish"})
    assert response.status_code == 302
    assert not fresh(Event, event.id).summary_published
    assert client.get(f"/events/{event.id}/summary").status_code == 404
    event_page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/summary"' not in event_page
    # Publishing the text publishes the figures it was written from.
    assert audit_actions()[-4:] == [
        "event.summary_saved",
        "event.figures_published",
        "event.summary_published",
        "event.summary_unpublished",
    ]


def test_regenerate_shows_the_generated_text_and_saves_nothing(four_ps, console):
    event = four_ps.protection
    submit(console, event_url(event), {"summary_text": "My own words.", "save": "Save"})
    page = console.get(event_url(event)).get_data(as_text=True)
    assert text_area(page) == "My own words."

    response = submit(console, event_url(event), {"summary_text": "My own words.", "regenerate": "Again"})
    assert response.status_code == 200
    assert "The webinar gathered 5 participants" in text_area(response.get_data(as_text=True))
    assert fresh(Event, event.id).summary_text == "My own words."


def test_bad_input_changes_nothing(four_ps, console, signed_in):
    event = four_ps.protection
    url = event_url(event)
    viewer = signed_in("viewer")
    before = audit_actions()

    too_long = submit(console, url, {"summary_text": "x" * (SUMMARY_TEXT_MAX + 1), "publish": "Publish"})
    assert too_long.status_code == 400
    assert "error-summary" in too_long.get_data(as_text=True)

    empty = submit(console, url, {"summary_text": "  ", "publish": "Publish"})
    assert empty.status_code == 400
    assert "Write the summary before publishing it." in empty.get_data(as_text=True)

    no_csrf = console.post(url, data={"summary_text": "Forged", "publish": "Publish"})
    assert no_csrf.status_code == 400

    token = csrf_token(viewer, "/console/password")
    refused = viewer.post(url, data={"csrf_token": token, "summary_text": "Viewer", "publish": "Publish"})
    assert refused.status_code == 403

    stored = fresh(Event, event.id)
    assert stored.summary_text == "" and not stored.summary_published
    assert audit_actions() == before


def test_a_summary_cannot_be_published_before_the_event(app, console):
    event = make_event("Upcoming", starts_in=timedelta(days=5))
    response = submit(console, event_url(event), {"summary_text": "Too early.", "publish": "Publish"})
    assert response.status_code == 409
    assert "once the event has taken place" in response.get_data(as_text=True)
    assert not fresh(Event, event.id).summary_published
    # Saving a draft is fine.
    assert submit(console, event_url(event), {"summary_text": "Draft.", "save": "Save"}).status_code == 302


def test_publish_a_series_summary(four_ps, console, client):
    series = four_ps.series
    assert client.get(f"/series/{series.id}/summary").status_code == 404
    response = submit(console, series_url(series), {"summary_text": "Four webinars.", "publish": "Publish"})
    assert response.status_code == 302
    assert fresh(Series, series.id).summary_published
    page = client.get(f"/series/{series.id}/summary")
    assert page.status_code == 200
    assert "Four webinars." in page.get_data(as_text=True)
    assert audit_actions()[-1] == "series.summary_published"


# --- the public pages ----------------------------------------------------------------------------------


PEOPLE = (AMINA, JOHAN, CONNY, VINCENT, SIHAM, AIDA, GUY, WALKER)


def publish(event: Event) -> None:
    event = fresh(Event, event.id)
    event.summary_text = "The webinar gathered participants from a broad geographical range."
    event.summary_published = True
    db.session.commit()
    publish_figures(event)


def test_public_pages_are_404_until_published(four_ps, client):
    event = four_ps.protection
    for url in (f"/events/{event.id}/summary", f"/events/{event.id}/participants"):
        assert client.get(url).status_code == 404
    publish(event)
    for url in (f"/events/{event.id}/summary", f"/events/{event.id}/participants"):
        assert client.get(url).status_code == 200
    # An unpublished event hides its summary too.
    stored = fresh(Event, event.id)
    stored.is_published = False
    db.session.commit()
    assert client.get(f"/events/{event.id}/summary").status_code == 404
    assert client.get(f"/events/{event.id}/participants").status_code == 404
    assert client.get("/events/999/summary").status_code == 404
    assert client.get("/series/999/summary").status_code == 404


def test_the_public_summary_shows_no_one(four_ps, client):
    publish(four_ps.protection)
    html = client.get(f"/events/{four_ps.protection.id}/summary").get_data(as_text=True)
    assert "from a broad geographical range" in html
    assert "Eastern Africa" in html and "<svg" in html
    for person in PEOPLE:
        assert person.name not in html and person.email not in html
    assert "Ministry of Labour" not in html  # organisations stay in the console
    assert "Anonymous caller" not in html


def test_the_list_of_participants_shows_who_agreed_and_attended(four_ps, client):
    publish(four_ps.protection)
    html = client.get(f"/events/{four_ps.protection.id}/participants").get_data(as_text=True)
    # Amina and Vincent agreed and attended; Conny did not agree; Siham and Aida did not attend;
    # Johan cancelled; Guy waited; walk-ins never agreed to anything.
    assert "Amina Yusuf" in html and "Ministry of Labour" in html and "Ethiopia" in html
    assert "Vincent Cochetel" in html and "Switzerland" in html
    for person in (CONNY, SIHAM, AIDA, JOHAN, GUY, WALKER):
        assert person.name not in html
    for person in PEOPLE:
        assert person.email not in html
    assert "Anonymous caller" not in html


def test_without_attendance_the_list_is_the_confirmed_who_agreed(four_ps, client):
    publish(four_ps.prevention)
    html = client.get(f"/events/{four_ps.prevention.id}/participants").get_data(as_text=True)
    assert "Amina Yusuf" in html
    assert "Vincent Cochetel" not in html  # cancelled
    assert "Walker Odhiambo" not in html  # did not agree


def test_the_public_series_summary_leaves_out_unpublished_modules(four_ps, client):
    series, prosecution = fresh(Series, four_ps.series.id), db.session.get(Event, four_ps.prosecution.id)
    series.summary_text, series.summary_published = "The 4Ps revisited.", True
    prosecution.is_published = False
    db.session.commit()
    html = client.get(f"/series/{series.id}/summary").get_data(as_text=True)
    assert "The 4Ps revisited." in html
    assert "Protection" in html and "Prosecution" not in html
    for person in PEOPLE:
        assert person.name not in html


def test_the_public_programme_overview(four_ps, client):
    # Nothing counted before the organisers publish the figures of the meetings held.
    before = client.get("/programme").get_data(as_text=True)
    assert "Figures not yet published for 3 meetings held" in before
    assert "No meeting was held" not in before
    for event in four_ps.series.events:
        if event.has_started():
            publish_figures(event)
    page = client.get("/programme")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Meetings by kind and year" in html and "<svg" in html
    assert "have gathered 8 delegates" in html
    for person in PEOPLE:
        assert person.name not in html
    assert client.get("/programme?from=2021-00").status_code == 400
