"""Messages to registrants and the mail log: compose, preview, send, follow, retry."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditEntry,
    Event,
    Mailing,
    MailingAudience,
    Mailout,
    Message,
    MessageContent,
    MessageStatus,
    Registration,
)
from app.services.links import manage_token
from app.services.mail import mailings
from app.services.mail.delivery import deliver_pending
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import CSRF_RE, at_once, csrf_token, make_event, manage_path, statements

BODY = (
    "Dear colleagues,\n\nThe **background note** is [online](https://example.org/note.pdf).\n\n"
    "- Agenda\n- Speakers"
)

PEOPLE = {
    "amina": ("Amina Yusuf", "amina.yusuf@example.org"),
    "samuel": ("Samuel Tesfaye", "samuel.tesfaye@example.org"),
    "fatima": ("Fatima Ali", "fatima.ali@example.org"),
    "dawit": ("Dawit Bekele", "dawit.bekele@example.org"),
    "hana": ("Hana Mohammed", "hana.mohammed@example.org"),
}
AUDIENCES = {
    MailingAudience.CONFIRMED: {"amina", "fatima"},
    MailingAudience.WAITLISTED: {"dawit"},
    MailingAudience.PENDING: {"hana"},
    MailingAudience.CANCELLED: {"samuel"},
    MailingAudience.LIVE: {"amina", "fatima", "dawit", "hana"},
}


@pytest.fixture
def app_config(request):
    """Mail stays in the outbox until a test delivers it; over SMTP when a test asks for the server."""
    config = {"OUTBOX_KICK": False}
    if "smtp_server" in request.fixturenames:
        server = request.getfixturevalue("smtp_server")
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    return config


def person(key: str, event) -> Registration:
    name, email = PEOPLE[key]
    return registrations.register(event, Applicant(email=email, name=name)).registration


@pytest.fixture
def event(app):
    """Partnership with one registrant of every status: two seats, one cancellation."""
    event = make_event("Partnership", capacity=2)
    amina, samuel = person("amina", event), person("samuel", event)
    person("fatima", event)
    person("dawit", event)
    registrations.cancel(samuel)  # Fatima takes the seat; Dawit still waits
    event.requires_approval = True
    db.session.commit()
    person("hana", event)
    assert db.session.get(Registration, amina.id).status.value == "confirmed"
    return event


def messages_url(event) -> str:
    return f"/console/events/{event.id}/messages"


def compose(event, **overrides) -> dict:
    data = {"audience": "confirmed", "subject": "Agenda of the Partnership webinar", "body": BODY}
    data.update(overrides)
    return data


STAMP_RE = re.compile(r'name="stamp" type="hidden" value="(\d+)"')


def send_form(client, event, **overrides) -> dict:
    """What the preview's Send button posts: the form as opened (token, stamp) and as written."""
    page = client.get(messages_url(event)).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return {"csrf_token": token, "stamp": STAMP_RE.search(page).group(1), **compose(event, **overrides)}


def send(client, event, **overrides):
    return client.post(f"{messages_url(event)}/send", data=send_form(client, event, **overrides))


def outbox_size() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def recipients(mailing_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(Message.to_address).where(Message.mailing_id == mailing_id)))


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


# --- compose and preview ---------------------------------------------------------------


def test_the_messages_page_offers_every_audience_with_its_size(console, event):
    page = console.get(messages_url(event))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Write a message" in text
    assert "Confirmed registrants (2)" in text
    assert "People on the waiting list (1)" in text
    assert "Everyone still registered (confirmed, waiting, awaiting approval) (4)" in text
    assert "No message has been written" in text


def test_preview_shows_the_first_recipients_own_email_and_sends_nothing(console, event):
    before = outbox_size()
    amina = db.session.scalars(sa.select(Registration).order_by(Registration.id)).first()
    data = {"csrf_token": csrf_token(console, messages_url(event)), "stamp": "0", **compose(event)}

    page = console.post(f"{messages_url(event)}/preview", data=data)

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This message goes to 2 people: confirmed registrants." in text
    assert "Send to 2 people" in text
    assert "What Amina Yusuf will receive" in text
    assert "Amina Yusuf &lt;amina.yusuf@example.org&gt;" in text
    assert re.search(r'<iframe name="email-preview" class="email-preview" sandbox=""', text)
    frame = console.post(f"{messages_url(event)}/preview/email", data=data).get_data(as_text=True)
    assert "Dear Amina Yusuf," in frame
    assert "<strong>background note</strong>" in frame
    # Her personal link is hers alone: the organiser sees where it goes, not the link.
    assert manage_token(amina) not in frame and "[personal link removed]" in frame
    text_part = html.unescape(re.search(r'<pre class="email-text">(.*?)</pre>', text, re.S).group(1))
    assert text_part.startswith("Dear Amina Yusuf,\n\n" + BODY)
    assert manage_token(amina) not in text and "[personal link removed]" in text_part
    assert "<script" not in text.split("<main", 1)[1].split("</main>")[0]  # the preview page runs nothing
    assert outbox_size() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_an_empty_audience_is_explained_and_nothing_is_sent(console, app):
    event = make_event("Prosecution")
    person("amina", event)
    before = outbox_size()
    for action in ("preview", "send"):
        data = {"csrf_token": csrf_token(console, messages_url(event)), "stamp": "0"}
        response = console.post(
            f"{messages_url(event)}/{action}", data={**data, **compose(event, audience="waitlisted")}
        )
        assert response.status_code == 400
        assert "No one is in this audience at the moment: nothing would be sent." in response.get_data(
            as_text=True
        )
    assert outbox_size() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


# --- sending ------------------------------------------------------------------------------


@pytest.mark.parametrize("audience", list(MailingAudience), ids=lambda audience: audience.value)
def test_a_mailing_reaches_exactly_its_audience(console, event, audience):
    response = send(console, event, audience=audience.value)

    assert response.status_code == 303
    mailing = db.session.scalars(sa.select(Mailing)).one()
    assert response.headers["Location"].endswith(f"/console/mailings/{mailing.id}")
    expected = {PEOPLE[key][1] for key in AUDIENCES[audience]}
    assert recipients(mailing.id) == expected
    assert mailing.recipients_count == len(expected)
    assert (mailing.audience, mailing.account_id) == (audience, console.account.id)
    messages = db.session.scalars(sa.select(Message).where(Message.mailing_id == mailing.id)).all()
    assert {(m.kind, m.subject, m.status) for m in messages} == {
        ("organiser_message", "Agenda of the Partnership webinar", MessageStatus.QUEUED)
    }
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "mailing.send")).one()
    assert (entry.target_type, entry.target_id) == ("mailing", mailing.id)
    assert entry.details["count"] == len(expected) and entry.details["audience"] == audience.value
    assert str(len(expected)) in entry.summary and "Partnership" in entry.summary


def test_the_mailing_arrives_over_smtp_with_both_parts_and_a_personal_link(console, event, smtp_server):
    send(console, event)
    assert deliver_pending().failed == 0

    arrived = [m for m in smtp_server.inbox.messages if m["Subject"] == "Agenda of the Partnership webinar"]
    assert sorted(m["To"] for m in arrived) == [
        "Amina Yusuf <amina.yusuf@example.org>",
        "Fatima Ali <fatima.ali@example.org>",
    ]
    for message in arrived:
        name = message["To"].split(" <")[0]
        text = message.get_body(preferencelist=("plain",)).get_content()
        html_part = message.get_body(preferencelist=("html",)).get_content()
        assert text.startswith(f"Dear {name},")
        assert BODY in text.replace("\r\n", "\n")  # the Markdown as written
        assert "<strong>background note</strong>" in html_part
        assert f"Dear {name}," in html_part
        assert console.get(manage_path(message)).status_code == 200
    ids = set(db.session.scalars(sa.select(Message.message_id).where(Message.mailing_id.is_not(None))))
    assert {m["Message-ID"] for m in arrived} == ids


def test_a_send_is_delivered_at_once_by_the_queue_when_it_runs(app, console, event, smtp_server):
    app.config["OUTBOX_KICK"] = True  # the huey task, run inline in tests
    send(console, event)
    assert len([m for m in smtp_server.inbox.messages if m["Subject"].startswith("Agenda")]) == 2


class Tags(HTMLParser):
    """The elements and attributes of an HTML document, escaped text aside."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def test_markdown_is_sanitised_in_the_html_part_and_kept_as_written_in_the_text(console, event):
    body = (
        "Hello <script>alert('x')</script>\n\n"
        "<img src=x onerror=alert(1)>\n\n"
        '[click](javascript:alert(1)) and <a href="https://evil.example" onclick="steal()">this</a>'
    )
    assert send(console, event, body=body).status_code == 303

    message = db.session.scalars(sa.select(Message).where(Message.mailing_id.is_not(None))).first()
    tags = Tags()
    tags.feed(message.body_html)
    assert "script" not in tags.names and "img" not in tags.names
    assert not [name for name, _value in tags.attributes if name.startswith("on")]
    assert not [value for name, value in tags.attributes if name == "href" and "javascript" in value.lower()]
    assert "https://evil.example" not in [value for _name, value in tags.attributes]
    assert body in message.body_text


def test_sending_the_same_form_twice_sends_once(console, event):
    data = send_form(console, event)

    first = console.post(f"{messages_url(event)}/send", data=data)
    second = console.post(f"{messages_url(event)}/send", data=data, follow_redirects=True)

    assert first.status_code == 303
    assert second.status_code == 200
    assert "This message was sent already; it was not sent again." in second.get_data(as_text=True)
    mailing = db.session.scalars(sa.select(Mailing)).one()
    assert len(recipients(mailing.id)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.mailing_id.is_not(None))) == 2
    assert audit_actions().count("mailing.send") == 1


def test_two_sends_of_one_form_at_the_same_moment_send_once(app, console, event):
    account, event_id = console.account, event.id  # loaded here: the threads only read them
    draft = mailings.Draft(MailingAudience.CONFIRMED, "Agenda", BODY)

    def work():
        try:
            return mailings.send(db.session.get(Event, event_id), draft, by=account, known_mailing_id=0).id
        except mailings.StaleForm as error:
            return ("stale", error.newer.id)

    results = at_once(app, work, 4)

    db.session.rollback()  # see what the threads committed
    mailing_id = db.session.scalars(sa.select(Mailing.id)).one()
    assert sorted(results, key=str) == sorted([mailing_id] + [("stale", mailing_id)] * 3, key=str)
    assert len(recipients(mailing_id)) == 2


def test_another_organisers_newer_mailing_makes_a_stale_form_a_conflict(console, signed_in, event):
    data = send_form(console, event)  # opened before the other organiser sends
    assert send(signed_in("organiser"), event, subject="Room change").status_code == 303

    response = console.post(f"{messages_url(event)}/send", data=data)

    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Another message was sent to this event&#39;s registrants after you opened this form." in text
    assert "Room change" in text  # listed, to be checked
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 1
    fresh = STAMP_RE.search(text).group(1)
    assert console.post(f"{messages_url(event)}/send", data={**data, "stamp": fresh}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 2


def test_sending_reads_as_much_for_many_recipients_as_for_few(console, app):
    few, many = make_event("Prevention"), make_event("Protection")
    person("amina", few)
    for key in PEOPLE:
        person(key, many)
    counted = []
    for event in (few, many):
        with statements() as executed:
            draft = mailings.Draft(MailingAudience.CONFIRMED, "Hello", BODY)
            mailings.send(event, draft, by=console.account, known_mailing_id=0)
        counted.append(len([sql for sql in executed if sql.startswith("SELECT")]))
    assert counted[0] == counted[1]  # no query per recipient


# --- progress --------------------------------------------------------------------------------


def test_progress_shows_queued_then_sent_with_and_without_javascript(console, signed_in, event, smtp_server):
    send(console, event)
    mailing = db.session.scalars(sa.select(Mailing)).one()
    viewer = signed_in("viewer")

    figures = viewer.get(f"/console/mailings/{mailing.id}/progress.json").get_json()
    assert figures == {
        "mailing": mailing.id,
        "recipients": 2,
        "written": 2,
        "queued": 2,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "done": False,
    }
    page = viewer.get(f"/console/mailings/{mailing.id}").get_data(as_text=True)
    assert (
        'aria-live="polite"' in page
        and f'data-progress-url="/console/mailings/{mailing.id}/progress.json"' in page
    )
    assert '<strong data-count="queued">2</strong>' in page
    assert 'src="/static/console-progress.js"' in page and "<script>" not in page
    assert f'href="/console/mailings/{mailing.id}">Refresh</a>' in page
    assert "<strong>background note</strong>" in page  # the message as written

    deliver_pending()

    figures = viewer.get(f"/console/mailings/{mailing.id}/progress.json").get_json()
    assert (figures["queued"], figures["sent"], figures["done"]) == (0, 2, True)
    assert '<strong data-count="sent">2</strong>' in viewer.get(f"/console/mailings/{mailing.id}").get_data(
        as_text=True
    )


def test_a_mailing_is_written_by_the_job_queue_not_in_the_request(console, event, queued):
    """Rendering 2,000 messages took half a minute of the request: the send records the
    mailing, the queue writes its messages, and the mailing's page follows both."""
    response = send(console, event)
    mailing = db.session.scalars(sa.select(Mailing)).one()
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/console/mailings/{mailing.id}"
    )
    assert recipients(mailing.id) == set() and mailing.recipients_count == 2
    figures = console.get(f"/console/mailings/{mailing.id}/progress.json").get_json()
    assert (figures["written"], figures["queued"], figures["done"]) == (0, 0, False)  # still to write
    page = console.get(f"/console/mailings/{mailing.id}").get_data(as_text=True)
    assert "Being written" in page and '<span data-count="written">0</span> / 2' in page
    mailout = db.session.scalars(sa.select(Mailout)).one()
    details = console.get(f"/console/mailouts/{mailout.id}").get_data(as_text=True)
    assert "Messages to registrants" in details and f'href="/console/mailings/{mailing.id}"' in details

    queued()
    assert recipients(mailing.id) == {"amina.yusuf@example.org", "fatima.ali@example.org"}
    figures = console.get(f"/console/mailings/{mailing.id}/progress.json").get_json()
    assert (figures["written"], figures["queued"], figures["done"]) == (2, 2, False)  # to deliver
    assert "Being written" not in console.get(f"/console/mailings/{mailing.id}").get_data(as_text=True)
    deliver_pending()
    assert console.get(f"/console/mailings/{mailing.id}/progress.json").get_json()["done"] is True


def test_the_messages_page_lists_what_was_sent(console, event):
    send(console, event, subject="Agenda & speakers")
    page = console.get(messages_url(event)).get_data(as_text=True)
    assert "Agenda &amp; speakers" in page
    assert "Confirmed registrants" in page
    assert console.account.name in page
    assert re.search(r'<td class="num">2</td>\s*<td class="num">0</td>\s*<td class="num">2</td>', page)


# --- the mail log --------------------------------------------------------------------------


def add_messages(count: int, **fields) -> list[Message]:
    messages = [
        Message(
            kind=fields.get("kind", "reminder"),
            to_address=f"delegate{n}@example.org",
            to_name=f"Delegate {n}",
            subject=fields.get("subject", f"Reminder number {n}"),
            message_id=f"<{n}.{fields.get('kind', 'reminder')}@plenary.test>",
            status=fields.get("status", MessageStatus.SENT),
            content=MessageContent(body_text=f"Text {n}", body_html="<p>x</p>", attachments=[]),
        )
        for n in range(count)
    ]
    db.session.add_all(messages)
    db.session.commit()
    return messages


def test_mail_log_is_paginated_newest_first_without_loading_contents(console, app):
    add_messages(55)
    with statements() as executed:
        first = console.get("/console/mail").get_data(as_text=True)
    assert (
        "Reminder number 54<" in first and "Reminder number 5<" in first and "Reminder number 4<" not in first
    )
    assert first.index("Reminder number 54") < first.index("Reminder number 53")
    assert "Page 1 of 2" in first
    assert not [sql for sql in executed if "message_content" in sql]
    # The page, its count, and the filter's kinds and the failed ones for the toolbar.
    assert len([sql for sql in executed if "FROM message" in sql]) == 4

    second = console.get("/console/mail?page=2").get_data(as_text=True)
    assert (
        "Reminder number 4<" in second
        and "Reminder number 0<" in second
        and "Reminder number 5<" not in second
    )
    assert console.get("/console/mail?page=99999999999999999999").status_code == 200


def test_mail_log_searches_addresses_and_subjects_and_filters_status_and_kind(console, event):
    add_messages(3, kind="account_invitation", subject="Your account", status=MessageStatus.FAILED)

    def listed(query: str) -> str:
        response = console.get(f"/console/mail?{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]

    rows = listed("q=AMINA.yusuf")
    assert "amina.yusuf@example.org" in rows and "fatima.ali@example.org" not in rows
    rows = listed("q=waiting+list")
    assert rows.count("<tr>") == 2  # "Waiting list: Partnership"
    assert "dawit.bekele@example.org" in rows and "fatima.ali@example.org" in rows
    rows = listed("status=failed")
    assert rows.count("<tr>") == 3 and "Your account" in rows
    rows = listed("kind=registration_pending")
    assert rows.count("<tr>") == 1 and "hana.mohammed@example.org" in rows
    rows = listed("kind=account_invitation&status=sent")
    assert "No message matches." in rows
    assert "No message matches." in listed("q=100%25")  # a literal percent sign, not a wildcard


@pytest.mark.parametrize("query", ["status=lost", "kind=no_such_kind", "q=" + "x" * 201])
def test_mail_log_refuses_a_filter_it_does_not_know(console, event, query):
    response = console.get(f"/console/mail?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'class="error"' in text
    assert "amina.yusuf@example.org" in text  # the unfiltered log, with the error beside the field


def test_a_messages_page_shows_an_organiser_its_text_and_headers_but_not_its_attachments_bytes(
    signed_in, event
):
    organiser = signed_in("organiser")
    confirmation = db.session.scalars(
        sa.select(Message).where(Message.kind == "registration_confirmed").order_by(Message.id)
    ).first()

    page = organiser.get(f"/console/mail/{confirmation.id}")

    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Registration confirmed: Partnership" in text
    assert confirmation.message_id in text  # the Message-ID header
    assert "Amina Yusuf <amina.yusuf@example.org>" in text
    assert "Your registration is confirmed." in text  # the text part
    assert "invitation.ics" in text and "text/calendar" in text
    assert "BEGIN:VCALENDAR" not in text
    assert "Send it again" not in text


def fail(message: Message, error: str = "550 5.1.1 No such user here") -> None:
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 8, error
    db.session.commit()


def test_retrying_a_failed_message_sends_the_same_message_again(console, event, smtp_server):
    message = db.session.scalars(sa.select(Message).order_by(Message.id)).first()
    fail(message)
    before = outbox_size()
    page = console.get(f"/console/mail/{message.id}").get_data(as_text=True)
    assert "550 5.1.1 No such user here" in page and "Send it again" in page

    response = console.post(
        f"/console/mail/{message.id}/retry",
        data={"csrf_token": csrf_token(console, "/console/password")},
    )

    assert response.status_code == 303
    db.session.refresh(message)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "mail.retry")).one()
    assert (entry.target_type, entry.target_id, entry.details["count"]) == ("message", message.id, 1)
    assert outbox_size() == before  # nothing composed anew

    deliver_pending()
    [arrived] = [m for m in smtp_server.inbox.messages if m["To"] == "Amina Yusuf <amina.yusuf@example.org>"]
    assert arrived["Message-ID"] == message.message_id


def test_retrying_a_message_that_has_not_failed_is_a_conflict(console, event):
    message = db.session.scalars(sa.select(Message).order_by(Message.id)).first()
    response = console.post(
        f"/console/mail/{message.id}/retry",
        data={"csrf_token": csrf_token(console, "/console/password")},
    )
    assert response.status_code == 409
    assert "this one has not failed" in response.get_data(as_text=True)
    db.session.refresh(message)
    assert message.status == MessageStatus.QUEUED and "mail.retry" not in audit_actions()


def test_retry_all_failed_queues_every_failed_message_once(console, event):
    first, second, third = db.session.scalars(sa.select(Message).order_by(Message.id).limit(3))
    fail(first)
    fail(second, "Connection refused")
    page = console.get("/console/mail").get_data(as_text=True)
    assert "2 messages could not be delivered." in page and "Send all failed messages again" in page

    response = console.post(
        "/console/mail/retry-failed", data={"csrf_token": csrf_token(console, "/console/mail")}
    )

    assert response.status_code == 303
    statuses = db.session.scalars(sa.select(Message.status).where(Message.id.in_([first.id, second.id])))
    assert set(statuses) == {MessageStatus.QUEUED}
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "mail.retry")).one()
    assert entry.details["count"] == 2 and entry.target_id is None


# --- roles and bad input ------------------------------------------------------------------------


def test_viewers_read_messages_and_the_mail_log_without_any_control(signed_in, event):
    send(signed_in("organiser"), event)
    fail(db.session.scalars(sa.select(Message).order_by(Message.id)).first())
    viewer = signed_in("viewer")
    mailing = db.session.scalars(sa.select(Mailing)).one()

    pages = [messages_url(event), "/console/mail", f"/console/mailings/{mailing.id}", "/console/mail/1"]
    for url in pages:
        response = viewer.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "Agenda of the Partnership webinar" in text or url == "/console/mail/1"
        assert 'method="post"' not in text.replace('method="post" action="/console/logout"', ""), url


VIEWER_POSTS = [
    "/console/events/{event}/messages/preview",
    "/console/events/{event}/messages/send",
    "/console/mail/1/retry",
    "/console/mail/retry-failed",
]


@pytest.mark.parametrize("url", VIEWER_POSTS)
def test_viewers_cannot_write_send_or_retry(signed_in, event, url):
    fail(db.session.get(Message, 1))
    viewer = signed_in("viewer")
    before = outbox_size()
    data = {"csrf_token": csrf_token(viewer, "/console/password"), "stamp": "0", **compose(event)}
    assert viewer.post(url.format(event=event.id), data=data).status_code == 403
    assert outbox_size() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0
    assert db.session.get(Message, 1).status == MessageStatus.FAILED


@pytest.mark.parametrize("url", VIEWER_POSTS)
def test_a_post_without_the_csrf_token_is_refused(console, event, url):
    fail(db.session.get(Message, 1))
    before = outbox_size()
    response = console.post(url.format(event=event.id), data={"stamp": "0", **compose(event)})
    assert response.status_code == 400
    assert outbox_size() == before
    assert db.session.get(Message, 1).status == MessageStatus.FAILED


BAD_FORMS = {
    "empty subject": {"subject": "  "},
    "subject with a line break": {"subject": "Agenda\r\nBcc: everyone@example.org"},
    "subject too long": {"subject": "x" * 301},
    "empty body": {"body": " \n "},
    "body too long": {"body": "x" * 20_001},
    "no audience": {"audience": ""},
    "unknown audience": {"audience": "everyone"},
    "no stamp": {"stamp": ""},
    "negative stamp": {"stamp": "-1"},
    "stamp not a number": {"stamp": "latest"},
}


@pytest.mark.parametrize("action", ["preview", "send"])
@pytest.mark.parametrize("bad", sorted(BAD_FORMS))
def test_bad_input_is_explained_and_changes_nothing(console, event, action, bad):
    before = outbox_size()
    data = {**send_form(console, event), **BAD_FORMS[bad]}

    response = console.post(f"{messages_url(event)}/{action}", data=data)

    assert response.status_code == 400
    assert "Please correct the following" in response.get_data(as_text=True)
    assert outbox_size() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0
    assert "mailing.send" not in audit_actions()


def test_unknown_ids_are_not_found(console, event):
    send(console, event)
    token = csrf_token(console, "/console/password")
    for url in [
        "/console/events/999/messages",
        "/console/mailings/999",
        "/console/mailings/999/progress.json",
        "/console/mail/99999",
    ]:
        assert console.get(url).status_code == 404, url
    for url in [
        "/console/events/999/messages/preview",
        "/console/events/999/messages/send",
        "/console/mail/99999/retry",
    ]:
        assert (
            console.post(url, data={"csrf_token": token, "stamp": "0", **compose(event)}).status_code == 404
        ), url
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 1
