"""The whole Zoom journey against the stand-in and the SMTP fixture: a webinar created from the
event, a delegate's confirmation carrying their own join link, and after the event the fetched
participant report's preview. Run with `-s` to print both (the issue's closing note)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Event, MeetingLink
from app.services.integrations import meetings
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import make_account, make_event, make_series, shared_app, sign_in, with_fresh_database
from tests.standins.fixtures import zoom_settings
from tests.standins.zoom import participant
from tests.test_api_attendance import token_of
from tests.test_attendance_import import DELEGATES


@pytest.fixture
def zoom_mail_app(tmp_path, smtp_server, zoom_server):
    settings = zoom_settings(zoom_server)
    yield from with_fresh_database(
        shared_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, **settings)
    )


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_created_webinar_personal_link_by_email_and_fetched_report(zoom_mail_app, smtp_server, zoom_standin):
    organiser = make_account("organiser")
    series = make_series("Trafficking in Human Beings: The 4Ps Revisited")
    event = make_event(
        "Partnership", series=series, timezone="Europe/Vienna", starts_in=timedelta(days=10), join_url=""
    )
    meeting = meetings.create_on_zoom(event, "webinar", by=organiser)
    # The event had no join link: Zoom's shared one is the event's (for the calendar links).
    assert meeting.join_url == db.session.get(Event, event.id).join_url

    # A delegate registers: the worker adds them on Zoom, and their confirmation carries their link.
    name, email, organisation = DELEGATES[0]
    registrations.register(event, Applicant(email=email, name=name, organisation=organisation))
    [on_zoom] = zoom_standin.meetings[meeting.meeting_id]["registrants"].values()
    [message] = smtp_server.inbox.messages
    text = message.get_body(("plain",)).get_content()
    assert on_zoom["join_url"] in text and "tk=" in on_zoom["join_url"]
    print("\n=== (a) the confirmation's text part, as the SMTP fixture received it ===")
    print(f"To: {message['To']}\nSubject: {message['Subject']}\n")
    print(text)
    for other_name, other_email, other_organisation in DELEGATES[1:4]:
        registrations.register(
            event, Applicant(email=other_email, name=other_name, organisation=other_organisation)
        )

    # The event takes place (moved into the past) and Zoom's report holds who came.
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    db.session.execute(
        sa.update(Event).where(Event.id == event.id).values(start_dt=start, end_dt=start + timedelta(hours=2))
    )
    db.session.commit()
    came = DELEGATES[:3]
    zoom_standin.meetings[meeting.meeting_id]["participants"] = [
        participant(n, e, iso(start + timedelta(minutes=4)), iso(start + timedelta(minutes=100)))
        for n, e, _o in came
    ] + [participant("Guest 1", "guest1@example.net", iso(start), iso(start + timedelta(minutes=25)))]
    client = zoom_mail_app.test_client()
    response = client.post(
        f"/api/v1/events/{event.id}/attendance/fetch", headers=token_of(organiser), json={}
    )
    assert response.status_code == 200, response.get_json()
    preview = response.get_json()
    assert preview["source"] == "zoom" and preview["participants"] == 4
    assert preview["matched_by_email"] == len(came)
    print("\n=== (b) the fetched report's preview (POST /api/v1/events/{id}/attendance/fetch) ===")
    rows_key = next(k for k, v in preview.items() if isinstance(v, list) and v and isinstance(v[0], dict))
    summary = {k: v for k, v in preview.items() if not isinstance(v, (list, dict))}
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"first rows of `{rows_key}` ({len(preview[rows_key])} in all):")
    print(json.dumps(preview[rows_key][:3], indent=2, ensure_ascii=False))

    # The same preview in the console, where the organiser reviews and applies it.
    console = zoom_mail_app.test_client()
    assert sign_in(console, organiser.email).status_code == 302
    imported = db.session.scalar(sa.select(MeetingLink.fetched_import_id))
    html = console.get(f"/console/events/{event.id}/attendance/imports/{imported}").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    main = re.sub(r"(?s)<(script|style).*?</\1>", "", main)
    text = re.sub(r"[ \t]+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))
    lines = [line.strip() for line in text.splitlines() if 0 < len(line.strip()) < 300]  # no zone list
    assert any("Aida Awel" in line for line in lines) and any("Guest 1" in line for line in lines)
    print("\n=== (b) the same preview in the console (its page's text) ===")
    print("\n".join(lines[:80]))
