"""The JSON API v1: every endpoint, its happy path and bad input of every kind, as problem details."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_smorest import Api
from marshmallow import ValidationError

from app.api.errors import ProblemApi
from app.api.schemas import CONTROL, EMAIL_PATTERN, NONBLANK_TEXT_PATTERN, SPACES, TEXT_PATTERN, PlainText
from app.extensions import db
from app.models import Delegate, Document, DocumentKind, EventKind, Message, Registration
from app.services.reporting import summaries
from tests.conftest import add_keynote, delegate_form, make_event, make_series
from tests.test_summaries import AIDA, AMINA, CONNY, GUY, JOHAN, SIHAM, VINCENT, WALKER, build_four_ps

PEOPLE = (AMINA, JOHAN, CONNY, VINCENT, SIHAM, AIDA, GUY, WALKER)

API = "/api/v1"
PROBLEM = "application/problem+json"


def body(**overrides) -> dict:
    """The web form's delegate, as JSON: consent is a boolean there."""
    return delegate_form(**{"consent_privacy": True, **overrides})


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    answer = response.get_json()
    assert answer["type"] == f"/api/v1/problems/{slug}"
    assert answer["status"] == status
    assert answer["title"] and answer["detail"]
    return answer


def bad_fields(response) -> set[str]:
    return {error["field"] for error in problem(response, 422, "validation-error")["errors"]}


def registrations() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def messages_to(address: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Message).where(Message.to_address == address)
    )


@pytest.fixture
def partnership(app):
    """The 4Ps' Partnership webinar (30 June 2021, 10:00 in Brussels) with its keynote and documents."""
    series = make_series()
    event = make_event(
        "Partnership",
        series=series,
        start=datetime(2021, 6, 30, 8, 0, tzinfo=UTC),
        kind=EventKind.WEBINAR,
    )
    add_keynote(event, "Aida Awel", "Senior Programme Officer", "ILO")
    event.documents = [
        Document(kind=DocumentKind.BACKGROUND_NOTE, title="Background note", url="https://example.org/note"),
        Document(
            kind=DocumentKind.PRESENTATION, title="Slides", url="https://example.org/p", is_public=False
        ),
    ]
    series.documents = [
        Document(kind=DocumentKind.READER, title="The Reader", url="https://example.org/reader")
    ]
    db.session.commit()
    return event


@pytest.fixture
def upcoming(app):
    series = make_series("Upcoming webinars")
    return make_event("Prevention, again", series=series, starts_in=timedelta(days=20))


# --- the document and the documentation ---------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) >= {
        "/api/v1/series",
        "/api/v1/series/{series_id}",
        "/api/v1/series/{series_id}/documents",
        "/api/v1/series/{series_id}/summary",
        "/api/v1/series/{series_id}/registrations",
        "/api/v1/events",
        "/api/v1/events/{event_id}",
        "/api/v1/events/{event_id}/agenda",
        "/api/v1/events/{event_id}/documents",
        "/api/v1/events/{event_id}/summary",
        "/api/v1/events/{event_id}/registrations",
        "/api/v1/events/{event_id}/summary/publish",
    }
    registration = spec["components"]["schemas"]["Registration"]
    assert {"name", "email", "country", "consent_privacy"} <= set(registration["required"])
    assert registration["properties"]["name"]["maxLength"] == 200
    errors = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert errors[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_document_says_what_a_registration_may_hold(client):
    """What the API refuses, the document does not call valid (Schemathesis checks it)."""
    fields = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]["Registration"][
        "properties"
    ]
    assert fields["consent_privacy"]["enum"] == [True]
    assert fields["consent_participant_list"]["type"] == "boolean"
    assert set(fields["language"]["enum"]) == {"en", "fr", "ar"}
    assert fields["name"]["minLength"] == 1 and fields["name"]["maxLength"] == 200
    assert fields["name"]["pattern"] == NONBLANK_TEXT_PATTERN
    assert fields["job_title"]["pattern"] == TEXT_PATTERN
    assert fields["email"]["pattern"] == EMAIL_PATTERN


def test_the_documents_text_pattern_is_the_rule_the_api_applies(app):
    """Its characters refused are Unicode's control and format ones (the web form's rule), the
    spaces it allows around a text those that are dropped; and it agrees with the check."""
    everything = [chr(point) for point in range(sys.maxunicode + 1)]
    refused, spaces = re.compile(f"[{CONTROL}]"), re.compile(f"[{SPACES}]")
    assert [ch for ch in everything if refused.fullmatch(ch)] == [
        ch for ch in everything if unicodedata.category(ch) in ("Cc", "Cf")
    ]
    assert [ch for ch in everything if spaces.fullmatch(ch)] == [ch for ch in everything if ch.isspace()]

    samples = [
        "Amina",
        " Amina\t",
        "\u3000A\u00a0B\n",
        "A\nB",
        "\tA\x00",
        "A\u200bB",
        "",
        "  ",
        "\r\n",
        "\U000e0001",
    ]
    for nonblank, pattern in ((False, TEXT_PATTERN), (True, NONBLANK_TEXT_PATTERN)):
        field = PlainText(max_length=200, nonblank=nonblank)
        for text in samples:
            try:
                field.deserialize(text)
                accepted = True
            except ValidationError:
                accepted = False
            assert accepted == bool(re.fullmatch(pattern, text)), (nonblank, text)


@pytest.mark.parametrize(
    ("name", "stored"),
    [("  Amina Yusuf\t", "Amina Yusuf"), ("\u3000Amina\u00a0Yusuf ", "Amina\u00a0Yusuf")],
)
def test_spaces_around_a_name_are_dropped(client, upcoming, name, stored):
    assert client.post(f"{API}/events/{upcoming.id}/registrations", json=body(name=name)).status_code == 202
    assert db.session.scalars(sa.select(Registration.name)).one() == stored


def test_an_event_id_written_as_a_whole_number_with_a_point_is_that_event(client, app):
    series = make_series()
    event = make_event("Prevention", series=series)
    response = client.post(f"{API}/series/{series.id}/registrations", json=body(events=[float(event.id)]))
    assert response.status_code == 202, response.get_data(as_text=True)
    assert [o["event_id"] for o in response.get_json()["outcomes"]] == [event.id]


def test_the_docs_page_is_rendered_on_the_server(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert "POST /api/v1/events/{event_id}/registrations" in html
    assert 'id="schema-Registration"' in html and "consent_privacy" in html
    assert 'id="problem-validation-error"' in html
    assert "GET /api/v1/messages" in html and "Needs a personal API token" in html


def test_a_problem_type_leads_to_its_description(client):
    response = client.get(f"{API}/problems/validation-error")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/api/v1/docs#problem-validation-error")
    problem(client.get(f"{API}/problems/no-such-thing"), 404, "not-found")


# --- series ------------------------------------------------------------------------------------------


def test_series_list_and_detail(client, partnership):
    hidden = make_series("Not yet announced", is_published=False)
    listed = client.get(f"{API}/series").get_json()
    assert [s["title"] for s in listed] == ["Trafficking in Human Beings: The 4Ps Revisited"]
    series = client.get(f"{API}/series/{partnership.series_id}").get_json()
    assert series["chair"] == "The Netherlands"
    assert series["event_ids"] == [partnership.id]
    assert [e["title"] for e in series["events"]] == ["Partnership"]
    assert [d["title"] for d in series["documents"]] == ["The Reader"]
    assert series["url"].endswith(f"/series/{partnership.series_id}")
    documents = client.get(f"{API}/series/{partnership.series_id}/documents").get_json()
    assert [d["title"] for d in documents] == ["The Reader"]
    for url in (f"{API}/series/{hidden.id}", f"{API}/series/999", f"{API}/series/999/documents"):
        problem(client.get(url), 404, "not-found")


def test_series_hides_unpublished_events(client, partnership):
    make_event("Draft", series=partnership.series, is_published=False)
    series = client.get(f"{API}/series/{partnership.series_id}").get_json()
    assert [e["title"] for e in series["events"]] == ["Partnership"]


# --- events ------------------------------------------------------------------------------------------


def test_an_event_in_utc_and_in_its_own_zone(client, partnership):
    event = client.get(f"{API}/events/{partnership.id}").get_json()
    assert event["start"] == "2021-06-30T08:00:00+00:00"
    assert event["end"] == "2021-06-30T10:00:00+00:00"
    assert event["timezone"] == "Europe/Brussels"
    assert event["local_start"] == "2021-06-30T10:00:00+02:00"
    assert event["local_end"] == "2021-06-30T12:00:00+02:00"
    assert event["registration"]["state"] == "past"
    assert event["registration"]["accepts_registrations"] is False
    assert "join_url" not in event  # only confirmed registrants get the link, by email
    keynote = event["agenda"][0]
    assert keynote["kind"] == "keynote"
    assert keynote["speakers"] == [
        {"name": "Aida Awel", "title": "Senior Programme Officer", "organisation": "ILO", "role": "speaker"}
    ]
    assert [d["title"] for d in event["documents"]] == ["Background note"]
    assert event["documents"][0]["url"].endswith(f"/documents/{partnership.documents[0].id}")


def test_agenda_and_documents_of_an_event(client, partnership):
    agenda = client.get(f"{API}/events/{partnership.id}/agenda").get_json()
    assert [item["title"] for item in agenda] == ["Keynote"]
    documents = client.get(f"{API}/events/{partnership.id}/documents").get_json()
    assert [d["title"] for d in documents] == ["Background note"]
    assert documents[0]["is_link"] is True and documents[0]["size_bytes"] is None


def test_unknown_and_unpublished_events_are_404(client, partnership):
    draft = make_event("Draft", is_published=False)
    for path in ("", "/agenda", "/documents", "/summary"):
        for event_id in (draft.id, 999, 2147483647):
            problem(client.get(f"{API}/events/{event_id}{path}"), 404, "not-found")
    # Beyond what an id can be: the route does not match, still a problem.
    problem(client.get(f"{API}/events/99999999999999999999"), 404, "not-found")


def test_event_filters(client, partnership, upcoming):
    meeting = make_event(
        "7th Senior Officials' Meeting",
        start=datetime(2020, 3, 6, 9, 0, tzinfo=UTC),
        kind=EventKind.SENIOR_OFFICIALS_MEETING,
        timezone="Europe/Amsterdam",
    )
    make_event("Hidden", is_published=False)

    def titles(query: str = "") -> list[str]:
        response = client.get(f"{API}/events{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [event["title"] for event in response.get_json()]

    assert titles() == ["7th Senior Officials' Meeting", "Partnership", "Prevention, again"]
    assert titles("?when=upcoming") == ["Prevention, again"]
    assert titles("?when=past") == ["Partnership", "7th Senior Officials' Meeting"]
    assert titles(f"?series={partnership.series_id}") == ["Partnership"]
    assert titles("?kind=senior_officials_meeting") == [meeting.title]
    assert titles("?from=2020-03-06&to=2020-03-06") == [meeting.title]
    assert titles("?from=2021-01-01&to=2021-12-31") == ["Partnership"]
    assert titles("?from=2021-12-31&to=2021-01-01") == []  # a period that holds no day
    assert titles("?limit=1&offset=1") == ["Partnership"]
    assert titles("?series=999") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=party", "kind"),
        ("when=tomorrow", "when"),
        ("from=2021-13-01", "from"),
        ("to=yesterday", "to"),
        ("series=abc", "series"),
        ("series=0", "series"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_bad_event_filters_name_the_field(client, query, field):
    assert field in bad_fields(client.get(f"{API}/events?{query}"))


# --- summaries ---------------------------------------------------------------------------------------


def test_summaries_show_aggregates_once_published_and_never_a_person(client):
    four_ps = build_four_ps()
    event, series = four_ps.protection, four_ps.series
    problem(client.get(f"{API}/events/{event.id}/summary"), 404, "not-found")
    problem(client.get(f"{API}/series/{series.id}/summary"), 404, "not-found")
    event.summary_text = "The webinar gathered participants from a broad geographical range."
    event.summary_published = True
    series.summary_published = True
    db.session.commit()
    # The figures show once published too (until then: null, and no module).
    assert client.get(f"{API}/events/{event.id}/summary").get_json()["participants"] is None
    assert client.get(f"{API}/series/{series.id}/summary").get_json()["modules"] == []
    for module in series.events:
        summaries.publish_figures(module)

    response = client.get(f"{API}/events/{event.id}/summary")
    summary = response.get_json()
    assert summary["text"].startswith("The webinar gathered")
    assert summary["based_on_registrations"] is False
    assert summary["participants"] > 0 and summary["recommendations"] == 3
    assert {share["key"] for share in summary["breakdowns"]["countries"]} >= {"ET", "NL", "CH"}
    series_summary = client.get(f"{API}/series/{series.id}/summary").get_json()
    assert [m["title"] for m in series_summary["modules"]] == ["Prevention", "Protection", "Prosecution"]
    assert series_summary["unique_participants"] > 0
    for text in (response.get_data(as_text=True), str(series_summary)):
        for person in PEOPLE:
            assert person.name not in text and person.email not in text
        assert "Ministry of Labour" not in text and "Anonymous caller" not in text


# --- registering -------------------------------------------------------------------------------------


def test_register_for_an_event(client, upcoming):
    response = client.post(
        f"{API}/events/{upcoming.id}/registrations", json=body(email="  Amina.Yusuf@EXAMPLE.org ")
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    outcome = response.get_json()["outcomes"][0]
    assert outcome["event_id"] == upcoming.id and outcome["status"] == "confirmed"
    registration = db.session.scalars(sa.select(Registration)).one()
    assert registration.delegate.email == "amina.yusuf@example.org"
    assert registration.country == "ET" and registration.consent_privacy_dt is not None
    assert messages_to("amina.yusuf@example.org") == 1


def test_a_second_registration_gets_the_neutral_answer_and_an_email(client, upcoming):
    url = f"{API}/events/{upcoming.id}/registrations"
    assert client.post(url, json=body()).status_code == 202
    again = client.post(url, json=body(name="Someone Else"))
    assert again.status_code == 202
    outcome = again.get_json()["outcomes"][0]
    assert outcome["status"] is None and outcome["waitlist_position"] is None
    assert "already" not in again.get_data(as_text=True).lower()
    assert "If this address is registered" in outcome["message"]
    assert registrations() == 1
    assert db.session.scalars(sa.select(Delegate)).one().name == "Amina Yusuf"
    assert messages_to("amina.yusuf@example.org") == 2  # the confirmation, then the manage link


def test_registering_an_address_for_another_event_keeps_the_delegates_details(client, upcoming):
    """The API is as public as the web form: it may create a delegate, never change one."""
    other = make_event("Partnership", starts_in=timedelta(days=30))
    assert client.post(f"{API}/events/{upcoming.id}/registrations", json=body()).status_code == 202
    typed = {"name": "Not Amina", "organisation": "Front Organisation", "country": "ER"}
    answer = client.post(f"{API}/events/{other.id}/registrations", json=body(**typed))
    assert answer.status_code == 202 and answer.get_json()["outcomes"][0]["status"] == "confirmed"
    delegate = db.session.scalars(sa.select(Delegate)).one()
    assert (delegate.name, delegate.organisation, delegate.country) == (
        "Amina Yusuf",
        "Ministry of Labour and Social Affairs",
        "ET",
    )
    second = db.session.scalars(sa.select(Registration).where(Registration.event_id == other.id)).one()
    assert (second.name, second.organisation, second.country) == ("Not Amina", "Front Organisation", "ER")


def test_waiting_list_and_approval_answers(client, app):
    full = make_event("Full", capacity=0)
    answer = client.post(f"{API}/events/{full.id}/registrations", json=body()).get_json()
    assert answer["outcomes"][0]["status"] == "waitlisted"
    assert answer["outcomes"][0]["waitlist_position"] == 1
    approval = make_event("Approval", requires_approval=True)
    answer = client.post(f"{API}/events/{approval.id}/registrations", json=body()).get_json()
    assert answer["outcomes"][0]["status"] == "pending"


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": None, "email": None}, {"name", "email"}),
        ({"name": 42, "consent_privacy": "perhaps"}, {"name", "consent_privacy"}),
        (
            {"name": "x" * 201, "organisation": "y" * 201, "job_title": "z" * 201},
            {"name", "organisation", "job_title"},
        ),
        ({"email": "a" * 250 + "@example.org"}, {"email"}),
        ({"email": "not an address"}, {"email"}),
        ({"name": "Amina\r\nBcc: someone@example.org"}, {"name"}),
        ({"name": "   "}, {"name"}),
        ({"country": "XX", "organisation_kind": "government"}, {"country", "organisation_kind"}),
        ({"language": "tlh"}, {"language"}),
        ({"consent_privacy": False}, {"consent_privacy"}),
        ({"consent_privacy": None}, {"consent_privacy"}),
        (
            {"consent_privacy": 1, "consent_participant_list": "yes"},
            {"consent_privacy", "consent_participant_list"},
        ),
        ({"name": " " * 10 + "x" * 195}, {"name"}),  # 205 characters as sent
        ({"email": "amina@example.test"}, {"email"}),
        ({"is_admin": True}, {"is_admin"}),
    ],
)
def test_bad_registrations_name_each_field_and_change_nothing(client, upcoming, changes, fields):
    response = client.post(f"{API}/events/{upcoming.id}/registrations", json=body(**changes))
    assert bad_fields(response) == fields
    assert registrations() == 0 and messages_to("amina.yusuf@example.org") == 0


@pytest.mark.parametrize("payload", ["[]", '"a string"', "42", "null", "{}"])
def test_a_body_that_is_not_an_object(client, upcoming, payload):
    url = f"{API}/events/{upcoming.id}/registrations"
    response = client.post(url, data=payload, content_type="application/json")
    assert bad_fields(response)
    assert registrations() == 0


def test_malformed_json_wrong_type_and_too_large(client, upcoming):
    url = f"{API}/events/{upcoming.id}/registrations"
    problem(client.post(url, data='{"name": ', content_type="application/json"), 400, "malformed-json")
    problem(client.post(url, data="", content_type="application/json"), 400, "malformed-json")
    problem(client.post(url, data=body()), 415, "unsupported-media-type")  # a form, not JSON
    problem(client.post(url, data="{}", content_type="text/plain"), 415, "unsupported-media-type")
    huge = body(name="x" * 70_000)
    problem(client.post(url, json=huge), 413, "payload-too-large")
    assert registrations() == 0


def test_json_no_form_could_send(client, upcoming):
    url = f"{API}/events/{upcoming.id}/registrations"
    deep = "[" * 20_000 + "]" * 20_000  # deeper than the parser goes, smaller than the limit
    problem(client.post(url, data=deep, content_type="application/json"), 400, "malformed-json")
    problem(
        client.post(url, data=b'{"name": "\xff"}', content_type="application/json"), 400, "malformed-json"
    )
    for field in ("name", "organisation", "job_title", "email"):
        value = "a\ud800@example.org" if field == "email" else "Amina \ud800"  # a lone surrogate
        response = client.post(url, data=json.dumps(body(**{field: value})), content_type="application/json")
        assert bad_fields(response) == {field}
    assert registrations() == 0


def test_unknown_closed_and_unpublished_events(client, partnership):
    problem(client.post(f"{API}/events/999/registrations", json=body()), 404, "not-found")
    hidden = make_event("Draft", is_published=False)
    problem(client.post(f"{API}/events/{hidden.id}/registrations", json=body()), 404, "not-found")
    answer = problem(
        client.post(f"{API}/events/{partnership.id}/registrations", json=body()), 409, "registration-closed"
    )
    assert "Partnership" in answer["detail"]
    cancelled = make_event("Cancelled", is_cancelled=True)
    problem(
        client.post(f"{API}/events/{cancelled.id}/registrations", json=body()), 409, "registration-closed"
    )
    assert registrations() == 0


def test_register_for_several_events_of_a_series(client, app):
    series = make_series()
    first = make_event("Prevention", series=series, starts_in=timedelta(days=10))
    second = make_event("Protection", series=series, starts_in=timedelta(days=40), capacity=0)
    make_event("Elsewhere", starts_in=timedelta(days=10))
    url = f"{API}/series/{series.id}/registrations"
    response = client.post(url, json=body(events=[second.id, first.id, first.id]))
    assert response.status_code == 202, response.get_data(as_text=True)
    outcomes = {o["event_id"]: o["status"] for o in response.get_json()["outcomes"]}
    assert outcomes == {first.id: "confirmed", second.id: "waitlisted"}
    assert registrations() == 2


@pytest.mark.parametrize("events", [[], ["one"], [1.5], "1", None])
def test_series_registration_needs_a_list_of_event_ids(client, app, events):
    series = make_series()
    make_event("Prevention", series=series)
    response = client.post(f"{API}/series/{series.id}/registrations", json=body(events=events))
    assert "events" in {f.split(".")[0] for f in bad_fields(response)}
    assert registrations() == 0


def test_series_registration_refuses_events_that_are_not_open_in_it(client, app):
    series = make_series()
    open_event = make_event("Prevention", series=series)
    past = make_event("Past", series=series, starts_in=timedelta(days=-10))
    other = make_event("Elsewhere")
    url = f"{API}/series/{series.id}/registrations"
    # Which events are open is the series' state, not the request's shape: a conflict.
    answer = problem(
        client.post(url, json=body(events=[open_event.id, past.id, other.id])), 409, "registration-closed"
    )
    assert [e["field"] for e in answer["errors"]] == ["events", "events"]
    assert registrations() == 0
    problem(client.post(f"{API}/series/999/registrations", json=body(events=[1])), 404, "not-found")


def test_a_series_with_nothing_open_is_a_conflict(client, app):
    series = make_series()
    past = make_event("Past", series=series, starts_in=timedelta(days=-10))
    answer = problem(
        client.post(f"{API}/series/{series.id}/registrations", json=body(events=[past.id])),
        409,
        "registration-closed",
    )
    assert answer["detail"]


def test_no_csrf_token_is_needed_and_no_session_is_kept(client, upcoming):
    response = client.post(f"{API}/events/{upcoming.id}/registrations", json=body())
    assert response.status_code == 202
    assert "Set-Cookie" not in response.headers


# --- errors under /api/ and elsewhere ----------------------------------------------------------


def test_unknown_paths_and_methods_are_problems(client, upcoming):
    problem(client.get(f"{API}/nothing-here"), 404, "not-found")
    problem(client.get("/api/v2/events"), 404, "not-found")
    answer = problem(client.delete(f"{API}/events/{upcoming.id}"), 405, "method-not-allowed")
    assert answer["status"] == 405
    problem(client.put(f"{API}/events", json={}), 405, "method-not-allowed")


def test_the_site_keeps_its_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.fixture
def failing_app(tmp_path, monkeypatch):
    from tests.conftest import make_app, with_fresh_database

    def broken(**filters):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("app.api.events.published_events", broken)
    yield from with_fresh_database(make_app(tmp_path, PROPAGATE_EXCEPTIONS=False))


def test_an_unexpected_error_is_a_problem_too(failing_app):
    response = failing_app.test_client().get(f"{API}/events")
    answer = problem(response, 500, "server-error")
    assert "database" not in answer["detail"]  # the cause is logged, not shown


# --- rate limits -------------------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path):
    from tests.conftest import make_app, with_fresh_database

    yield from with_fresh_database(
        make_app(
            tmp_path,
            API_RATELIMIT_ENABLED=True,
            API_READ_LIMIT="3 per minute",
            API_REGISTRATION_LIMIT="4 per minute",
            API_REGISTRATION_EMAIL_LIMIT="2 per minute",
        )
    )


def test_reads_are_limited_per_address(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert client.get(f"{API}/events").status_code == 200
    response = client.get(f"{API}/events")
    problem(response, 429, "rate-limited")
    assert int(response.headers["Retry-After"]) > 0
    # Another address has its own count.
    assert client.get(f"{API}/events", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_registrations_are_limited_per_email_and_per_address(limited_app):
    client = limited_app.test_client()
    events = [make_event(title) for title in ("Prevention", "Protection", "Prosecution")]
    urls = [f"{API}/events/{event.id}/registrations" for event in events]
    assert client.post(urls[0], json=body()).status_code == 202
    assert client.post(urls[1], json=body(email=" AMINA.yusuf@example.org")).status_code == 202
    response = client.post(urls[2], json=body())
    problem(response, 429, "rate-limited")  # two emails to this address from this client
    assert "Retry-After" in response.headers
    # Its owner, from elsewhere, is not locked out by what this client did.
    assert client.post(urls[2], json=body(), environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 202
    assert client.post(urls[0], json=body(email="b@example.org")).status_code == 202
    assert client.post(urls[0], json=body(email="c@example.org")).status_code == 202
    problem(client.post(urls[0], json=body(email="d@example.org")), 429, "rate-limited")  # this client


def test_refused_registrations_do_not_lock_an_address_out(limited_app):
    client = limited_app.test_client()
    event = make_event()
    url = f"{API}/events/{event.id}/registrations"
    for _ in range(3):  # someone else's attempts with Amina's address, each refused
        problem(client.post(url, json=body(consent_privacy=False)), 422, "validation-error")
    assert client.post(url, json=body()).status_code == 202


# --- CORS --------------------------------------------------------------------------------------------


@pytest.fixture
def app_config():
    return {"API_CORS_ORIGINS": ["https://www.khartoumprocess.net"]}


ALLOWED = "https://www.khartoumprocess.net"
REFUSED = "https://evil.example.com"


def listed(header: str) -> set[str]:
    """The names in a CORS list header; header names are case-insensitive (Fetch standard)."""
    return {name.strip().lower() for name in header.split(",")}


def test_cors_for_configured_origins_only(client, upcoming):
    allowed = client.get(f"{API}/events", headers={"Origin": ALLOWED})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in allowed.headers["Vary"]
    assert listed(allowed.headers["Access-Control-Expose-Headers"]) == {"retry-after", "location"}
    assert "Access-Control-Allow-Origin" not in client.get(f"{API}/events").headers
    refused = client.get(f"{API}/events", headers={"Origin": REFUSED})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused.headers
    # Not the site's pages.
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": ALLOWED}).headers


def test_cors_preflight(client, upcoming):
    url = f"{API}/events/{upcoming.id}/registrations"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    response = client.options(url, headers={"Origin": ALLOWED, **preflight})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in listed(response.headers["Access-Control-Allow-Headers"])
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in response.headers["Vary"]
    refused = client.options(url, headers={"Origin": REFUSED, **preflight})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Methods" not in refused.headers
    # A cross-origin registration from an allowed site works and is readable there.
    posted = client.post(url, json=body(), headers={"Origin": ALLOWED})
    assert posted.status_code == 202
    assert posted.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_the_api_overrides_no_private_method_of_flask_smorest():
    """Only flask-smorest's public hooks are used, so that its next release cannot silently undo
    the problem details (its private methods may change without notice)."""
    private = {name for name in vars(ProblemApi) if name.startswith("_") and not name.startswith("__")}
    assert not {name for name in private if hasattr(Api, name)}


def test_every_documented_error_is_a_problem(client):
    spec = client.get(f"{API}/openapi.json").json
    responses = spec["components"]["responses"]
    assert "DEFAULT_ERROR" in responses
    for name, response in responses.items():
        assert list(response["content"]) == ["application/problem+json"], name
