"""Junk at every form of the console: whatever arrives, the answer is never a 5xx.

Each POST rule of the blueprints behind sign-in is called, as an admin (so
that the role check passes), with real ids of existing objects and payloads
of the wrong kind: empty, over-long, control characters, wrong types, header
injection, a file that is not what it claims.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from app.console.access import protected_blueprints
from app.extensions import db
from app.models import AgendaItem, Document, DocumentKind, Message, Speaker
from app.services.accounts.accounts import invite
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, make_account, make_event, make_series

JUNK = "\x00\x1b<script>alert(1)</script>\r\nBcc: victim@example.org" + "é" * 10


def payloads() -> list[dict]:
    # Past every one-line and note limit, and under MAX_CONTENT_LENGTH (1 MB) in all, so that the
    # fields reach the forms' checks (100,000 a field only ever met the 413 of the whole request).
    long = "x" * 5_001
    names = [
        "title", "name", "email", "organisation", "organisation_kind", "country", "job_title", "language",
        "capacity", "seats", "version", "start", "end", "timezone", "place", "join_url", "kind", "format",
        "theme", "description", "outcomes", "recommendations_count", "reminders", "registration_opens",
        "registration_closes", "series", "role", "audience", "subject", "body", "note", "reason", "action",
        "ids", "url", "q", "status", "minutes", "attendance_min_minutes", "registration_id", "text",
        "stamp", "position", "is_public", "requires_approval", "consent_privacy", "is_enabled",
    ]  # fmt: skip
    return [
        {},
        dict.fromkeys(names, ""),
        dict.fromkeys(names, long),
        dict.fromkeys(names, JUNK),
        dict.fromkeys(names, "-1"),
        dict.fromkeys(names, "99999999999999999999999"),
        dict.fromkeys(names, "https://["),  # urlsplit raises on an unclosed IPv6 host
        {"ids": ["abc", "-3", "999999", "1"], "action": "approve", "version": "x"},
    ]


@pytest.fixture
def world(app):
    """One of everything the console's URLs name."""
    series = make_series()
    event = make_event("Partnership", series=series, capacity=2)
    past = make_event("Prosecution", series=series, start=event.start_dt - timedelta(days=60))
    registration = service.register(
        event, Applicant(email="aida.awel@example.org", name="Aida Awel")
    ).registration
    item = AgendaItem(event=event, title="Keynote", position=1)
    item.speakers.append(Speaker(name="Aida Awel", organisation="ILO"))
    document = Document(
        event=event,
        title="Background note",
        kind=DocumentKind.BACKGROUND_NOTE,
        url="https://example.org/n.pdf",
    )
    db.session.add_all([item, document])
    db.session.commit()
    admin = make_account("admin", "chair@secretariat.example.org")
    other = make_account("viewer", "reader@secretariat.example.org")
    invitation = invite("new@example.org", other.role, admin)
    message = db.session.query(Message).first()
    return {
        "event_id": event.id,
        "series_id": series.id,
        "registration_id": registration.id,
        "item_id": item.id,
        "speaker_id": item.speakers[0].id,
        "document_id": document.id,
        "message_id": message.id,
        "account_id": other.id,
        "invitation_id": invitation.id,
        "past_event_id": past.id,
    }


def fill(rule, ids: dict) -> str:
    def value(match):
        converter, name = match.group(1), match.group(2)
        if name in ids:
            return str(ids[name])
        if name == "direction":
            return "up"
        if name == "fmt":
            return "csv"
        return "1" if converter == "int" else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def test_no_form_of_the_console_answers_junk_with_a_server_error(app, signed_in, world):
    admin = signed_in("admin")
    token = csrf_token(admin, "/console/password")
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in protected_blueprints and "POST" in rule.methods
    ]
    assert len(rules) > 20
    failures = []
    for rule in rules:
        # An upcoming event and a past one, where the rule names an event (else one URL).
        urls = dict.fromkeys(fill(rule, ids) for ids in (world, dict(world, event_id=world["past_event_id"])))
        for url in urls:
            for payload in payloads():
                data = dict(payload, csrf_token=token)
                if "upload" in rule.endpoint or "import" in rule.endpoint or "file" in rule.rule:
                    data["file"] = (io.BytesIO(b"%PDF-not really\x00\xff" * 50), "report.pdf")
                response = admin.post(url, data=data, content_type="multipart/form-data")
                if response.status_code >= 500:
                    failures.append((rule.endpoint, url, sorted(payload)[:3], response.status_code))
                    break
    assert failures == []


def test_no_page_of_the_console_answers_junk_query_strings_with_a_server_error(app, signed_in, world):
    admin = signed_in("admin")
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in protected_blueprints and "GET" in rule.methods
    ]
    queries = [
        "",
        "?page=-1&per_page=100000&sort=__class__&order=sideways",
        "?page=abc&status=exploded&country=ZZZ&kind=\x00&q=" + "%25" * 300,
        "?from=99999&to=-5&year=abc&audience=nobody&attended=maybe",
        "?page=99999999999999999999",  # past what a database takes as an offset
    ]
    failures = []
    for rule in rules:
        url = fill(rule, world)
        for query in queries:
            response = admin.get(url + query)
            response.close()  # a streamed export ends in its request's context, not in the collector
            if response.status_code >= 500:
                failures.append((rule.endpoint, url + query, response.status_code))
    assert failures == []
