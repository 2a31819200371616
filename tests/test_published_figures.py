"""Public figures change only when published: the public summaries (pages, PDFs, API) show
the figures an organiser last published; the console shows the live ones, says when they have
changed since, and publishes them. And an in-person meeting's summary counts arrivals at the
door, not minutes nobody measured."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import ApiTokenScope, AuditEntry, Event, EventFormat, PublishedFigures
from app.services.accounts.api_tokens import create_token
from app.services.attendance.attendance import check_in, check_out
from app.services.reporting import narrative, report_pdf, summaries
from tests.conftest import csrf_token, make_account, make_event
from tests.test_summaries import AIDA, AMINA, CONNY, GUY, JOHAN, attend, build_four_ps, enrol


@pytest.fixture
def four_ps(app):
    return build_four_ps()


def fresh(event: Event) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event.id)


def publish_text(event: Event) -> None:
    """The summary's text made public without its figures (as before this change)."""
    event = fresh(event)
    event.summary_text = "The webinar gathered participants from a broad geographical range."
    event.summary_published = True
    db.session.commit()


def public_participants(client, event: Event) -> str:
    return client.get(f"/api/v1/events/{event.id}/summary").get_json()["participants"]


def token(role: str = "organiser", scope: str = "write") -> dict:
    _token, plain = create_token(make_account(role), "Figures", ApiTokenScope(scope))
    return {"Authorization": f"Bearer {plain}"}


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_event_never_published_shows_no_figures(four_ps, client):
    event = four_ps.protection
    publish_text(event)
    html = client.get(f"/events/{event.id}/summary").get_data(as_text=True)
    assert "Figures not yet published." in html and "first-time participants" not in html
    answer = client.get(f"/api/v1/events/{event.id}/summary").get_json()
    assert answer["figures_published"] is False and answer["published_at"] is None
    assert answer["participants"] is None and answer["breakdowns"] is None
    texts = [
        getattr(block, "text", "") for block in report_pdf.event_report(fresh(event), public=True).blocks
    ]
    assert "Figures not yet published." in texts


def test_public_figures_change_only_when_published(four_ps, client, console):
    event = four_ps.protection
    publish_text(event)
    summaries.publish_figures(fresh(event))
    published = summaries.event_summary(fresh(event)).figures.participants
    assert public_participants(client, event) == published

    # An import adds people: the console sees them at once, the public does not.
    attend(event, minutes=50, email="new.delegate@example.org", name="New Delegate")
    attend(event, minutes=50, email="other.delegate@example.org", name="Other Delegate")
    assert summaries.event_summary(fresh(event)).figures.participants == published + 2
    assert public_participants(client, event) == published
    public_html = client.get(f"/events/{event.id}/summary").get_data(as_text=True)
    assert f'<span class="value">{published}</span><span class="label">participants</span>' in public_html
    programme = summaries.programme_summary(published_only=True)
    assert programme.participations_by_event[event.id] == published

    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Changed since published" in page and "Publish figures" in page
    assert f'<td class="num">{published}</td><td class="num">{published + 2}</td>' in page

    # The button: CSRF, organisers only, audited.
    url = f"/console/reports/events/{event.id}/figures/publish"
    assert console.post(url, data={}).status_code == 400
    assert public_participants(client, event) == published
    response = console.post(
        url, data={"csrf_token": csrf_token(console, f"/console/reports/events/{event.id}")}
    )
    assert response.status_code == 303
    assert public_participants(client, event) == published + 2
    assert audit_actions()[-1] == "event.figures_published"
    row = db.session.get(PublishedFigures, event.id)
    assert row.published_by == console.account.email
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Changed since published" not in page and "Publish figures" not in page


def test_a_viewer_cannot_publish(four_ps, signed_in):
    viewer = signed_in("viewer")
    event = four_ps.protection
    page = viewer.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Figures not yet published" in page and "Publish figures" not in page
    token_value = csrf_token(viewer, "/console/password")
    response = viewer.post(
        f"/console/reports/events/{event.id}/figures/publish", data={"csrf_token": token_value}
    )
    assert response.status_code == 403
    assert db.session.get(PublishedFigures, event.id) is None


def test_the_api_publishes_for_organisers(four_ps, client):
    event = four_ps.protection
    publish_text(event)
    url = f"/api/v1/events/{event.id}/summary/publish"
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=token("viewer", "read")).status_code == 403
    assert client.post(url, json={"event": 1}, headers=token()).status_code == 422
    assert db.session.get(PublishedFigures, event.id) is None
    answer = client.post(url, json={}, headers=token())
    assert answer.status_code == 200
    assert answer.get_json()["figures_published"] is True
    assert public_participants(client, event) == summaries.event_summary(fresh(event)).figures.participants
    upcoming = make_event("Upcoming", starts_in=timedelta(days=3))
    refused = client.post(f"/api/v1/events/{upcoming.id}/summary/publish", json={}, headers=token())
    assert refused.status_code == 409
    assert db.session.get(PublishedFigures, upcoming.id) is None


def test_the_series_and_programme_count_a_person_once_across_published_events(four_ps):
    for event in (four_ps.prevention, four_ps.protection):
        summaries.publish_figures(fresh(event))
    live = summaries.series_summary(four_ps.series)
    public = summaries.series_summary(four_ps.series, published_only=True)
    assert [row.figures.event.title for row in public.rows] == ["Prevention", "Protection"]
    assert [event.title for event in public.unpublished] == ["Prosecution"]
    live_two = [row for row in live.rows if row.figures.event.title != "Prosecution"]
    assert [row.figures.participants for row in public.rows] == [row.figures.participants for row in live_two]
    people = summaries.programme_summary(published_only=True)
    assert people.events_unpublished == 1 and people.meeting_count == 2


def test_figures_published_by_the_upgrade_are_counted_then_kept(four_ps):
    event = four_ps.protection
    # As the migration leaves them: published, not counted yet.
    db.session.add(PublishedFigures(event_id=event.id, figures=None, published_by=""))
    db.session.commit()
    db.session.execute(sa.update(PublishedFigures).values(figures=sa.null()))
    db.session.commit()
    live = summaries.event_summary(fresh(event)).figures.participants
    assert summaries.event_summary(fresh(event), published=True).figures.participants == live
    assert summaries.count_figures_published_by_upgrade() == 1
    attend(event, minutes=50, email="late.delegate@example.org", name="Late Delegate")
    assert summaries.event_summary(fresh(event), published=True).figures.participants == live


# --- in person: arrivals, not minutes --------------------------------------------------------------


def test_an_in_person_meeting_counts_arrivals_not_minutes(app, console):
    start = (utcnow() - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = make_event("Regional meeting", start=start, hours=8, format=EventFormat.IN_PERSON, timezone="UTC")
    people = [enrol(event, person) for person in (AMINA, CONNY, AIDA, JOHAN)]
    for minutes, registration in zip((-10, 3, 20, 95), people, strict=True):
        check_in(registration, by=console.account, now=start + timedelta(minutes=minutes))
    check_out(people[0], by=console.account, now=start + timedelta(hours=4))
    summary = summaries.event_summary(fresh(event))
    f = summary.figures
    assert (f.attended, f.arrivals, f.online, f.average_minutes, f.median_minutes) == (4, 4, 0, None, None)
    assert f.arrival_times == [
        ("08:45", 1),
        ("09:00", 1),
        ("09:15", 1),
        ("09:30", 0),
        ("09:45", 0),
        ("10:00", 0),
        ("10:15", 0),
        ("10:30", 1),
    ]
    paragraph = narrative.event_paragraph(summary)
    # The narrative (reporting/narrative.py) counts participants, never minutes nobody measured.
    assert "4 participants" in paragraph and "minute" not in paragraph
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "arrivals (checked in at the door)" in page and "Arrivals by quarter of an hour" in page
    assert "average time online" not in page
    texts = [str(getattr(block, "text", "")) for block in report_pdf.event_report(fresh(event)).blocks]
    assert not any("minutes on average" in text for text in texts)


def test_a_hybrid_meeting_shows_both_parts_apart(app, console):
    start = utcnow() - timedelta(days=2)
    event = make_event("Hybrid meeting", start=start, hours=3, format=EventFormat.HYBRID)
    amina, guy = enrol(event, AMINA), enrol(event, GUY)
    check_in(amina, by=console.account, now=start + timedelta(minutes=5))
    attend(event, guy, minutes=120)
    f = summaries.event_summary(fresh(event)).figures
    assert (f.attended, f.arrivals, f.online, f.average_minutes) == (2, 1, 1, 120)
    paragraph = narrative.event_paragraph(summaries.event_summary(fresh(event)))
    assert "2 participants" in paragraph and "minute" not in paragraph  # minutes in the table
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "In the room" in page and "took part online" in page and "average time online" in page


def test_the_public_series_report_names_the_modules_not_published(four_ps):
    summaries.publish_figures(fresh(four_ps.protection))
    series = db.session.get(type(four_ps.series), four_ps.series.id)
    texts = [
        str(getattr(block, "text", "")) for block in report_pdf.series_report(series, public=True).blocks
    ]
    assert "Figures not yet published for: Prevention, Prosecution." in texts


def test_the_series_page_lists_the_modules_to_publish(four_ps, console):
    url = f"/console/reports/series/{four_ps.series.id}"
    page = console.get(url).get_data(as_text=True)
    assert page.count("not yet published") == 3  # the three modules held
    summaries.publish_figures(fresh(four_ps.protection))
    page = console.get(url).get_data(as_text=True)
    assert page.count("not yet published") == 2 and "changed since published" not in page
    attend(four_ps.protection, minutes=50, email="new.delegate@example.org", name="New Delegate")
    page = console.get(url).get_data(as_text=True)
    assert "Protection</a> –\n            changed since published" in page
