"""Messages to an audience with attachments, and scheduled for a time in the event's zone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Event, Mailing, MailingAttachment, Mailout, Message, MessageContent
from app.services.mail import mailings
from app.services.mail.delivery import deliver_pending
from app.services.programme import documents
from tests import test_console_messages as base
from tests.conftest import at_once
from tests.test_console_messages import PEOPLE, messages_url, send_form
from tests.test_documents_upload import pdf

# The fixtures of the messages' tests: one registrant of every status, mail kept until delivered.
app_config, event = base.app_config, base.event
CONFIRMED = {PEOPLE["amina"][1], PEOPLE["fatima"][1]}


def add_document(event, title="Background note", public=True, content=None, name="note.pdf"):
    details = documents.DocumentDetails(title=title, is_public=public)
    return documents.add_file(event, details, io.BytesIO(content or pdf(200)), name)


def add_link(event, title="Concept note online"):
    return documents.add_link(event, documents.DocumentDetails(title=title), "https://example.org/concept")


def post(client, event, action="send", upload=None, **fields):
    data = send_form(client, event, **fields)
    if upload is not None:
        data["upload"] = (io.BytesIO(upload[1]), upload[0])
    return client.post(f"{messages_url(event)}/{action}", data=data, content_type="multipart/form-data")


def the_mailing() -> Mailing:
    return db.session.scalars(sa.select(Mailing)).one()


def mailing_messages(mailing_id: int) -> list[Message]:
    return list(db.session.scalars(sa.select(Message).where(Message.mailing_id == mailing_id)))


def stored_files(app) -> set[str]:
    folder = Path(app.config["DOCUMENTS_DIR"])
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


# --- attachments ---------------------------------------------------------------------------------


def test_documents_and_an_upload_arrive_attached_and_a_link_listed(console, event, smtp_server):
    note = add_document(event, content=pdf(300))
    link = add_link(event)
    upload = pdf(500)

    response = post(console, event, upload=("Annotated agenda.pdf", upload), documents=[note.id, link.id])

    assert response.status_code == 303, response.get_data(as_text=True)
    mailing = the_mailing()
    assert {a.filename for a in mailing.attachments if not a.is_link} == {"note.pdf", "Annotated agenda.pdf"}
    deliver_pending()
    received = {message["To"].addresses[0].addr_spec: message for message in smtp_server.inbox.messages}
    assert set(received) >= CONFIRMED
    for address in CONFIRMED:
        email = received[address]
        files = {part.get_filename(): part.get_content() for part in email.iter_attachments()}
        assert files == {"note.pdf": pdf(300), "Annotated agenda.pdf": upload}
        assert all(part.get_content_type() == "application/pdf" for part in email.iter_attachments())
        text = email.get_body(preferencelist=("plain",)).get_content()
        assert "Concept note online: https://example.org/concept" in text
        assert "Dear" in text  # the body still there, in its part
    # Stored once: no recipient's row holds the file.
    contents = db.session.scalars(
        sa.select(MessageContent).join(Message).where(Message.mailing_id == mailing.id)
    ).all()
    assert contents and all(b"application/pdf" not in (c.mime or b"") for c in contents)


def test_the_preview_lists_the_attachments_and_carries_the_upload_to_the_send(console, event):
    note = add_document(event)
    response = post(console, event, action="preview", upload=("Agenda.pdf", pdf(100)), documents=[note.id])

    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Agenda.pdf" in text and "note.pdf" in text
    upload = db.session.scalars(
        sa.select(MailingAttachment).where(MailingAttachment.mailing_id.is_(None))
    ).one()
    assert f'name="uploads" value="{upload.id}"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0

    response = post(console, event, uploads=[upload.id], documents=[note.id])

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(MailingAttachment, upload.id).mailing_id == the_mailing().id


def test_attachments_over_the_limit_are_refused_with_a_413_and_nothing_stored(app, console, event):
    app.config["MAILING_ATTACHMENTS_MAX_BYTES"] = 1000
    before = stored_files(app)

    response = post(console, event, upload=("Big.pdf", pdf(2000)))

    assert response.status_code == 413
    assert "The attachments of a message may weigh 1 MB in all" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailingAttachment)) == 0
    assert stored_files(app) == before

    # Together over the limit: two documents each under it.
    first, second = add_document(event, "One", content=pdf(600)), add_document(event, "Two", content=pdf(600))
    response = post(console, event, documents=[first.id, second.id])
    assert response.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_an_upload_is_checked_as_a_document_is(console, event):
    response = post(console, event, upload=("agenda.pdf", b"MZ\x90\x00 not a pdf"))

    assert response.status_code == 400
    assert "Only PDF, Word (.docx) and PowerPoint (.pptx) files can be uploaded." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_a_document_for_registrants_only_goes_to_the_confirmed_alone(console, event):
    private = add_document(event, "List of delegates", public=False)

    refused = post(console, event, audience="waitlisted", documents=[private.id])

    assert refused.status_code == 400
    assert "is for confirmed registrants only" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0
    assert post(console, event, audience="confirmed", documents=[private.id]).status_code == 303


# --- scheduling -----------------------------------------------------------------------------------


def next_year() -> int:
    return utcnow().year + 1


def local(day: str, time: str = "10:00") -> str:
    return f"{next_year()}-{day}T{time}"


def test_a_time_is_read_in_the_events_zone_summer_and_winter(console, event):
    assert event.timezone == "Europe/Brussels"
    post(console, event, send_at=local("07-01"))
    post(console, event, send_at=local("01-15"), subject="Winter")
    summer, winter = db.session.scalars(sa.select(Mailing).order_by(Mailing.id)).all()
    assert summer.scheduled_dt == datetime(next_year(), 7, 1, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    assert winter.scheduled_dt == datetime(next_year(), 1, 15, 9, 0, tzinfo=UTC)  # CET, UTC+1
    page = console.get(messages_url(event)).get_data(as_text=True)
    assert (
        "Messages scheduled" in page and "10:00 CEST (UTC+02:00)" in page and "10:00 CET (UTC+01:00)" in page
    )


def last_sunday_of_march(year: int) -> int:
    day = datetime(year, 3, 31)
    return 31 - (day.weekday() + 1) % 7


def test_a_time_the_clocks_skip_or_show_twice_or_a_past_time_is_refused(console, event):
    gap = f"{next_year()}-03-{last_sunday_of_march(next_year()):02d}T02:30"
    skipped = post(console, event, send_at=gap)
    assert skipped.status_code == 400
    assert "Europe/Brussels skips this time when the clocks change" in skipped.get_data(as_text=True)

    # Fall back: 02:30 comes twice on the last Sunday of October; which one is meant is asked.
    october = 31 - (datetime(next_year(), 10, 31).weekday() + 1) % 7
    twice = post(console, event, send_at=f"{next_year()}-10-{october:02d}T02:30")
    assert twice.status_code == 400
    assert "Europe/Brussels has this time twice when the clocks change" in twice.get_data(as_text=True)

    past = (utcnow() - timedelta(hours=1)).astimezone(event.zone).strftime("%Y-%m-%dT%H:%M")
    refused = post(console, event, send_at=past)
    assert refused.status_code == 400
    assert "This time has passed" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_the_preview_shows_when_it_goes(console, event):
    page = post(console, event, action="preview", send_at=local("07-01")).get_data(as_text=True)
    assert "It goes on" in page and "10:00 CEST (UTC+02:00)" in page
    assert "Schedule for" in page


def scheduled(console, event, **fields) -> Mailing:
    response = post(console, event, send_at=local("07-01"), **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Mailing).order_by(Mailing.id.desc())).first()


def test_a_scheduled_message_goes_at_its_time_not_before(console, event, smtp_server):
    note = add_document(event)
    mailing = scheduled(console, event, documents=[note.id])
    due = mailing.scheduled_dt

    assert mailings.start_due(now=due - timedelta(minutes=1)) == 0
    deliver_pending()
    assert mailing_messages(mailing.id) == []
    assert all(m["Subject"] != mailing.subject for m in smtp_server.inbox.messages)

    assert mailings.start_due(now=due + timedelta(seconds=30)) == 1
    assert mailings.start_due(now=due + timedelta(minutes=2)) == 0  # once
    deliver_pending()
    got = [m for m in smtp_server.inbox.messages if m["Subject"] == mailing.subject]
    assert {m["To"].addresses[0].addr_spec for m in got} == CONFIRMED
    assert all([p.get_filename() for p in m.iter_attachments()] == ["note.pdf"] for m in got)
    db.session.expire_all()
    assert db.session.get(Mailing, mailing.id).started_dt is not None


def test_a_scheduled_message_can_be_changed_and_cancelled_until_it_goes(console, event, app):
    note = add_document(event)
    mailing = scheduled(console, event, documents=[note.id])
    edit = f"/console/mailings/{mailing.id}/edit"
    form = console.get(edit)
    assert form.status_code == 200 and "Agenda of the Partnership webinar" in form.get_data(as_text=True)

    changed = post_to(
        console, event, edit, subject="New agenda", audience="waitlisted", send_at=local("07-02")
    )

    assert changed.status_code == 303, changed.get_data(as_text=True)
    db.session.expire_all()
    mailing = db.session.get(Mailing, mailing.id)
    assert (mailing.subject, mailing.audience.value) == ("New agenda", "waitlisted")
    assert mailing.scheduled_dt == datetime(next_year(), 7, 2, 8, 0, tzinfo=UTC)
    assert mailing.attachments == []  # unticked: the copy of the note is gone

    cancel = console.post(f"/console/mailings/{mailing.id}/cancel", data=confirm(console, mailing))
    assert cancel.status_code == 303
    assert mailings.start_due(now=mailing.scheduled_dt + timedelta(days=1)) == 0
    assert mailing_messages(mailing.id) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailout)) == 0


def post_to(client, event, url, **fields):
    data = send_form(client, event, **fields)
    return client.post(url, data=data, content_type="multipart/form-data")


def confirm(client, mailing) -> dict:
    from tests.conftest import CSRF_RE

    page = client.get(f"/console/mailings/{mailing.id}").get_data(as_text=True)
    return {"csrf_token": CSRF_RE.search(page).group(1)}


def test_once_it_has_started_it_can_neither_be_changed_nor_cancelled(console, event):
    mailing = scheduled(console, event)
    token = confirm(console, mailing)
    assert mailings.start_due(now=mailing.scheduled_dt) == 1

    changed = post_to(
        console, event, f"/console/mailings/{mailing.id}/edit", subject="Too late", send_at=local("07-03")
    )
    cancelled = console.post(f"/console/mailings/{mailing.id}/cancel", data=token)

    for response in (changed, cancelled):
        assert response.status_code == 409
        assert "This message has started going out" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Mailing, mailing.id).subject == "Agenda of the Partnership webinar"
    assert db.session.get(Mailing, mailing.id).cancelled_dt is None


def test_two_workers_starting_at_once_start_it_once(app, console, event):
    mailing = scheduled(console, event)
    now = mailing.scheduled_dt + timedelta(seconds=1)

    started = at_once(app, lambda: mailings.start_due(now=now), 4)

    assert sum(started) == 1
    db.session.rollback()  # read what the workers committed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailout)) == 1
    assert len(mailing_messages(mailing.id)) == 2


@pytest.mark.parametrize("action", ["edit", "cancel"])
def test_viewers_cannot_change_or_cancel(signed_in, console, event, action):
    mailing = scheduled(console, event)
    viewer = signed_in("viewer")
    assert viewer.post(f"/console/mailings/{mailing.id}/{action}", data={}).status_code in (400, 403)
    db.session.expire_all()
    assert db.session.get(Mailing, mailing.id).is_scheduled


@pytest.mark.parametrize(
    ("language", "listed", "refusal"),
    [
        ("en", "Messages scheduled", "This time has passed"),
        ("fr", "Messages programmés", "Cette heure est passée\u00a0:"),
        ("ar", "الرسائل المجدولة", "هذا الوقت قد مضى"),
    ],
)
def test_the_schedule_speaks_the_pages_language(console, event, language, listed, refusal):
    scheduled(console, event)
    console.set_cookie("plenary_lang", language)
    assert listed in console.get(messages_url(event)).get_data(as_text=True)
    past = (utcnow() - timedelta(hours=1)).astimezone(event.zone).strftime("%Y-%m-%dT%H:%M")
    response = post(console, event, send_at=past, subject="Late")
    assert response.status_code == 400 and refusal in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "bad",
    [
        {"documents": ["999999"]},
        {"documents": ["not-a-number"]},
        {"uploads": ["999999"]},
        {"send_at": "tomorrow at ten"},
        {"send_at": "2027-13-45T25:99"},
    ],
    ids=["unknown document", "document not a number", "unknown upload", "time in words", "no such time"],
)
def test_bad_attachments_or_times_are_explained_and_change_nothing(console, event, bad):
    response = post(console, event, **bad)

    assert response.status_code == 400
    assert "Please correct the following" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_another_events_upload_cannot_be_carried(console, event, app):
    from tests.conftest import make_event

    other = make_event("Prosecution")
    post(console, other, action="preview", upload=("Theirs.pdf", pdf(100)))
    theirs = db.session.scalars(sa.select(MailingAttachment)).one()

    response = post(console, event, uploads=[theirs.id])

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(MailingAttachment, theirs.id).mailing_id is None


def test_a_files_name_in_any_script_arrives_as_written(console, event, smtp_server):
    name = "Note d’orientation – مذكرة.pdf"
    assert post(console, event, upload=(name, pdf(100))).status_code == 303
    deliver_pending()
    got = [m for m in smtp_server.inbox.messages if m["Subject"] == "Agenda of the Partnership webinar"]
    assert len(got) == 2
    assert all([part.get_filename() for part in m.iter_attachments()] == [name] for m in got)


def test_the_files_are_added_the_same_way_each_time_and_the_recipient_stays_one(app, console, event):
    from email import message_from_bytes, policy

    from app.services.mail import attachments

    assert post(console, event, upload=("Agenda.pdf", pdf(100))).status_code == 303
    mailing = the_mailing()
    message = mailing_messages(mailing.id)[0]
    composed = message.content.mime
    parts = attachments.parts_of(mailing.id)

    first = attachments.with_attachments(composed, parts, message.message_id)
    again = attachments.with_attachments(composed, parts, message.message_id)

    assert first == again  # a retry sends the very same bytes
    email = message_from_bytes(first, policy=policy.default)
    original = message_from_bytes(composed, policy=policy.default)
    assert email.get_content_type() == "multipart/mixed"
    assert [str(email[h]) for h in ("To", "From", "Subject", "Message-ID")] == [
        str(original[h]) for h in ("To", "From", "Subject", "Message-ID")
    ]
    assert (
        email.get_body(preferencelist=("plain",)).get_content()
        == original.get_body(preferencelist=("plain",)).get_content()
    )
    assert [part.get_filename() for part in email.iter_attachments()] == ["Agenda.pdf"]


def test_uploads_never_sent_are_deleted_a_day_on(app, console, event):
    from app.services.mail.attachments import UNSENT_KEPT, forget_unsent_uploads

    post(console, event, action="preview", upload=("Draft.pdf", pdf(100)))
    assert post(console, event, upload=("Sent.pdf", pdf(100))).status_code == 303
    waiting = db.session.scalars(
        sa.select(MailingAttachment).where(MailingAttachment.mailing_id.is_(None))
    ).one()
    stored = waiting.stored_name
    assert stored in stored_files(app)

    assert forget_unsent_uploads(utcnow()) == 0
    assert forget_unsent_uploads(utcnow() + UNSENT_KEPT + timedelta(minutes=1)) == 1

    db.session.rollback()
    assert db.session.get(MailingAttachment, waiting.id) is None
    assert stored not in stored_files(app)
    assert len(the_mailing().attachments) == 1  # the sent message keeps its file


def test_the_formatted_preview_lists_link_documents(console, event):
    link = add_link(event)
    data = send_form(console, event, documents=[link.id], send_at=local("07-01"))
    frame = console.post(f"{messages_url(event)}/preview/email", data=data).get_data(as_text=True)
    assert 'href="https://example.org/concept"' in frame and "Concept note online" in frame


def test_a_document_whose_file_is_lost_is_explained(app, console, event):
    note = add_document(event)
    (Path(app.config["DOCUMENTS_DIR"]) / note.stored_name).unlink()

    response = post(console, event, documents=[note.id])

    assert response.status_code == 400
    assert "The file of “Background note” is missing" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_cancelling_the_event_cancels_its_scheduled_messages(console, event):
    """A reminder scheduled for a meeting that no longer takes place must not go out."""
    from app.services.mail.event_notices import cancel_event

    mailing = scheduled(console, event)

    assert cancel_event(db.session.get(Event, event.id), note="Postponed")

    db.session.expire_all()
    assert db.session.get(Mailing, mailing.id).cancelled_dt is not None
    assert mailings.start_due(now=mailing.scheduled_dt + timedelta(days=1)) == 0
    assert mailing_messages(mailing.id) == []
