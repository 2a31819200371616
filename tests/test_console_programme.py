"""Running the programme from the console: series, events, agenda, through the web pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel.speaklater import LazyString
from icalendar import Calendar

from app.extensions import db
from app.models import (
    AgendaItem,
    AuditEntry,
    Event,
    EventKind,
    Mailout,
    MailoutKind,
    Message,
    Registration,
    RegistrationStatus,
    Series,
    Speaker,
)
from app.services.mail.event_notices import EventChangeError, reschedule
from app.services.mail.reminders import ScheduleError, parse_offset
from app.services.programme import programme as service
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import add_keynote, commits, csrf_token, make_event, make_series, submit

JOIN_URL = "https://zoom.us/j/81234567890"


@pytest.fixture
def app_config(request):
    """The console's app, sending to the test SMTP server when a test asks for one."""
    if "smtp_server" not in request.fixturenames:
        return {}
    server = request.getfixturevalue("smtp_server")
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}


def post(client, url: str, data: dict | None = None):
    """A button or a form posted with the session's CSRF token."""
    return client.post(url, data={"csrf_token": session_token(client), **(data or {})})


def event_form(**overrides) -> dict:
    """The event form as a browser sends it: Partnership, 10:00-12:00 in Brussels, summer 2030."""
    data = {
        "title": "Partnership",
        "series": "",
        "kind": "webinar",
        "format": "online",
        "theme": "Partnerships against trafficking in human beings",
        "timezone": "Europe/Brussels",
        "start": "2030-06-26T10:00",
        "end": "2030-06-26T12:00",
        "place": "",
        "join_url": JOIN_URL,
        "capacity": "140",
        "registration_opens": "",
        "registration_closes": "",
        "reminders": "",
        "description": "The fourth module of **The 4Ps Revisited**.",
        "outcomes": "",
        "recommendations_count": "0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_form(event: Event, **overrides) -> dict:
    """The edit form of an event as the page fills it in, with some fields changed."""
    fresh = db.session.get(Event, event.id, populate_existing=True)
    zone = fresh.zone

    def local(instant):
        return instant.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if instant else ""

    data = event_form(
        title=fresh.title,
        series=str(fresh.series_id or ""),
        kind=fresh.kind.value,
        format=fresh.format.value,
        theme=fresh.theme,
        timezone=fresh.timezone,
        start=local(fresh.start_dt),
        end=local(fresh.end_dt),
        place=fresh.place,
        join_url=fresh.join_url,
        join_passcode=fresh.join_passcode,
        dial_in=fresh.dial_in,
        capacity="" if fresh.capacity is None else str(fresh.capacity),
        registration_opens=local(fresh.registration_opens_dt),
        registration_closes=local(fresh.registration_closes_dt),
        description=fresh.description,
        notify_registrants="y",  # the page shows it checked
        version=str(fresh.version),
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def applicant(email: str, name: str = "Amina Yusuf") -> Applicant:
    return Applicant(email=email, name=name, organisation="Ministry of Labour and Social Affairs")


def fresh(model, row_id):
    return db.session.get(model, row_id, populate_existing=True)


def event_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Event.id)))


def audit_actions() -> list[str]:
    """What the audit log says about the programme (signing in has entries of its own)."""
    query = sa.select(AuditEntry.action).where(AuditEntry.target_type != "account").order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def calendar_of(message) -> Calendar:
    [attachment] = list(message.iter_attachments())
    return Calendar.from_ical(attachment.get_content())


def text_of(response) -> str:
    return response.get_data(as_text=True)


def session_token(client) -> str:
    """The CSRF token of the sign-out button, which every console page has."""
    page = text_of(client.get("/console/programme"))
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


# --- the programme page ----------------------------------------------------------------------


def test_programme_lists_upcoming_events_soonest_first_then_past_ones(app, console):
    make_event("Protection", starts_in=timedelta(days=40))
    make_event("Prevention", starts_in=timedelta(days=10))
    make_event("Prosecution", starts_in=timedelta(days=-30))
    make_series()
    body = text_of(console.get("/console/programme"))
    assert body.index("Prevention") < body.index("Protection") < body.index("Prosecution")
    assert "The 4Ps Revisited" in body
    assert "New event" in body and "New series" in body


def test_the_programme_reads_its_series_in_a_fixed_number_of_queries(app, console):
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    def statements_for_page() -> int:
        statements.clear()
        db.session.expire_all()  # nothing loaded by an earlier request is reused
        assert console.get("/console/programme").status_code == 200
        return len(statements)

    def series_with_events(title: str) -> None:
        series = make_series(title)
        for days in (10, 40):
            make_event(f"{title}, module {days}", series=series, starts_in=timedelta(days=days))

    series_with_events("The 4Ps Revisited")
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        few = statements_for_page()
        for number in range(5):
            series_with_events(f"Series {number}")
        many = statements_for_page()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert many == few


def test_a_viewer_reads_the_programme_without_any_button_to_change_it(app, signed_in):
    viewer = signed_in("viewer")
    event = make_event("Partnership")
    add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    series = make_series()
    for url in ("/console/programme", f"/console/events/{event.id}", f"/console/series/{series.id}"):
        response = viewer.get(url)
        assert response.status_code == 200, url
        body = text_of(response)
        assert body.count('method="post"') == 1, url  # signing out, and nothing else
        for sign in ("/edit", "/console/events/new", "/console/series/new", "Move up", "Upload", "Delete"):
            assert sign not in body, (url, sign)
    assert "Ms Diana Wallis" in text_of(viewer.get(f"/console/events/{event.id}"))


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/console/events/new"),
        ("post", "/console/series/new"),
        ("post", "/console/events/{event}/edit"),
        ("post", "/console/events/{event}/publish"),
        ("post", "/console/events/{event}/cancel"),
        ("post", "/console/events/{event}/delete"),
        ("post", "/console/events/{event}/agenda"),
        ("get", "/console/events/new"),
        ("get", "/console/events/{event}/edit"),
    ],
)
def test_a_viewer_is_refused_every_change(app, signed_in, method, url):
    viewer = signed_in("viewer")
    event = make_event("Partnership")
    data = {"csrf_token": session_token(viewer), **event_form(title="Hijacked")}
    response = getattr(viewer, method)(url.format(event=event.id), data=data)
    assert response.status_code == 403
    assert fresh(Event, event.id).title == "Partnership"
    assert event_count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/console/events/999999",
        "/console/events/999999/edit",
        "/console/series/999999",
        "/console/series/999999/edit",
        "/console/agenda/999999",
        "/console/speakers/999999",
        "/console/documents/999999",
        "/console/documents/999999/file",
    ],
)
def test_unknown_ids_are_not_found(app, console, url):
    assert console.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/console/events/999999/publish",
        "/console/events/999999/cancel",
        "/console/events/999999/delete",
        "/console/events/999999/agenda",
        "/console/series/999999/delete",
        "/console/agenda/999999/move/up",
        "/console/agenda/999999/delete",
        "/console/speakers/999999/delete",
        "/console/documents/999999/delete",
    ],
)
def test_changes_to_unknown_ids_are_not_found(app, console, url):
    assert console.post(url, data={"csrf_token": session_token(console)}).status_code == 404


# --- creating an event --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone, local, utc_hour, offset",
    [
        ("Europe/Brussels", "2030-06-26T10:00", 8, "+02:00"),  # summer time
        ("Europe/Brussels", "2030-01-16T10:00", 9, "+01:00"),  # winter time
        ("Africa/Nairobi", "2030-06-26T10:00", 7, "+03:00"),
        ("America/New_York", "2030-06-26T10:00", 14, "-04:00"),
    ],
)
def test_a_new_event_is_stored_in_utc_and_shown_in_its_own_zone(app, console, zone, local, utc_hour, offset):
    end = local.replace("T10:00", "T12:00")
    response = submit(console, "/console/events/new", event_form(timezone=zone, start=local, end=end))
    assert response.status_code == 303
    event = db.session.scalars(sa.select(Event)).one()
    assert event.start_dt.hour == utc_hour and event.start_dt.tzinfo is not None
    assert event.end_dt - event.start_dt == timedelta(hours=2)
    assert event.timezone == zone
    assert response.headers["Location"] == f"/console/events/{event.id}"
    body = text_of(console.get(response.headers["Location"]))
    assert re.search(rf"10:00–12:00 \S* ?\(UTC{re.escape(offset)}\)", body), body


def test_a_new_event_keeps_every_field_of_the_form(app, console):
    series = make_series()
    response = submit(
        console,
        "/console/events/new",
        event_form(
            series=str(series.id),
            kind="thematic_meeting",
            format="hybrid",
            place="Hilton Hotel, Nairobi",
            capacity="",
            registration_opens="2030-05-01T09:00",
            registration_closes="2030-06-19T17:00",
            requires_approval="y",
            reminders="2d, 1h",
            outcomes="A *roadmap* on partnerships.",
            recommendations_count="12",
        ),
    )
    assert response.status_code == 303
    event = db.session.scalars(sa.select(Event)).one()
    assert event.series_id == series.id
    assert event.kind == EventKind.THEMATIC_MEETING and event.format == "hybrid"
    assert event.place == "Hilton Hotel, Nairobi" and event.join_url == JOIN_URL
    assert event.capacity is None
    assert event.registration_opens_dt == datetime(2030, 5, 1, 7, 0, tzinfo=UTC)
    assert event.registration_closes_dt == datetime(2030, 6, 19, 15, 0, tzinfo=UTC)
    assert event.requires_approval is True
    assert event.reminder_schedule == [{"minutes": 2880, "note": ""}, {"minutes": 60, "note": ""}]
    assert event.outcomes == "A *roadmap* on partnerships." and event.recommendations_count == 12
    assert event.is_published is False  # a draft until its organiser publishes it
    assert audit_actions() == ["event.create"]


def test_the_new_event_form_offers_the_series_and_every_time_zone(app, console):
    series = make_series()
    body = text_of(console.get(f"/console/events/new?series_id={series.id}"))
    assert f'<option selected value="{series.id}">' in body
    assert 'type="datetime-local"' in body
    assert '<option value="Africa/Khartoum">' in body and '<option value="Europe/Vienna">' in body


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("title", "", "This field is required."),
        ("title", "   ", "This field is required."),
        ("title", "x" * 301, "Field cannot be longer than 300 characters."),
        ("title", "Partner\u0000ship", "characters that are not allowed"),
        ("theme", "x" * 201, "Field cannot be longer than 200 characters."),
        ("end", "2030-06-26T09:00", "must end after it starts"),
        ("end", "2030-06-26T10:00", "must end after it starts"),
        ("start", "", "This field is required."),
        ("start", "26/06/2030 10:00", "Enter a date and time."),
        ("timezone", "Europe/Atlantis", "Not a valid choice."),
        ("timezone", "", "This field is required."),
        ("join_url", "javascript:alert(1)", "https://"),
        ("join_url", "ftp://example.org/x", "https://"),
        ("join_url", "https://", "https://"),
        ("join_url", "https://zoom.us/" + "j" * 500, "Field cannot be longer than 500 characters."),
        ("capacity", "-1", "Number must be between 0 and 1000000."),
        ("capacity", "many", "Not a valid integer value."),
        ("recommendations_count", "-3", "Number must be between 0 and 10000."),
        ("series", "999999", "Not a valid choice."),
        ("kind", "party", "Not a valid choice."),
        ("format", "", "This field is required."),
        (
            "reminders",
            "1x",
            "Write offsets such as 7d, 1d, 1h (“1x” is not an offset such as 7d, 24h or 60m).",
        ),
        ("reminders", "1d, 1d", "Write offsets such as 7d, 1d, 1h"),
        ("reminders", "2m", "Write offsets such as 7d, 1d, 1h"),
        ("registration_closes", "2030-04-01T10:00", "Registration must close after it opens."),
        ("description", "x" * 20_001, "Field cannot be longer than 20000 characters."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_creates_nothing(app, console, field, value, error):
    data = event_form(registration_opens="2030-05-01T10:00", **{field: value})
    response = submit(console, "/console/events/new", data)
    assert response.status_code == 400
    body = text_of(response)
    assert error in body.replace("&#34;", '"')
    assert 'class="error-summary"' in body
    assert event_count() == 0
    assert audit_actions() == []


@pytest.mark.parametrize(
    "start, message",
    [
        ("2030-03-31T02:30", "skips this time"),  # Brussels moves from 02:00 to 03:00
        ("2030-10-27T02:30", "has this time twice"),  # ...and from 03:00 back to 02:00
    ],
)
def test_a_local_time_the_clocks_skip_or_repeat_is_refused(app, console, start, message):
    end = start[:11] + "04:00"
    response = submit(console, "/console/events/new", event_form(start=start, end=end))
    assert response.status_code == 400
    assert message in text_of(response)
    assert event_count() == 0


def test_a_form_without_its_csrf_token_is_refused(app, console):
    response = console.post("/console/events/new", data=event_form())
    assert response.status_code == 400
    assert event_count() == 0


# --- editing an event -------------------------------------------------------------------------


def test_editing_an_event_saves_its_fields_and_bumps_its_version(app, console):
    event = make_event("Partnership", capacity=100)
    page = text_of(console.get(f"/console/events/{event.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page
    assert 'value="Partnership"' in page
    response = submit(
        console,
        f"/console/events/{event.id}/edit",
        edit_form(event, title="Partnership (module 4)", reminders="none", recommendations_count="7"),
    )
    assert response.status_code == 303
    event = fresh(Event, event.id)
    assert event.title == "Partnership (module 4)"
    assert event.reminder_schedule == [] and event.recommendations_count == 7
    assert event.version == 2 and event.sequence == 0  # neither time nor place changed
    assert audit_actions() == ["event.update"]


def test_an_edit_from_a_stale_form_is_refused_with_409_and_changes_nothing(app, console, signed_in):
    event = make_event("Partnership")
    stale = edit_form(event, title="Partnership – stale", capacity="50")
    other = signed_in("organiser")
    assert (
        submit(other, f"/console/events/{event.id}/edit", edit_form(event, theme="New theme")).status_code
        == 303
    )
    response = submit(console, f"/console/events/{event.id}/edit", stale)
    assert response.status_code == 409
    assert "changed by someone else since you opened the form; reload" in text_of(response)
    event = fresh(Event, event.id)
    assert event.title == "Partnership" and event.theme == "New theme" and event.capacity == 100
    # A form without any version is no better.
    no_version = edit_form(event, title="Partnership – blind", version=None)
    assert submit(console, f"/console/events/{event.id}/edit", no_version).status_code == 409
    assert fresh(Event, event.id).title == "Partnership"


def test_a_capacity_change_alone_makes_older_forms_stale(app, console):
    event = make_event("Partnership", capacity=100)
    older = edit_form(event, title="Partnership again")
    assert (
        submit(console, f"/console/events/{event.id}/edit", edit_form(event, capacity="150")).status_code
        == 303
    )
    assert fresh(Event, event.id).capacity == 150
    assert submit(console, f"/console/events/{event.id}/edit", older).status_code == 409
    assert fresh(Event, event.id).capacity == 150


def test_moving_an_event_emails_its_registrants_an_updated_invitation(app, smtp_server, console):
    event = make_event("Partnership", capacity=1, start=datetime(2030, 6, 26, 8, 0, tzinfo=UTC))
    registrations.register(event, applicant("first@example.org"))
    registrations.register(event, applicant("second@example.org", "Dawit Bekele"))  # waitlisted
    original = calendar_of(smtp_server.inbox.to("first@example.org")[0])
    smtp_server.inbox.clear()

    response = submit(
        console,
        f"/console/events/{event.id}/edit",
        edit_form(event, start="2030-07-03T10:00", end="2030-07-03T12:30"),
    )
    assert response.status_code == 303
    event = fresh(Event, event.id)
    assert event.start_dt == datetime(2030, 7, 3, 8, 0, tzinfo=UTC)
    assert event.end_dt == datetime(2030, 7, 3, 10, 30, tzinfo=UTC)
    assert event.sequence == 1
    update = smtp_server.inbox.to("first@example.org")[-1]
    assert update["Subject"] == "Changed: Partnership"
    calendar = calendar_of(update)
    assert str(calendar["method"]) == "REQUEST"
    entry, before = calendar.walk("VEVENT")[0], original.walk("VEVENT")[0]
    assert str(entry["uid"]) == str(before["uid"])
    assert int(entry["sequence"]) == int(before["sequence"]) + 1 == 1
    assert entry.decoded("dtstart") == datetime(2030, 7, 3, 8, 0, tzinfo=UTC)
    waiting = smtp_server.inbox.to("second@example.org")[-1]
    assert waiting["Subject"] == "Changed: Partnership" and list(waiting.iter_attachments()) == []
    assert "event.reschedule" in audit_actions()


def test_a_new_join_link_is_a_change_of_place(app, smtp_server, console):
    event = make_event("Partnership")
    registrations.register(event, applicant("first@example.org"))
    smtp_server.inbox.clear()
    new_link = "https://zoom.us/j/99999999999"
    assert (
        submit(console, f"/console/events/{event.id}/edit", edit_form(event, join_url=new_link)).status_code
        == 303
    )
    assert fresh(Event, event.id).join_url == new_link
    [update] = smtp_server.inbox.messages
    assert update["Subject"] == "Changed: Partnership"


@pytest.mark.parametrize(
    ("changed", "told"),
    [
        ({"start": "2030-07-03T10:00", "end": "2030-07-03T12:00"}, {"first", "second"}),
        ({"end": "2030-06-26T12:30"}, {"first", "second"}),
        ({"format": "hybrid"}, {"first", "second"}),
        ({"place": "The Hague, The Netherlands"}, {"first", "second"}),
        # The join link goes only to the confirmed: the waiting list is not told of it.
        ({"join_url": "https://zoom.us/j/99999999999"}, {"first"}),
        ({"join_passcode": "NEW-0001"}, {"first"}),
        ({"dial_in": "+41 22 555 01 23\nMeeting ID: 812 3456 7890"}, {"first"}),
        ({"title": "Partnerships"}, set()),
        ({"description": "New words."}, set()),
        ({"theme": "Fostering partnerships"}, set()),
        ({"kind": "virtual_meeting"}, set()),
        ({"capacity": "1", "outcomes": "A joint statement."}, set()),
    ],
)
def test_only_a_change_that_matters_to_registrants_emails_them(app, smtp_server, console, changed, told):
    event = make_event("Partnership", capacity=1, start=datetime(2030, 6, 26, 8, 0, tzinfo=UTC))
    registrations.register(event, applicant("first@example.org"))
    registrations.register(event, applicant("second@example.org", "Dawit Bekele"))  # waitlisted
    smtp_server.inbox.clear()
    response = submit(console, f"/console/events/{event.id}/edit", edit_form(event, **changed))
    assert response.status_code == 303
    assert {message["To"].split("<")[1].split("@")[0] for message in smtp_server.inbox.messages} == told
    assert all(message["Subject"] == "Changed: Partnership" for message in smtp_server.inbox.messages)


def test_an_unchecked_notice_saves_the_correction_and_tells_nobody(app, smtp_server, console):
    event = make_event("Partnership", start=datetime(2030, 6, 26, 8, 0, tzinfo=UTC))
    registrations.register(event, applicant("first@example.org"))
    smtp_server.inbox.clear()
    form = edit_form(event, start="2030-06-26T10:30", end="2030-06-26T12:30", place="Brussels")
    del form["notify_registrants"]  # unchecked: the browser sends nothing
    response = submit(console, f"/console/events/{event.id}/edit", form, follow_redirects=True)
    assert "Its registrants are not told of this change" in text_of(response)
    event = fresh(Event, event.id)
    assert (event.start_dt, event.place) == (datetime(2030, 6, 26, 8, 30, tzinfo=UTC), "Brussels")
    assert event.sequence == 1  # calendars that read the feed still update
    assert smtp_server.inbox.messages == []
    assert db.session.scalars(sa.select(Mailout)).all() == []


def test_the_edit_form_offers_the_notice_checked(app, console):
    event = make_event("Partnership")
    page = text_of(console.get(f"/console/events/{event.id}/edit"))
    assert re.search(r'<input[^>]* checked [^>]*name="notify_registrants"', page)
    assert 'id="notify_registrants-hint">Sent only if the time, format, place or join details change' in page
    assert 'name="notify_registrants"' not in text_of(console.get("/console/events/new"))


def test_the_notice_gives_the_old_and_the_new_values(app, smtp_server, console):
    event = make_event("Partnership", start=datetime(2030, 6, 26, 8, 0, tzinfo=UTC), place="Brussels")
    registrations.register(event, applicant("first@example.org"))
    smtp_server.inbox.clear()
    new_link = "https://zoom.us/j/99999999999"
    form = edit_form(
        event,
        start="2030-07-03T10:00",
        end="2030-07-03T12:00",
        format="hybrid",
        place="The Hague",
        join_url=new_link,
    )
    assert submit(console, f"/console/events/{event.id}/edit", form).status_code == 303
    [update] = smtp_server.inbox.messages
    body = update.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert (
        "Date and time\n"
        "  Before: Wednesday 26 June 2030, 10:00–12:00 CEST (UTC+02:00)\n"
        "  Now: Wednesday 3 July 2030, 10:00–12:00 CEST (UTC+02:00)\n"
        "Format\n  Before: Online\n  Now: Hybrid\n"
        "Place\n  Before: Brussels\n  Now: The Hague\n"
        f"Join link\n  Before: {JOIN_URL}\n  Now: {new_link}\n"
    ) in body


def test_editing_only_the_description_tells_nobody(app, smtp_server, console):
    event = make_event("Partnership")
    registrations.register(event, applicant("first@example.org"))
    smtp_server.inbox.clear()
    response = submit(console, f"/console/events/{event.id}/edit", edit_form(event, description="New words."))
    assert response.status_code == 303
    assert fresh(Event, event.id).sequence == 0
    assert smtp_server.inbox.messages == []


def test_more_seats_promote_the_waiting_list_in_order(app, smtp_server, console):
    event = make_event("Partnership", capacity=1)
    for number in range(3):
        registrations.register(event, applicant(f"delegate{number}@example.org", f"Delegate {number}"))
    smtp_server.inbox.clear()
    response = submit(console, f"/console/events/{event.id}/edit", edit_form(event, capacity="2"))
    assert response.status_code == 303
    statuses = dict(
        db.session.execute(
            sa.select(Registration.name, Registration.status).where(Registration.event_id == event.id)
        ).all()
    )
    assert statuses == {
        "Delegate 0": RegistrationStatus.CONFIRMED,
        "Delegate 1": RegistrationStatus.CONFIRMED,
        "Delegate 2": RegistrationStatus.WAITLISTED,
    }
    [promoted] = smtp_server.inbox.messages
    assert promoted["To"].endswith("<delegate1@example.org>")
    assert promoted["Subject"] == "A seat is yours: Partnership"
    [promotion] = db.session.scalars(sa.select(Mailout)).all()
    assert response.headers["Location"] == f"/console/mailouts/{promotion.id}"  # its progress
    assert "1 person on the waiting list is being moved into the new seats" in text_of(
        console.get(response.headers["Location"])
    )


def test_a_capacity_below_the_seats_taken_is_refused_on_its_field(app, console):
    event = make_event("Partnership", capacity=5)
    for number in range(3):
        registrations.register(event, applicant(f"delegate{number}@example.org"))
    response = submit(
        console, f"/console/events/{event.id}/edit", edit_form(event, capacity="2", title="Smaller")
    )
    assert response.status_code == 400
    body = text_of(response)
    assert re.search(r'id="capacity-error">3 seats are already taken', body), body
    event = fresh(Event, event.id)
    assert event.capacity == 5 and event.title == "Partnership" and event.version == 1


def test_a_cancelled_event_cannot_be_moved(app, console):
    event = make_event("Partnership", is_cancelled=True)
    response = submit(
        console,
        f"/console/events/{event.id}/edit",
        edit_form(event, start="2030-07-03T09:00", end="2030-07-03T11:00"),
    )
    assert response.status_code == 400
    assert "A cancelled event cannot be moved." in text_of(response)


# --- publishing, cancelling, deleting -------------------------------------------------------------


def test_publishing_and_unpublishing_an_event(app, console, client):
    event = make_event("Partnership", is_published=False)
    assert client.get(f"/events/{event.id}").status_code == 404
    url = f"/console/events/{event.id}"
    token = csrf_token(console, url)
    assert console.post(f"{url}/publish", data={"csrf_token": token}).status_code == 303
    assert fresh(Event, event.id).is_published is True
    assert client.get(f"/events/{event.id}").status_code == 200
    assert console.post(f"{url}/unpublish", data={"csrf_token": token}).status_code == 303
    assert fresh(Event, event.id).is_published is False
    assert client.get(f"/events/{event.id}").status_code == 404
    assert audit_actions() == ["event.publish", "event.unpublish"]
    assert console.post(f"{url}/publish", data={}).status_code == 400  # no CSRF token
    assert fresh(Event, event.id).is_published is False


def test_cancelling_an_event_tells_its_registrants_with_a_calendar_cancel(app, smtp_server, console):
    event = make_event("Partnership")
    registrations.register(event, applicant("first@example.org"))
    smtp_server.inbox.clear()
    url = f"/console/events/{event.id}"
    response = post(console, f"{url}/cancel", {"note": "The Chair has postponed the module to September."})
    assert response.status_code == 303
    assert fresh(Event, event.id).is_cancelled is True
    [cancelled] = smtp_server.inbox.messages
    assert cancelled["Subject"] == "Cancelled: Partnership"
    assert "postponed the module to September" in cancelled.get_body(("plain",)).get_content()
    calendar = calendar_of(cancelled)
    assert str(calendar["method"]) == "CANCEL"
    assert int(calendar.walk("VEVENT")[0]["sequence"]) == 1
    assert "event.cancel" in audit_actions()
    body = text_of(console.get(url))
    assert "Cancelled" in body and "Cancel the event" not in body


def test_a_cancellation_note_that_is_too_long_is_refused(app, console):
    event = make_event("Partnership")
    response = post(console, f"/console/events/{event.id}/cancel", {"note": "x" * 2001})
    assert response.status_code == 400
    assert fresh(Event, event.id).is_cancelled is False


def test_an_event_nobody_registered_for_is_deleted_with_its_agenda(app, console):
    event = make_event("Partnership")
    add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    url = f"/console/events/{event.id}"
    response = console.post(f"{url}/delete", data={"csrf_token": csrf_token(console, url)})
    assert response.status_code == 303 and response.headers["Location"] == "/console/programme"
    assert event_count() == 0
    assert db.session.scalar(sa.select(sa.func.count(AgendaItem.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Speaker.id))) == 0
    assert audit_actions() == ["event.delete"]
    assert console.get(url).status_code == 404


def test_an_event_with_registrations_is_not_deleted_and_cancel_is_offered(app, console):
    event = make_event("Partnership")
    registration = registrations.register(event, applicant("first@example.org")).registration
    registrations.cancel(registration)  # even a cancelled registration is history
    url = f"/console/events/{event.id}"
    assert "cannot be deleted: cancel it instead" in text_of(console.get(url))
    response = console.post(f"{url}/delete", data={"csrf_token": csrf_token(console, url)})
    assert response.status_code == 409
    body = text_of(response)
    assert "cannot be deleted" in body and "Cancel it instead" in body
    assert "Cancel the event" in body  # the form to do so, right there
    assert event_count() == 1
    assert "event.delete" not in audit_actions()


# --- the event page ---------------------------------------------------------------------------------


def test_the_event_page_is_the_hub_of_the_event(app, console):
    event = make_event(
        "Partnership",
        start=datetime(2030, 6, 26, 8, 0, tzinfo=UTC),
        capacity=140,
        description="**Partnership** <script>alert('x')</script>",
    )
    body = text_of(console.get(f"/console/events/{event.id}"))
    assert "10:00–12:00 CEST (UTC+02:00)" in body
    assert "Europe/Brussels" in body
    assert f'href="/console/events/{event.id}/registrations"' in body
    assert f'href="/console/events/{event.id}/messages"' in body
    assert f'href="/events/{event.id}"' in body
    assert f'href="/console/events/{event.id}/edit"' in body
    assert "<strong>Partnership</strong>" in body
    assert "<script>alert" not in body
    assert "0 seats taken" in body and "140 left" in body


def test_the_console_pages_render_for_every_state_of_an_event(app, console):
    series = make_series(reminder_schedule=[{"minutes": 1440, "note": ""}])
    events = [
        make_event("Past", starts_in=timedelta(days=-3), series=series),
        make_event("Draft", is_published=False, capacity=None),
        make_event("Called off", is_cancelled=True, requires_approval=True),
    ]
    for event in events:
        assert console.get(f"/console/events/{event.id}").status_code == 200
        assert console.get(f"/console/events/{event.id}/edit").status_code == 200
    assert "1d before each event" in text_of(console.get(f"/console/series/{series.id}"))


# --- series ----------------------------------------------------------------------------------------


def series_form(**overrides) -> dict:
    data = {
        "title": "Trafficking in Human Beings: The 4Ps Revisited",
        "description": "A four-module webinar series.",
        "chair": "The Netherlands",
        "organiser": "Khartoum Process Secretariat",
        "is_published": "y",
        "reminders": "7d, 1d",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_series_is_created_and_edited(app, console):
    response = submit(console, "/console/series/new", series_form())
    assert response.status_code == 303
    series = db.session.scalars(sa.select(Series)).one()
    assert series.chair == "The Netherlands" and series.is_published is True
    assert series.reminder_schedule == [{"minutes": 10080, "note": ""}, {"minutes": 1440, "note": ""}]
    url = f"/console/series/{series.id}/edit"
    assert 'value="7d, 1d"' in text_of(console.get(url))
    response = submit(console, url, series_form(chair="Italy", is_published=None, reminders="", version="1"))
    assert response.status_code == 303
    series = fresh(Series, series.id)
    assert series.chair == "Italy" and series.is_published is False and series.reminder_schedule is None
    assert series.version == 2
    assert audit_actions() == ["series.create", "series.update"]


@pytest.mark.parametrize(
    "field, value",
    [("title", ""), ("title", "x" * 301), ("chair", "x" * 201), ("reminders", "every day")],
)
def test_a_bad_series_form_is_refused(app, console, field, value):
    response = submit(console, "/console/series/new", series_form(**{field: value}))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Series.id))) == 0


def test_a_stale_series_edit_is_refused(app, console):
    series = make_series()
    url = f"/console/series/{series.id}/edit"
    assert submit(console, url, series_form(chair="Italy", version="1")).status_code == 303
    response = submit(console, url, series_form(chair="Egypt", version="1"))
    assert response.status_code == 409
    assert "changed by someone else since you opened the form; reload" in text_of(response)
    assert fresh(Series, series.id).chair == "Italy"


def test_publishing_a_series(app, console, client):
    series = make_series(is_published=False)
    url = f"/console/series/{series.id}"
    token = csrf_token(console, url)
    assert console.post(f"{url}/publish", data={"csrf_token": token}).status_code == 303
    assert client.get(f"/series/{series.id}").status_code == 200
    assert console.post(f"{url}/unpublish", data={"csrf_token": token}).status_code == 303
    assert client.get(f"/series/{series.id}").status_code == 404


def test_cancelling_a_series_cancels_each_of_its_events(app, smtp_server, console):
    series = make_series()
    first = make_event("Prevention", series=series, starts_in=timedelta(days=10))
    second = make_event("Protection", series=series, starts_in=timedelta(days=40))
    already = make_event("Prosecution", series=series, starts_in=timedelta(days=70), is_cancelled=True)
    registrations.register(first, applicant("first@example.org"))
    registrations.register(second, applicant("first@example.org"))
    smtp_server.inbox.clear()
    response = post(console, f"/console/series/{series.id}/cancel", {"note": "The series is postponed."})
    assert response.status_code == 303
    assert fresh(Series, series.id).is_cancelled is True
    assert all(fresh(Event, event.id).is_cancelled for event in (first, second, already))
    subjects = sorted(message["Subject"] for message in smtp_server.inbox.messages)
    assert subjects == ["Cancelled: Prevention", "Cancelled: Protection"]
    assert audit_actions().count("event.cancel") == 2 and "series.cancel" in audit_actions()


def test_a_series_without_registrations_is_deleted_with_its_events(app, console):
    series = make_series()
    make_event("Prevention", series=series)
    make_event("Protection", series=series)
    url = f"/console/series/{series.id}"
    response = console.post(f"{url}/delete", data={"csrf_token": csrf_token(console, url)})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Series.id))) == 0
    assert event_count() == 0
    assert audit_actions() == ["series.delete"]


def test_a_series_with_registrations_is_not_deleted(app, console):
    series = make_series()
    event = make_event("Prevention", series=series)
    registrations.register(event, applicant("first@example.org"))
    url = f"/console/series/{series.id}"
    response = console.post(f"{url}/delete", data={"csrf_token": csrf_token(console, url)})
    assert response.status_code == 409
    assert "Cancel it instead" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Series.id))) == 1 and event_count() == 1


def test_the_series_page_lists_its_events_and_offers_a_new_one(app, console):
    series = make_series()
    make_event("Prevention", series=series, starts_in=timedelta(days=-30))
    make_event("Partnership", series=series, starts_in=timedelta(days=30))
    body = text_of(console.get(f"/console/series/{series.id}"))
    assert body.index("Partnership") < body.index("Prevention")  # upcoming, then past
    assert f'href="/console/events/new?series_id={series.id}"' in body
    assert f'href="/console/series/{series.id}/registrations"' in body


# --- agenda and speakers ------------------------------------------------------------------------------


def agenda_titles(event_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem.title)
            .where(AgendaItem.event_id == event_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def test_agenda_items_are_added_reordered_and_removed(app, console):
    event = make_event("Partnership")
    url = f"/console/events/{event.id}"
    for kind, title in [("opening", "Welcome"), ("keynote", "Keynote"), ("panel", "Panel discussion")]:
        response = post(console, f"{url}/agenda", {"kind": kind, "title": title, "description": ""})
        assert response.status_code == 303
    assert agenda_titles(event.id) == ["Welcome", "Keynote", "Panel discussion"]
    items = {item.title: item.id for item in db.session.scalars(sa.select(AgendaItem))}
    token = csrf_token(console, url)

    assert (
        console.post(
            f"/console/agenda/{items['Panel discussion']}/move/up", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert agenda_titles(event.id) == ["Welcome", "Panel discussion", "Keynote"]
    assert (
        console.post(f"/console/agenda/{items['Welcome']}/move/down", data={"csrf_token": token}).status_code
        == 303
    )
    assert agenda_titles(event.id) == ["Panel discussion", "Welcome", "Keynote"]
    # The first cannot go higher: nothing changes.
    assert (
        console.post(
            f"/console/agenda/{items['Panel discussion']}/move/up", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert agenda_titles(event.id) == ["Panel discussion", "Welcome", "Keynote"]
    assert (
        console.post(
            f"/console/agenda/{items['Welcome']}/move/sideways", data={"csrf_token": token}
        ).status_code
        == 404
    )

    body = text_of(console.get(url))
    assert body.index("Panel discussion") < body.index("Welcome") < body.index("Keynote")

    assert (
        console.post(f"/console/agenda/{items['Welcome']}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    assert agenda_titles(event.id) == ["Panel discussion", "Keynote"]
    actions = audit_actions()
    assert actions.count("agenda_item.create") == 3 and actions.count("agenda_item.move") == 2
    assert "agenda_item.delete" in actions


def test_a_bad_agenda_item_is_refused_on_the_event_page(app, console):
    event = make_event("Partnership")
    url = f"/console/events/{event.id}/agenda"
    for data in (
        {"kind": "keynote", "title": ""},
        {"kind": "cocktail", "title": "Reception"},
        {"kind": "panel", "title": "x" * 301},
    ):
        response = post(console, url, data)
        assert response.status_code == 400
        assert "Add an agenda item" in text_of(response)
    assert agenda_titles(event.id) == []


def test_speakers_and_moderators_are_added_edited_reordered_and_removed(app, console):
    event = make_event("Partnership")
    item = add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    url = f"/console/agenda/{item.id}"
    response = post(
        console,
        f"{url}/speakers",
        {"role": "moderator", "name": "Mr Tim Stickings", "title": "", "organisation": "ICMPD"},
    )
    assert response.status_code == 303
    names = lambda: [s.name for s in fresh(AgendaItem, item.id).speakers]  # noqa: E731
    assert names() == ["Ms Diana Wallis", "Mr Tim Stickings"]
    moderator = db.session.scalars(sa.select(Speaker).where(Speaker.name == "Mr Tim Stickings")).one()
    token = csrf_token(console, url)
    assert (
        console.post(f"/console/speakers/{moderator.id}/move/up", data={"csrf_token": token}).status_code
        == 303
    )
    assert names() == ["Mr Tim Stickings", "Ms Diana Wallis"]
    response = submit(
        console,
        f"/console/speakers/{moderator.id}",
        {
            "role": "moderator",
            "name": "Mr Tim Stickings",
            "title": "Project manager",
            "organisation": "ICMPD",
        },
    )
    assert response.status_code == 303
    assert fresh(Speaker, moderator.id).title == "Project manager"
    assert "(moderator)" in text_of(console.get(f"/console/events/{event.id}"))
    assert post(console, f"{url}/speakers", {"role": "speaker", "name": ""}).status_code == 400
    assert (
        console.post(f"/console/speakers/{moderator.id}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    assert names() == ["Ms Diana Wallis"]
    assert {"speaker.create", "speaker.move", "speaker.update", "speaker.delete"} <= set(audit_actions())


def test_an_agenda_item_is_edited(app, console):
    event = make_event("Partnership")
    item = add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    url = f"/console/agenda/{item.id}"
    response = submit(
        console, url, {"kind": "keynote", "title": "Keynote address", "description": "*Opening* words"}
    )
    assert response.status_code == 303
    assert fresh(AgendaItem, item.id).title == "Keynote address"
    assert "<em>Opening</em>" in text_of(console.get(url))


# --- the service's rules, where the web cannot reach them ------------------------------------------


def test_local_instant_refuses_an_unknown_zone(app):
    with pytest.raises(service.ProgrammeError):
        service.local_instant(datetime(2030, 6, 26, 10, 0), "Mars/Olympus_Mons")


def test_why_a_schedule_or_a_move_is_refused_is_marked_for_translation(app):
    with pytest.raises(ScheduleError) as refused:
        parse_offset("1x")
    assert isinstance(refused.value.args[0], LazyString)
    assert str(refused.value) == "“1x” is not an offset such as 7d, 24h or 60m"
    event = make_event("Partnership")
    with pytest.raises(EventChangeError) as refused:
        reschedule(event, event.end_dt, event.start_dt)
    assert isinstance(refused.value.args[0], LazyString)


def test_update_event_refuses_an_unknown_series(app):
    event = make_event("Partnership")
    details = service.EventDetails(
        title="Partnership", start_dt=event.start_dt, end_dt=event.end_dt, timezone="UTC", series_id=424242
    )
    with pytest.raises(service.ProgrammeError):
        service.update_event(event, details, event.version)
    assert fresh(Event, event.id).series_id is None


def test_an_edit_that_moves_the_event_and_adds_seats_is_one_transaction(app, queued):
    """The form's fields, the move (its notice recorded as a mailout) and the new capacity
    (the waiting list moves up) commit together, or nothing does; the job queue writes the
    notices after."""
    app.config["OUTBOX_KICK"] = False  # the worker's commits, inline in tests, are not the edit's
    event = make_event("Partnership", capacity=1)
    for number in range(2):
        registrations.register(event, applicant(f"delegate{number}@example.org", f"Delegate {number}"))
    event = fresh(Event, event.id)
    later = event.start_dt + timedelta(days=7)
    details = service.EventDetails(
        title="Partnership (moved)",
        start_dt=later,
        end_dt=later + timedelta(hours=2),
        timezone=event.timezone,
        join_url=event.join_url,
        capacity=2,
    )
    with commits() as committed:
        change = service.update_event(event, details, event.version)
    assert committed == [1]
    assert change.moved and change.promotion.total == 1
    event = fresh(Event, event.id)
    assert (event.title, event.start_dt, event.sequence) == ("Partnership (moved)", later, 1)
    assert event.capacity == 2
    mailouts = db.session.scalars(sa.select(Mailout).order_by(Mailout.id)).all()
    assert [(mailout.kind, mailout.total) for mailout in mailouts] == [
        (MailoutKind.EVENT_CHANGED, 2),
        (MailoutKind.PROMOTION, 1),
    ]
    kinds = db.session.scalars(sa.select(Message.kind).order_by(Message.id)).all()
    assert kinds == ["registration_confirmed", "registration_waitlisted"]  # nobody told yet
    queued()
    statuses = db.session.execute(sa.select(Registration.name, Registration.status).order_by(Registration.id))
    assert dict(statuses.all()) == {
        "Delegate 0": RegistrationStatus.CONFIRMED,
        "Delegate 1": RegistrationStatus.CONFIRMED,
    }
    kinds = db.session.scalars(sa.select(Message.kind).order_by(Message.id)).all()
    assert sorted(kinds[2:]) == ["event_changed", "event_changed", "registration_confirmed"]


def test_the_outbox_holds_nothing_for_an_event_without_registrants(app, console):
    event = make_event("Partnership")
    submit(
        console,
        f"/console/events/{event.id}/edit",
        edit_form(event, start="2030-07-03T10:00", end="2030-07-03T12:00"),
    )
    assert fresh(Event, event.id).sequence == 1
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
