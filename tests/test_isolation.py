"""Each test starts as if it were the first.

The fixtures of tests/conftest.py keep the schema, an app per configuration and the SMTP
server from one test to the next, and never what a test left in them. The tests go in pairs,
run in this order: the first leaves something behind, the second looks for it. (Run alone,
the second passes: nothing was left.)
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Event
from app.services.registration.registrations import Applicant, register
from app.services.reporting import summaries
from config import TestingConfig
from tests.conftest import make_account, make_event, sign_in

SARA = "sara@secretariat.example.org"


def test_a_test_leaves_rows_behind(app):
    make_event("Left behind")
    make_event("Left behind too")


def test_the_next_starts_with_empty_tables_and_ids_from_one(app):
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    assert make_event().id == 1


def test_a_test_changes_the_configuration(app):
    app.config["PROGRAMME_NAME"] = "Changed by a test"
    app.config["LANGUAGES"]["xx"] = "Changed in place"


def test_the_next_has_the_configuration_it_asked_for(app):
    assert app.config["PROGRAMME_NAME"] == TestingConfig.PROGRAMME_NAME
    assert "xx" not in app.config["LANGUAGES"]


def test_a_test_renders_the_registration_page_of_its_event(app, client):
    event = make_event("First meeting")
    assert "First meeting" in client.get(f"/events/{event.id}/register").text


def test_the_next_renders_its_own_event_of_the_same_id(app, client):
    """The app keeps each event's page by id and version: both the same here."""
    event = make_event("Second meeting")
    page = client.get(f"/events/{event.id}/register").text
    assert "Second meeting" in page and "First meeting" not in page


def test_a_test_uses_up_the_sign_in_attempts(app, client):
    make_account("organiser", SARA)
    for _ in range(5):
        assert sign_in(client, SARA, "wrong password").status_code == 400
    assert sign_in(client, SARA).status_code == 429


def test_the_next_may_sign_in(app, client):
    make_account("organiser", SARA)
    assert sign_in(client, SARA).status_code == 302


def test_a_test_adds_a_route(app):
    """To an app that has served requests (the tests above), as Flask allows a new one."""
    app.add_url_rule("/test-only/left-behind", "left_behind", lambda: "left behind")
    assert app.test_client().get("/test-only/left-behind").status_code == 200


def test_the_next_app_has_none(app, client):
    assert client.get("/test-only/left-behind").status_code == 404


def enrolled(name: str, country: str) -> summaries.ProgrammeSummary:
    """The programme summary after `name` registered for a meeting held a month ago."""
    event = make_event("Held", start=utcnow() - timedelta(days=30))
    person = Applicant(email=f"{name.lower()}@example.org", name=name, country=country, organisation="MoLSA")
    register(event, person, now=event.start_dt - timedelta(days=7))
    return summaries.programme_summary()


def test_a_test_counts_the_people_of_its_meeting(app):
    assert enrolled("Amina", "ET").unique_participants == 1


def test_the_next_counts_its_own_meeting_of_the_same_id_and_version(app):
    """Each meeting's people are stored by id and version of its participants: on SQLite
    both the same here as in the test before, whose figures must not be read."""
    summary = enrolled("Johan", "NL")
    assert [share.key for share in summary.breakdowns.countries] == ["NL"]
    assert summary.breakdowns == summaries.programme_summary().breakdowns


def test_a_test_leaves_mail_and_a_changed_smtp_server_behind(mail_app, smtp_server):
    register(make_event(), Applicant(email="amina@example.org", name="Amina", organisation="MoLSA"))
    assert len(smtp_server.inbox.messages) == 1

    async def refuse_everyone(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"

    smtp_server.controller.handler.handle_RCPT = refuse_everyone


def test_the_next_has_an_empty_inbox_and_a_server_that_takes_mail(mail_app, smtp_server):
    assert smtp_server.inbox.messages == []
    register(make_event(), Applicant(email="johan@example.org", name="Johan", organisation="MoJ"))
    assert [message["To"] for message in smtp_server.inbox.messages] == ["Johan <johan@example.org>"]


def test_a_test_stops_the_smtp_server(smtp_server):
    smtp_server.stop()


def test_the_next_finds_it_running(mail_app, smtp_server):
    register(make_event(), Applicant(email="johan@example.org", name="Johan", organisation="MoJ"))
    assert len(smtp_server.inbox.messages) == 1
