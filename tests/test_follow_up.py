"""The follow-up after an event: attendees get thanks, materials and a certificate; no-shows are missed.

Each person gets each follow-up once, however often it is sent; nothing goes before the event ends.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceSource,
    AuditEntry,
    Delegate,
    Document,
    DocumentKind,
    Event,
    Mailout,
    MailoutKind,
    MailoutStatus,
    Message,
    Registration,
    RegistrationStatus,
)
from app.services.mail import certificates, mailouts
from app.services.mail import follow_up as service
from app.services.mail.delivery import deliver_pending
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import at_once, csrf_token, make_account, make_event, make_series, sign_in
from tests.test_report_downloads import SPEAKER_FORMS, joined_forms, needs_unicode_font, shown_lines

ATTENDEE, NO_SHOW = "follow_up_attendee", "follow_up_no_show"
SITE = "https://example.org"
PEOPLE = {
    "zoe": ("zoe.orsted@example.org", "Zoë Ørsted"),
    "siham": ("siham.osman@example.org", "Siham Osman Mohamed"),
    "amina": ("amina.yusuf@example.org", "Amina Yusuf"),
    "dawit": ("dawit.haile@example.org", "Dawit Haile"),
}


def past_event(**fields) -> Event:
    """'Partnership' of the 4Ps series, which ended an hour ago, with its documents."""
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    event = make_event("Partnership", series=make_series(), start=start, hours=2, **fields)
    event.documents = [
        Document(
            kind=DocumentKind.BACKGROUND_NOTE, title="Background note", url="https://example.org/note.pdf"
        ),
        Document(
            kind=DocumentKind.PRESENTATION, title="Slides", url="https://example.org/private", is_public=False
        ),
        Document(
            kind=DocumentKind.RECORDING,
            title="Recording",
            url="https://example.org/recording",
            is_public=False,
        ),
    ]
    db.session.commit()
    return event


def register(event: Event, who: str, language: str = "en") -> Registration:
    email, name = PEOPLE[who]
    outcome = registrations.register(
        event, Applicant(email=email, name=name, language=language), now=event.start_dt - timedelta(days=3)
    )
    return outcome.registration


def attend(
    event: Event, registration: Registration | None, minutes: int, *, attended: bool = True, name: str = ""
):
    key = f"reg:{registration.id}" if registration else f"name:{name.lower()}"
    db.session.add(
        Attendance(
            event_id=event.id,
            registration_id=registration.id if registration else None,
            name=registration.name if registration else name,
            participant_key=key,
            source=AttendanceSource.ZOOM,
            minutes=minutes,
            attended=attended,
        )
    )
    db.session.commit()


@pytest.fixture
def partnership(app):
    """Zoë and Siham attended; Amina is a no-show; Dawit cancelled; a walk-in came without registering."""
    event = past_event()
    zoe, siham, amina, dawit = (register(event, who) for who in PEOPLE)
    registrations.cancel(dawit, now=event.start_dt - timedelta(days=1))
    attend(event, zoe, 95)
    attend(event, siham, 112)
    attend(event, amina, 4, attended=False)  # joined for four minutes: below the event's threshold
    attend(event, None, 60, name="Walk-in Participant")
    return event


def follow_ups(kind: str) -> dict[str, Message]:
    messages = db.session.scalars(sa.select(Message).where(Message.kind == kind)).all()
    return {message.to_address: message for message in messages}


def page(event: Event) -> str:
    return f"/console/events/{event.id}/follow-up"


def post(client, event: Event, action: str, data: dict, form_page: str | None = None):
    """The page's form, posted to `action` ("send" or "preview") as a browser does."""
    token = csrf_token(client, form_page or page(event))
    return client.post(f"{page(event)}/{action}", data={"csrf_token": token, **data})


def send(client, event: Event, form_page: str | None = None, **data):
    draft = {"audience": "attendees", "note": "", "certificate": "y", **data}
    return post(client, event, "send", draft, form_page)


def pdf_title(pdf: bytes) -> str:
    """The /Title of the document information: literal for ASCII, UTF-16 in hex otherwise."""
    match = re.search(rb"/Title (?:\((.*?)\)|<feff([0-9a-f]+)>)", pdf)
    assert match, "no title in the PDF"
    literal, utf16 = match.groups()
    return (
        literal.decode("latin-1")
        if literal is not None
        else bytes.fromhex(utf16.decode()).decode("utf-16-be")
    )


def pdf_text(pdf: bytes) -> str:
    """The page's drawing operators, inflated (text shown in a core font is readable there)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    return "".join(zlib.decompress(stream).decode("latin-1") for stream in streams if stream.startswith(b"x"))


def test_attendees_get_thanks_materials_recording_and_certificate_once(partnership, console):
    event = partnership
    response = send(console, event, note="See you at the **next module**.")
    assert response.status_code == 303

    sent = follow_ups(ATTENDEE)
    assert set(sent) == {"zoe.orsted@example.org", "siham.osman@example.org"}
    zoe = sent["zoe.orsted@example.org"]
    assert zoe.subject == "Thank you for taking part: Partnership"
    assert "Thank you for taking part in “Partnership” on " in zoe.body_text
    assert "See you at the **next module**." in zoe.body_text
    assert "<strong>next module</strong>" in zoe.body_html
    assert "https://example.org/note.pdf" in zoe.body_text and "https://example.org/note.pdf" in zoe.body_html
    assert "https://example.org/recording" in zoe.body_text  # the recording, though not public
    assert "https://example.org/private" not in zoe.body_text  # a registrants-only document is not material
    [certificate] = zoe.attachments
    assert certificate["filename"] == "certificate-of-attendance.pdf"
    assert certificate["content_type"] == "application/pdf"
    # In the bytes sent (written as a file without an SMTP server); those kept are the headers.
    sent = Path(current_app.config["MAIL_DIR"]) / f"{zoe.id:08d}-{zoe.kind}.eml"
    assert b"Content-Type: application/pdf" in sent.read_bytes()
    assert follow_ups(NO_SHOW) == {}

    follow = console.get(page(event)).get_data(as_text=True)
    assert "is on its way to 2 people" in follow

    # The same send again: no one is emailed twice.
    again = send(console, event, note="See you at the **next module**.")
    assert again.status_code == 303
    assert len(follow_ups(ATTENDEE)) == 2
    assert "had this follow-up already: nothing was sent" in console.get(page(event)).get_data(as_text=True)

    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "follow_up.send")).all()
    assert entry.target_id == event.id
    assert entry.details["count"] == 2 and entry.details["audience"] == "attendees"
    assert entry.details["certificate"] is True


def test_no_shows_are_told_they_were_missed_once_without_certificate(partnership, console):
    event = partnership
    note = "Sorry <script>alert(1)</script> [slides](javascript:alert(2))"
    assert send(console, event, audience="no_shows", note=note).status_code == 303
    assert send(console, event, audience="no_shows", note=note).status_code == 303

    sent = follow_ups(NO_SHOW)
    assert set(sent) == {"amina.yusuf@example.org"}  # not Dawit, who cancelled; not the walk-in
    amina = sent["amina.yusuf@example.org"]
    assert amina.subject == "Sorry we missed you: Partnership"
    assert "We are sorry we missed you at “Partnership” on " in amina.body_text
    assert "https://example.org/recording" in amina.body_html
    assert "<script>" not in amina.body_html and 'href="javascript' not in amina.body_html
    assert amina.attachments == []  # the box was ticked, but certificates are for attendees
    assert follow_ups(ATTENDEE) == {}

    text = console.get(page(event)).get_data(as_text=True)
    no_shows_row = re.search(r"No-shows.*?</tr>", text, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', no_shows_row) == ["1", "1", "0"]


def test_two_sends_at_the_same_time_email_each_person_once(partnership, app):
    organiser = make_account("organiser")
    event_id = partnership.id

    def send_now():
        event = db.session.get(Event, event_id)
        account = db.session.merge(organiser)
        return service.send(event, service.Draft(service.Audience.ATTENDEES), by=account)

    outcomes = at_once(app, send_now, 3)
    assert sorted(outcome.to_send for outcome in outcomes) == [0, 0, 2]  # one send started
    db.session.rollback()  # end this thread's snapshot: see what the others committed
    assert len(follow_ups(ATTENDEE)) == 2


def test_preview_shows_the_email_of_a_real_recipient_and_queues_nothing(partnership, console):
    event = partnership
    before = db.session.scalar(sa.select(sa.func.count(Message.id)))
    response = post(
        console, event, "preview", {"audience": "attendees", "note": "Thanks *all*", "certificate": "y"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Zoë Ørsted" in text and "zoe.orsted@example.org" in text
    assert "Thank you for taking part: Partnership" in text
    assert "certificate-of-attendance.pdf" in text
    assert 'sandbox=""' in text and 'target="email-preview"' in text
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == before
    assert follow_ups(ATTENDEE) == {}

    zoe = db.session.scalar(sa.select(Registration).where(Registration.name == "Zoë Ørsted"))
    certificate = console.get(f"{page(event)}/certificates/{zoe.id}.pdf")
    assert certificate.status_code == 200
    assert certificate.content_type == "application/pdf"
    assert pdf_title(certificate.data) == "Certificate of attendance: Zoë Ørsted"
    amina = db.session.scalar(sa.select(Registration).where(Registration.name == "Amina Yusuf"))
    assert console.get(f"{page(event)}/certificates/{amina.id}.pdf").status_code == 404  # not an attendee


def test_the_certificate_names_the_person_event_date_minutes_and_chair(partnership):
    event = partnership
    zoe = db.session.scalar(sa.select(Registration).where(Registration.name == "Zoë Ørsted"))
    pdf = service.certificate_pdf(event, zoe, 95)
    assert pdf.startswith(b"%PDF")
    assert pdf_title(pdf) == "Certificate of attendance: Zoë Ørsted"
    text = pdf_text(pdf)
    local_date = event.start_dt.astimezone(event.zone)
    for expected in (
        "Khartoum Process",
        "Certificate of attendance",
        "Zoë Ørsted",
        "Partnership",
        f"{local_date.day} {local_date:%B %Y}",
        "Time attended: 95 minutes",
        "The Netherlands",
        "Khartoum Process Secretariat",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("name", ["سهام عثمان محمد", "Ṣəlam Ŋgugi", "Siham Osman Mohamed"])
def test_a_certificate_is_made_for_any_name(partnership, name):
    certificate = certificates.certificate_for(partnership, name, 42)
    pdf = certificates.render(certificate)
    assert pdf.startswith(b"%PDF")
    assert pdf_title(pdf) == f"Certificate of attendance: {name}"
    if certificates.unicode_font_folder() is not None and not certificates.fits_latin1(name):
        assert b"/FontFile2" in pdf  # set in an embedded Unicode font, not transliterated


def test_an_arabic_name_is_joined_and_runs_right_to_left(partnership):
    needs_unicode_font()
    pdf = certificates.render(certificates.certificate_for(partnership, "سهام عثمان محمد", 42))
    assert joined_forms(pdf) >= SPEAKER_FORMS  # her letters in their joined shapes
    assert "دمحم نامثع ماهس" in shown_lines(pdf)  # drawn from the left: her name's last letter first


def test_the_follow_up_arrives_over_smtp_with_its_certificate(mail_app, smtp_server):
    event = past_event()
    zoe, amina = register(event, "zoe"), register(event, "amina")
    attend(event, zoe, 95)
    client = mail_app.test_client()
    assert sign_in(client, make_account("organiser").email).status_code == 302
    smtp_server.inbox.clear()

    assert send(client, event).status_code == 303
    deliver_pending()

    [message] = smtp_server.inbox.messages
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["zoe.orsted@example.org"]
    assert message["Subject"] == "Thank you for taking part: Partnership"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://example.org/recording" in text
    # After the event there is nothing to change or cancel: the link is to their page.
    html = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert "change or cancel" not in body and "/registrations/manage/" in body
    assert "your personal page" in text and "your personal page" in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "certificate-of-attendance.pdf"
    assert attachment.get_content_type() == "application/pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert pdf_title(pdf) == "Certificate of attendance: Zoë Ørsted"
    assert "Time attended: 95 minutes" in pdf_text(pdf)
    assert amina.id not in {
        m.registration_id for m in db.session.scalars(sa.select(Message)) if m.kind == ATTENDEE
    }


def test_no_follow_up_before_the_event_has_ended(app, console):
    start = (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
    event = make_event("Partnership", start=start, hours=2)  # still running
    attend(event, register(event, "zoe"), 30)

    view = console.get(page(event)).get_data(as_text=True)
    assert "can be sent once the event has ended" in view
    assert 'name="send"' not in view
    response = send(console, event, form_page="/console/password")
    assert response.status_code == 409
    assert "can be sent once the event has ended" in response.get_data(as_text=True)
    assert follow_ups(ATTENDEE) == {}


def test_a_cancelled_event_gets_no_follow_up(partnership, console):
    partnership.is_cancelled = True
    db.session.commit()
    view = console.get(page(partnership)).get_data(as_text=True)
    assert "This event was cancelled" in view and 'name="send"' not in view
    assert send(console, partnership, form_page="/console/password").status_code == 409
    assert follow_ups(ATTENDEE) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "x" * (service.NOTE_MAX + 1)}, "Field cannot be longer than"),
        ({"audience": "everyone"}, "Not a valid choice"),
        ({"audience": ""}, "Choose who receives the follow-up."),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(partnership, console, data, message):
    response = send(console, partnership, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert follow_ups(ATTENDEE) == {} and follow_ups(NO_SHOW) == {}


def test_an_empty_audience_is_refused(app, console):
    event = past_event()
    register(event, "amina")  # a no-show; no one attended
    response = send(console, event, audience="attendees")
    assert response.status_code == 400
    assert "No one is in this audience" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.kind.like("follow_up%"))) == 0


def test_missing_csrf_wrong_role_and_unknown_event_are_refused(partnership, console, signed_in):
    url = f"{page(partnership)}/send"
    data = {"audience": "attendees", "certificate": "y"}
    assert console.post(url, data=data).status_code == 400  # no CSRF token
    viewer = signed_in("viewer")
    assert viewer.get(page(partnership)).status_code == 200
    assert 'name="send"' not in viewer.get(page(partnership)).get_data(as_text=True)
    token = csrf_token(viewer, "/console/password")
    assert viewer.post(url, data={**data, "csrf_token": token}).status_code == 403
    assert viewer.post(f"{page(partnership)}/preview", data={**data, "csrf_token": token}).status_code == 403
    assert console.get("/console/events/9999/follow-up").status_code == 404
    token = csrf_token(console, "/console/password")
    assert (
        console.post("/console/events/9999/follow-up/send", data={**data, "csrf_token": token}).status_code
        == 404
    )
    assert console.get(f"{page(partnership)}/certificates/9999.pdf").status_code == 404
    assert follow_ups(ATTENDEE) == {}


# --- written by the job queue -------------------------------------------------------------


def attendees(event: Event, count: int) -> None:
    """`count` attendees of `event`, inserted in bulk (the certificates are what costs)."""
    first = (db.session.scalar(sa.select(sa.func.max(Delegate.id))) or 0) + 1
    people = range(first, first + count)
    db.session.execute(
        sa.insert(Delegate),
        [{"id": n, "email": f"delegate{n}@example.org", "name": f"Delegate {n}"} for n in people],
    )
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "id": n,
                "event_id": event.id,
                "delegate_id": n,
                "status": RegistrationStatus.CONFIRMED,
                "consent_privacy_dt": event.created_dt,
                "name": f"Delegate {n}",
            }
            for n in people
        ],
    )
    db.session.execute(
        sa.insert(Attendance),
        [
            {
                "event_id": event.id,
                "registration_id": n,
                "participant_key": f"reg:{n}",
                "name": f"Delegate {n}",
                "source": AttendanceSource.ZOOM,
                "minutes": 60,
                "attended": True,
            }
            for n in people
        ],
    )
    db.session.commit()


def each_once(kind: str) -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(Message.registration_id).where(Message.kind == kind)))


def test_the_send_only_starts_a_job_and_the_queue_writes_the_emails(partnership, console, queued):
    """No request does work that grows with the audience: the send records a mailout, and the
    job queue writes the emails and certificates (1.7 s for 99 people in the request before)."""
    event = partnership
    response = send(console, event, note="Thanks")
    assert response.status_code == 303
    [mailout] = db.session.scalars(sa.select(Mailout)).all()
    assert response.headers["Location"].endswith(f"/console/mailouts/{mailout.id}")
    assert follow_ups(ATTENDEE) == {}  # nothing written in the request
    assert (mailout.kind, mailout.status, mailout.total, mailout.written) == (
        MailoutKind.FOLLOW_UP,
        MailoutStatus.WRITING,
        2,
        0,
    )
    page_text = console.get(f"/console/mailouts/{mailout.id}").get_data(as_text=True)
    assert "Follow-up after the event" in page_text and "Being written" in page_text
    assert console.get(f"/console/mailouts/{mailout.id}/progress.json").json["written"] == 0

    assert queued() >= 1  # a worker runs the queue
    assert set(follow_ups(ATTENDEE)) == {"zoe.orsted@example.org", "siham.osman@example.org"}
    assert all(message.attachments for message in follow_ups(ATTENDEE).values())  # certificates
    progress = console.get(f"/console/mailouts/{mailout.id}/progress.json").json
    assert (progress["status"], progress["written"], progress["total"]) == ("done", 2, 2)
    assert progress["queued"] + progress["sent"] == 2

    # Sent again once written: it reaches no one.
    assert send(console, event).headers["Location"].endswith("/follow-up")
    assert queued() == 0 and len(follow_ups(ATTENDEE)) == 2


def test_a_second_send_while_the_first_is_written_starts_nothing(partnership, console, queued):
    first = send(console, partnership)
    again = send(console, partnership)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "is being written already" in console.get(again.headers["Location"]).get_data(as_text=True)
    queued()
    assert db.session.scalar(sa.select(sa.func.count(Mailout.id))) == 1
    assert sorted(each_once(ATTENDEE).values()) == [1, 1]


def test_a_run_again_after_a_crash_or_two_runs_at_once_write_each_email_once(app, console, queued):
    event = past_event()
    attendees(event, 2 * mailouts.BATCH + 10)
    assert send(console, event, note="Thanks").status_code == 303
    mailout_id = db.session.scalar(sa.select(Mailout.id))

    # A worker writes one batch, then dies without a word: its claim stays until it runs out.
    assert mailouts.run(mailout_id, batches=1) == mailouts.BATCH
    db.session.execute(sa.update(Mailout).values(claimed_until_dt=utcnow() + mailouts.CLAIM))
    db.session.commit()
    assert mailouts.run(mailout_id) == 0  # claimed: another run leaves it alone
    assert mailouts.resume_stalled() == 0  # the claim has not run out yet

    # The sweep, once the claim has run out; and the lost task's own run, at the same time.
    later = utcnow() + mailouts.CLAIM + timedelta(minutes=1)
    at_once(app, lambda: mailouts.resume_stalled(now=later), 2)
    queued()
    written = each_once(ATTENDEE)
    assert len(written) == 2 * mailouts.BATCH + 10 and set(written.values()) == {1}
    db.session.rollback()
    mailout = db.session.get(Mailout, mailout_id)
    assert (mailout.status, mailout.written, mailout.claimed_until_dt) == (
        MailoutStatus.DONE,
        len(written),
        None,
    )


def test_a_mailout_stopped_by_an_error_goes_on_from_where_it_stopped(partnership, console, signed_in, queued):
    send(console, partnership)
    mailout = db.session.scalar(sa.select(Mailout))
    # Stopped as an error stops it (here: marked so by hand, as the job does); a database's
    # error quotes the statement's parameters, addresses and names among them.
    error = "IntegrityError: [parameters: {'to_address': 'zoe.orsted@example.org'}]"
    db.session.execute(sa.update(Mailout).values(status=MailoutStatus.FAILED, error=error))
    db.session.commit()
    queued()
    assert follow_ups(ATTENDEE) == {}
    page_text = console.get(f"/console/mailouts/{mailout.id}").get_data(as_text=True)
    assert "stopped with an error" in page_text and "zoe.orsted@example.org" in page_text
    viewer_page = signed_in("viewer").get(f"/console/mailouts/{mailout.id}").get_data(as_text=True)
    assert "stopped with an error" in viewer_page and "zoe.orsted" not in viewer_page  # no address

    token = csrf_token(console, f"/console/mailouts/{mailout.id}")
    assert console.post(f"/console/mailouts/{mailout.id}/retry").status_code == 400  # no CSRF token
    response = console.post(f"/console/mailouts/{mailout.id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    queued()
    assert sorted(each_once(ATTENDEE).values()) == [1, 1]
    again = console.post(f"/console/mailouts/{mailout.id}/retry", data={"csrf_token": token})
    assert again.status_code == 409  # written: nothing to start again
    assert console.get("/console/mailouts/9999").status_code == 404
