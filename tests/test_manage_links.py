"""Manage links work as long as the registration's data is kept; a person who lost theirs gets
them again by email, from an address-only form that answers everyone alike."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Message, Registration
from app.services.links import manage_token
from app.services.privacy import personal_data
from app.services.privacy.personal_data import add_months
from app.services.registration.registrations import Applicant, cancel, register
from tests.conftest import (
    MANAGE_LINK_RE,
    csrf_token,
    make_app,
    make_event,
    submit,
    with_fresh_database,
)

AMINA = "amina.yusuf@example.org"
RESEND = "/registrations/manage/resend"
SENT = "/registrations/manage/resend/sent"
NOT_VALID = "This link is not valid"
NEUTRAL = "We could not accept the form as it was sent. Please check it and send it again."
STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')


def manage_url(registration: Registration) -> str:
    return f"/registrations/manage/{manage_token(registration)}"


def enrol(event, email: str = AMINA, **details) -> Registration:
    """Registered through the service, a week before the event (which may be long past)."""
    applicant = Applicant(email=email, name=details.pop("name", "Amina Yusuf"), **details)
    return register(event, applicant, now=event.start_dt - timedelta(days=7)).registration


def ask(client, email: str, **extra):
    return submit(client, RESEND, {"email": email, **extra})


def emails_written() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


@pytest.fixture
def site(mail_app):
    return mail_app.test_client()


@pytest.fixture
def guarded_app(tmp_path, smtp_server):
    """Sending to the test SMTP server, with the public forms' anti-robot checks and a limit on."""
    yield from with_fresh_database(
        make_app(
            tmp_path,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=smtp_server.port,
            FORM_MIN_FILL_SECONDS=3,
            LINK_REQUEST_RATE_LIMIT="3 per minute",
        )
    )


# --- how long a link works ------------------------------------------------------------------------


def test_a_manage_link_works_until_retention_anonymises_its_registration(app, client):
    event = make_event("Long ago", start=add_months(utcnow(), -25))  # standalone: 24 months
    registration = enrol(event)
    url = manage_url(registration)
    assert client.get(url).status_code == 200  # past its period, but the data is still there

    assert personal_data.anonymise_registrations_older_than() == 1
    for suffix in ("", "/my-data.json", "/erase", "/cancel", "/calendar.ics"):
        response = client.get(url + suffix)
        assert response.status_code == 404
        assert NOT_VALID in response.get_data(as_text=True)


def test_a_registration_marked_anonymised_has_no_working_link_whatever_its_key(app, client):
    registration = enrol(make_event("Partnership"))
    url = manage_url(registration)
    registration.anonymised_dt = utcnow()  # as retention does; its key left as it was
    db.session.commit()
    assert client.get(url).status_code == 404


def test_the_invalid_link_page_leads_to_new_links(client):
    response = client.get("/registrations/manage/mistyped-or-replaced")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert NOT_VALID in text
    assert f'href="{RESEND}"' in text and "Get the links to your registrations by email." in text
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --- asking for the links ---------------------------------------------------------------------------


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(mail_app, site, smtp_server):
    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    assert site.get(RESEND).status_code == 200

    known = ask(site, " Amina.Yusuf@Example.org ")
    unknown = ask(mail_app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == SENT
    page = site.get(SENT)
    assert page.status_code == 200
    assert page.get_data() == mail_app.test_client().get(SENT).get_data()
    assert "If this address is registered for one of our events" in page.get_data(as_text=True)

    assert [m["To"] for m in smtp_server.inbox.messages] == [f"Amina Yusuf <{AMINA}>"]


def test_the_email_links_every_registration_whose_data_is_kept(mail_app, site, smtp_server):
    long_ago = make_event("Long ago", start=add_months(utcnow(), -25))
    prevention, protection = make_event("Prevention"), make_event("Protection", starts_in=timedelta(days=40))
    enrol(long_ago)
    enrol(prevention)
    cancel(enrol(protection))
    personal_data.anonymise_registrations_older_than()  # "Long ago" is past its period
    smtp_server.inbox.clear()

    assert ask(site, AMINA).status_code == 303
    (email,) = smtp_server.inbox.to(AMINA)
    assert email["Subject"] == "The links to your registrations"
    text = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "Long ago" not in text and "Long ago" not in html
    paths = MANAGE_LINK_RE.findall(text)
    assert len(paths) == 2 and set(paths) <= {
        path.replace("&amp;", "&")
        for path in re.findall(r'href="http://127\.0\.0\.1:5000(/registrations/manage/[^"]+)"', html)
    }

    # Each link opens its registration, the latest event first.
    titles = []
    for path in paths:
        page = site.get(path)
        assert page.status_code == 200
        titles.append(next(t for t in ("Prevention", "Protection") if t in page.get_data(as_text=True)))
    assert titles == ["Protection", "Prevention"]
    assert "Cancelled" in text


def test_nothing_is_sent_to_an_unknown_or_erased_address(mail_app, site, smtp_server):
    registration = enrol(make_event("Partnership"))
    personal_data.erase_delegate(registration.delegate)
    smtp_server.inbox.clear()
    written = emails_written()

    for address in ("nobody@example.org", AMINA):
        assert ask(mail_app.test_client(), address).status_code == 303
    assert smtp_server.inbox.messages == []
    assert emails_written() == written


def test_one_person_gets_one_email_of_links_however_often_it_is_asked(mail_app, smtp_server):
    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    for n in range(3):  # three visitors, three addresses
        visitor = mail_app.test_client()
        assert ask(visitor, AMINA, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 303
    assert len(smtp_server.inbox.to(AMINA)) == 1


# --- the form's guards ----------------------------------------------------------------------------


def test_a_wrong_address_gets_a_clear_message_and_sends_nothing(mail_app, site, smtp_server):
    written = emails_written()
    for address in ("", "not an address", "a" * 250 + "@example.org"):
        response = ask(site, address)
        assert response.status_code == 400
        assert "Email" in response.get_data(as_text=True)
    no_token = site.post(RESEND, data={"email": AMINA})
    assert no_token.status_code == 400
    assert emails_written() == written and smtp_server.inbox.messages == []


def test_the_form_refuses_robots_as_the_registration_forms_do(guarded_app, smtp_server):
    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    robot = guarded_app.test_client()
    page = robot.get(RESEND).get_data(as_text=True)
    assert 'name="website"' in page and 'name="started"' in page

    at_once = ask(robot, AMINA, started=STARTED_RE.search(page).group(1))
    honeypot = ask(guarded_app.test_client(), AMINA, website="https://spam.example")
    for response in (at_once, honeypot):
        assert response.status_code == 400 and NEUTRAL in response.get_data(as_text=True)
    assert smtp_server.inbox.messages == []


def test_its_stamp_is_good_for_one_request_and_the_posts_are_limited(guarded_app, smtp_server):
    from tests.test_security_spam import stamp

    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    visitor = guarded_app.test_client()
    started = stamp(guarded_app, visitor, RESEND, seconds_ago=20)  # the person took their time
    token = csrf_token(visitor, RESEND)

    def post(email: str):
        return visitor.post(RESEND, data={"csrf_token": token, "email": email, "started": started})

    assert post(AMINA).status_code == 303
    replayed = post("samuel.tesfaye@example.org")
    assert replayed.status_code == 400 and NEUTRAL in replayed.get_data(as_text=True)
    assert post("dawit.bekele@example.org").status_code == 400
    limited = post("dawit.bekele@example.org")  # LINK_REQUEST_RATE_LIMIT: 3 a minute per address
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert len(smtp_server.inbox.to(AMINA)) == 1
