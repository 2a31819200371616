"""Personal data: privacy notice versions, a delegate's download and erasure, retention.

The promise tested throughout: once a person is erased (or their data is past its retention
period), no table holds their name or address, and every summary counts exactly as before.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from app.database import utcnow
from app.extensions import db
from app.models import (
    AttendanceImport,
    AttendanceSource,
    AuditEntry,
    Delegate,
    Event,
    ImportStatus,
    Message,
    MessageStatus,
    PrivacyNotice,
    Registration,
    RegistrationStatus,
    Webhook,
    WebhookDelivery,
)
from app.services import audit
from app.services.links import manage_token
from app.services.privacy import personal_data
from app.services.privacy.personal_data import add_months
from app.services.registration.registrations import Applicant, edit_details, register
from app.services.reporting import summaries
from tests.conftest import commits, csrf_token, make_account, make_event, make_series, submit
from tests.test_summaries import AMINA, JOHAN, WALKER, applicant, attend, build_four_ps, enrol

NOT_VALID = "This link is not valid"
DAWIT = applicant("Dawit Bekele", "ET", "ngo", "Ethiopian Women Lawyers")


def delegate_of(person: Applicant) -> Delegate:
    return db.session.scalars(sa.select(Delegate).where(Delegate.email == person.email)).one()


def registrations_of(delegate_id: int) -> list[Registration]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Registration).where(Registration.delegate_id == delegate_id)))


def manage_url(registration: Registration) -> str:
    return f"/registrations/manage/{manage_token(registration)}"


# --- the figures, as plain data to compare ---------------------------------------------------------


def plain(value):
    """A summary as comparable data: rows become (table, id), dataclasses dicts."""
    if isinstance(value, db.Model):
        return (type(value).__name__, value.id)
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return str(value) if value is not None and not isinstance(value, int | float | bool) else value


def all_figures(series_list, events) -> dict:
    summaries.forget_kept_figures()
    db.session.expire_all()
    return {
        "events": [plain(summaries.event_summary(db.session.get(Event, e.id))) for e in events],
        "series": [plain(summaries.series_summary(s)) for s in series_list],
        "programme": plain(summaries.programme_summary()),
    }


def traces(*terms: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) for every text or JSON column of every table holding one of the terms."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary):
                continue
            if isinstance(column.type, sa.Enum):
                continue
            text = sa.func.lower(sa.cast(column, sa.Text))
            hit = sa.or_(*(text.contains(term.lower(), autoescape=True) for term in terms))
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(hit))
            if count:
                found.append((table.name, column.name, count))
    return found


# --- a programme with a person to erase -------------------------------------------------------------


@pytest.fixture
def programme(app):
    """The 4Ps series (past modules with attendance and walk-ins), plus what leaves traces of
    Amina elsewhere: an organiser's edit in the audit log, a participant report, and a seat
    in an upcoming event with Dawit waiting behind her."""
    four = build_four_ps()
    organiser = make_account("organiser")
    amina_at_protection = four.registrations["Amina Yusuf"]
    edited = dataclasses.replace(AMINA, job_title="Director of Migration Affairs")
    edit_details(amina_at_protection, edited, amina_at_protection.version, by=organiser)
    report = AttendanceImport(
        event_id=four.protection.id,
        account_id=organiser.id,
        filename="protection-participants.csv",
        file_sha256="0" * 64,
        source=AttendanceSource.ZOOM,
        status=ImportStatus.DONE,
        participants=[
            {"name": "Amina Yusuf", "email": AMINA.email, "reg": amina_at_protection.id, "how": "email"},
            {"name": "Yusuf, Amina", "email": "", "reg": None, "how": None},
            {"name": "Anonymous caller", "email": "", "reg": None, "how": None},
        ],
        # The uploaded file, as a preview keeps it to read it again.
        report_file=f"Name,Email\r\nAmina Yusuf,{AMINA.email}\r\n".encode(),
    )
    db.session.add(report)
    # A webhook receiver told of registrations: its deliveries carry who registered.
    current_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    db.session.add(Webhook(url="http://127.0.0.1:9/closed", secret="s", event_types=["registration.created"]))
    db.session.commit()
    partnership = make_event("Partnership", capacity=1)
    enrol_now(partnership, AMINA)
    enrol_now(partnership, DAWIT)
    return four, partnership


def enrol_now(event: Event, person: Applicant) -> Registration:
    return register(event, person).registration


def past_events(four) -> list[Event]:
    return [four.prevention, four.protection, four.prosecution]


# --- the privacy notice ------------------------------------------------------------------------------


def test_the_public_page_shows_the_built_in_text_until_a_version_is_published(client):
    page = client.get("/privacy")
    assert page.status_code == 200
    assert "uses the details you give when you register" in page.get_data(as_text=True)
    assert "Version" not in page.get_data(as_text=True)


def test_organisers_publish_versions_and_registrations_record_the_one_accepted(app, signed_in, client):
    event = make_event()
    before = enrol_now(event, JOHAN)
    assert before.privacy_notice_version is None

    console = signed_in("organiser")
    for text in ("## Our notice\n\nFirst text.", "## Our notice\n\nSecond text <script>alert(1)</script>"):
        url = "/console/privacy"
        response = submit(console, url, {"text": text})
        assert response.status_code == 303, response.get_data(as_text=True)

    versions = db.session.scalars(sa.select(PrivacyNotice).order_by(PrivacyNotice.version)).all()
    assert [(n.version, n.published_by_id) for n in versions] == [
        (1, console.account.id),
        (2, console.account.id),
    ]
    after = enrol_now(event, AMINA)
    assert after.privacy_notice_version == 2
    assert db.session.get(Registration, before.id).privacy_notice_version is None

    page = client.get("/privacy").get_data(as_text=True)
    assert "Version 2, published" in page and "Second text" in page and "First text" not in page
    assert "<h2>Our notice</h2>" in page and "<script>" not in page
    audited = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy_notice.publish")
    ).all()
    assert [entry.details["version"] for entry in audited] == [1, 2]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "x" * 50_001}, 400),
        ({"text": "   "}, 400),
        ({}, 400),
        ({"text": "A notice\x00 with a NUL"}, 400),  # PostgreSQL could not even store it
        ({"text": "Escape \x1b[31m"}, 400),
    ],
)
def test_a_bad_notice_is_refused_and_nothing_is_published(app, console, data, status):
    response = submit(console, "/console/privacy", data)
    assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count(PrivacyNotice.id))) == 0


def test_the_same_text_twice_is_not_a_new_version(app, console):
    assert submit(console, "/console/privacy", {"text": "Our notice."}).status_code == 303
    response = submit(console, "/console/privacy", {"text": "Our notice."})
    assert response.status_code == 400
    assert "already the version in force" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PrivacyNotice.id))) == 1


def test_viewers_read_the_notice_but_cannot_publish_and_nobody_without_csrf(app, signed_in):
    viewer = signed_in("viewer")
    assert viewer.get("/console/privacy").status_code == 200
    page = viewer.get("/console/privacy").get_data(as_text=True)
    assert "Write a new version" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # the sign-out form's
    assert viewer.post("/console/privacy", data={"text": "Mine.", "csrf_token": token}).status_code == 403
    organiser = signed_in("organiser")
    assert organiser.post("/console/privacy", data={"text": "No token."}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(PrivacyNotice.id))) == 0


# --- downloading one's data -----------------------------------------------------------------------


def test_the_download_holds_the_persons_data_and_nobody_elses(programme, client):
    four, partnership = programme
    amina = delegate_of(AMINA)
    response = client.get(manage_url(four.registrations["Amina Yusuf"]) + "/my-data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))

    assert data["delegate"]["email"] == AMINA.email and data["delegate"]["name"] == "Amina Yusuf"
    titles = sorted(item["event"]["title"] for item in data["registrations"])
    assert titles == ["Partnership", "Prevention", "Protection"]
    assert {item["consent_privacy_at"] is not None for item in data["registrations"]} == {True}
    assert "privacy_notice_version" in data["registrations"][0]
    assert [(row["minutes"], row["attended"]) for row in data["attendance"]] == [(90, True)]
    assert data["messages"] and {m["to"] for m in data["messages"]} == {AMINA.email}
    text = response.get_data(as_text=True)
    for other in (JOHAN, WALKER, DAWIT):
        assert other.email not in text and other.name not in text

    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "delegate.export")).one()
    assert (
        entry.target_id == amina.id and "Amina" not in entry.summary and AMINA.email not in str(entry.details)
    )


# --- erasure -----------------------------------------------------------------------------------------


def erase_through_the_page(client, registration: Registration):
    url = manage_url(registration) + "/erase"
    return submit(client, url, {"confirm": "y"})


def test_erasure_removes_every_trace_and_keeps_every_figure(programme, client):
    four, partnership = programme
    amina_id = delegate_of(AMINA).id
    before = all_figures([four.series], past_events(four))
    assert traces(AMINA.email, "Amina Yusuf", "Yusuf, Amina")  # the check can find them

    response = erase_through_the_page(client, four.registrations["Amina Yusuf"])
    assert response.status_code == 303 and response.headers["Location"].endswith("/registrations/erased")
    assert "Your data has been erased" in client.get("/registrations/erased").get_data(as_text=True)

    assert traces(AMINA.email, "Amina Yusuf", "Yusuf, Amina") == []
    assert db.session.scalars(sa.select(AttendanceImport.report_file)).all() == [None]
    assert all_figures([four.series], past_events(four)) == before
    mine = sa.select(Registration.id).where(Registration.delegate_id == amina_id)
    [delivery] = db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.registration_id.in_(mine))
    )
    assert json.loads(delivery.payload)["data"]["delegate"] == {
        "organisation": AMINA.organisation,
        "organisation_kind": "member_state",
        "country": "ET",
    }
    # She had agreed to be listed; nobody nameless takes her place on the public list.
    listed = [p.name for p in summaries.participant_list(db.session.get(Event, four.protection.id))]
    assert listed and "" not in listed
    delegate = db.session.get(Delegate, amina_id)
    assert delegate.email.startswith("erased-") and delegate.email.endswith("@invalid")
    assert (delegate.country, delegate.organisation_kind.value) == ("ET", "member_state")
    # Others are untouched: Walker's name and address are where they were.
    assert traces(WALKER.email) and traces("Johan Kruger")
    erasures = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "delegate.erase")).all()
    assert [entry.target_id for entry in erasures] == [amina_id]


def test_erasure_cancels_what_is_ahead_and_the_waiting_list_moves_up(programme, client):
    four, partnership = programme
    dawit = registrations_of(delegate_of(DAWIT).id)[0]
    assert dawit.status == RegistrationStatus.WAITLISTED

    assert erase_through_the_page(client, four.registrations["Amina Yusuf"]).status_code == 303

    assert db.session.get(Registration, dawit.id).status == RegistrationStatus.CONFIRMED
    amina = {r.event_id: r for r in registrations_of(delegate_of_id(four))}
    assert amina[partnership.id].status == RegistrationStatus.CANCELLED
    # The past ones stay as they were, for the figures.
    assert amina[four.protection.id].status == RegistrationStatus.CONFIRMED
    assert {r.name for r in amina.values()} == {""} and all(r.anonymised_dt for r in amina.values())
    # Nothing unsent will reach the old address, and nothing sent keeps its text.
    messages = db.session.scalars(
        sa.select(Message).where(Message.registration_id.in_([r.id for r in amina.values()]))
    ).all()
    assert messages
    assert {m.to_address for m in messages} == {personal_data.REDACTED_ADDRESS}
    assert {m.status for m in messages} <= {MessageStatus.SENT, MessageStatus.FAILED}
    assert {(m.body_text, m.mime) for m in messages} == {("", None)}


def delegate_of_id(four) -> int:
    return db.session.get(Registration, four.registrations["Amina Yusuf"].id).delegate_id


def test_after_erasure_the_old_links_show_the_no_such_registration_page(programme, client):
    four, partnership = programme
    urls = [manage_url(r) for r in registrations_of(delegate_of(AMINA).id)]
    assert erase_through_the_page(client, four.registrations["Amina Yusuf"]).status_code == 303
    for url in urls:
        for suffix in ("", "/my-data.json", "/erase"):
            page = client.get(url + suffix)
            assert page.status_code == 404 and NOT_VALID in page.get_data(as_text=True)


def test_erasing_twice_changes_nothing_more(programme):
    four, partnership = programme
    delegate = delegate_of(AMINA)
    first = personal_data.erase_delegate(delegate)
    assert first.registrations == 3 and first.cancelled == 1
    email = db.session.get(Delegate, delegate.id).email
    assert personal_data.erase_delegate(db.session.get(Delegate, delegate.id)).registrations == 0
    assert db.session.get(Delegate, delegate.id).email == email


def snapshot() -> tuple:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Registration.id, Registration.name, Registration.status)).all()
    delegates = db.session.execute(sa.select(Delegate.id, Delegate.email, Delegate.name)).all()
    audit = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    return sorted(rows), sorted(delegates), audit


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "WzEsImFiYyJd.forged-signature",
        "x" * 400,
    ],
)
def test_forged_links_get_a_friendly_404_and_change_nothing(programme, client, token):
    four, partnership = programme
    valid = csrf_token(client, manage_url(four.registrations["Amina Yusuf"]) + "/erase")
    before = snapshot()
    for suffix in ("/my-data.json", "/erase"):
        assert client.get(f"/registrations/manage/{token}{suffix}").status_code == 404
    response = client.post(f"/registrations/manage/{token}/erase", data={"confirm": "y", "csrf_token": valid})
    assert response.status_code == 404 and NOT_VALID in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_replaced_link_no_longer_downloads_or_erases(programme, client):
    four, partnership = programme
    registration = four.registrations["Amina Yusuf"]
    old_url = manage_url(registration)
    valid = csrf_token(client, old_url + "/erase")
    registration.manage_key = "a-newer-key-from-a-later-email"
    db.session.commit()
    before = snapshot()
    assert client.get(old_url + "/my-data.json").status_code == 404
    assert client.post(old_url + "/erase", data={"confirm": "y", "csrf_token": valid}).status_code == 404
    assert snapshot() == before


def test_erasure_needs_the_csrf_token_and_the_confirmation(programme, client):
    four, partnership = programme
    url = manage_url(four.registrations["Amina Yusuf"]) + "/erase"
    before = snapshot()
    assert client.post(url, data={"confirm": "y"}).status_code == 400  # no CSRF token
    unconfirmed = submit(client, url, {})
    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    assert snapshot() == before


def test_the_manage_page_offers_download_and_erasure(programme, client):
    four, partnership = programme
    page = client.get(manage_url(four.registrations["Amina Yusuf"])).get_data(as_text=True)
    assert "Your data" in page and "/my-data.json" in page and "/erase" in page


# --- retention -----------------------------------------------------------------------------------------


@pytest.fixture
def aged(app):
    """Series and standalone events of different ages: only some are past their period."""
    now = utcnow()
    old = make_series("Old series")  # 24 months after 30 months ago: expired
    kept_long = make_series("Kept longer", retention_months=40)  # not yet
    recent = make_series("Recent series")
    events = {
        "old-1": make_event("Old 1", series=old, start=add_months(now, -32)),
        "old-2": make_event("Old 2", series=old, start=add_months(now, -30)),
        "long": make_event("Long", series=kept_long, start=add_months(now, -30)),
        "recent": make_event("Recent", series=recent, start=add_months(now, -12)),
        "alone-old": make_event("Alone old", start=add_months(now, -25)),
        "alone-new": make_event("Alone new", start=add_months(now, -6)),
    }
    # Conny only took part in expired events; Amina also in a recent one.
    conny = applicant("Conny Rijken", "NL", "academia", "Tilburg University")
    for key in ("old-1", "old-2", "alone-old"):
        enrol(events[key], conny)
    for key in ("old-1", "recent", "long"):
        enrol(events[key], AMINA)
    amina_old = registrations_of(delegate_of(AMINA).id)
    attend(events["old-1"], next(r for r in amina_old if r.event_id == events["old-1"].id), minutes=50)
    # A walk-in nobody knows, at an expired and at a recent event; Amina walking in at another.
    attend(events["old-2"], minutes=40, email="guest@example.net", name="Guest Person")
    attend(events["recent"], minutes=40, email="guest@example.net", name="Guest Person")
    attend(events["old-2"], minutes=30, email=AMINA.email, name="A. Yusuf")
    return {"series": [old, kept_long, recent], "events": events, "conny": conny}


def test_retention_anonymises_only_what_is_past_its_period_and_keeps_the_figures(aged, runner):
    events = aged["events"]
    before = all_figures(aged["series"], list(events.values()))

    result = runner.invoke(args=["apply-retention"])
    assert result.exit_code == 0, result.output
    # Conny's delegate row goes with her last registration kept, that of the standalone event.
    assert "Old series: 3 registrations and 0 delegates anonymised" in result.output
    assert "Alone old: 1 registrations and 1 delegates anonymised" in result.output
    assert "Recent" not in result.output and "Kept longer" not in result.output

    assert all_figures(aged["series"], list(events.values())) == before
    names = names_by_event()
    assert names[events["old-1"].id] == ["", ""] and names[events["alone-old"].id] == [""]
    assert names[events["recent"].id] == ["Amina Yusuf"] and names[events["long"].id] == ["Amina Yusuf"]
    # Conny is gone entirely; Amina, still registered for recent events, is kept.
    assert traces(aged["conny"].email, "Conny Rijken") == []
    assert delegate_of(AMINA).name == "Amina Yusuf"
    # Walk-ins of expired events lose their names; the guest's row at the recent event keeps it.
    assert traces("A. Yusuf") == []
    assert traces("Guest Person") == [("attendance", "name", 1)]
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "retention.apply")).all()
    assert sorted(entry.details["registrations"] for entry in entries) == [1, 3]


def names_by_event() -> dict[int, list[str]]:
    db.session.expire_all()
    names: dict[int, list[str]] = {}
    for event_id, name in db.session.execute(sa.select(Registration.event_id, Registration.name)):
        names.setdefault(event_id, []).append(name)
    return names


def test_retention_run_again_does_nothing(aged, runner):
    assert runner.invoke(args=["apply-retention"]).exit_code == 0
    before = snapshot()
    again = runner.invoke(args=["apply-retention"])
    assert again.exit_code == 0 and "Nothing is past its retention period." in again.output
    assert snapshot() == before


def test_the_daily_task_applies_retention(aged):
    from app.services.privacy.tasks import apply_retention

    assert apply_retention.call_local() == 4
    assert apply_retention.call_local() == 0


def test_erasure_after_retention_keeps_the_figures_too(aged):
    events = aged["events"]
    personal_data.apply_retention()
    before = all_figures(aged["series"], list(events.values()))
    personal_data.erase_delegate(delegate_of(AMINA))
    assert traces(AMINA.email, "Amina Yusuf", "A. Yusuf") == []
    assert all_figures(aged["series"], list(events.values())) == before


def test_add_months_keeps_the_day_or_takes_the_months_last():
    start = utcnow().replace(year=2024, month=1, day=31)
    assert add_months(start, 1).date().isoformat() == "2024-02-29"
    assert add_months(start, 24).date().isoformat() == "2026-01-31"
    assert add_months(start, -2).date().isoformat() == "2023-11-30"


# --- the retention period in the series form -------------------------------------------------------------


def series_form(series, **changes) -> dict:
    data = {
        "title": series.title,
        "chair": series.chair,
        "organiser": series.organiser,
        "is_published": "y",
        "version": series.version,
    }
    data.update(changes)
    return data


def test_organisers_set_a_series_retention_period(app, console):
    series = make_series()
    assert series.retention_months == 24
    url = f"/console/series/{series.id}/edit"
    assert submit(console, url, series_form(series, retention_months="36")).status_code == 303
    db.session.expire_all()
    assert series.retention_months == 36


@pytest.mark.parametrize("value", ["0", "-3", "241", "many", "1e3"])
def test_a_bad_retention_period_is_refused(app, console, value):
    series = make_series()
    response = submit(
        console, f"/console/series/{series.id}/edit", series_form(series, retention_months=value)
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert series.retention_months == 24


def test_a_standalone_event_uses_the_configured_period(app):
    event = make_event("Alone", start=utcnow() - timedelta(days=400))
    enrol(event, JOHAN)
    app.config["RETENTION_MONTHS"] = 12
    assert [group.label for group in personal_data.expired_groups()] == ["Alone"]
    app.config["RETENTION_MONTHS"] = 24
    assert personal_data.expired_groups() == []


def test_an_email_not_yet_sent_is_never_sent_after_erasure(mail_app, smtp_server):
    from app.services.mail.delivery import deliver_pending
    from app.services.mail.outbox import retry_failed

    event = make_event()
    registration = enrol_now(event, AMINA)
    assert smtp_server.inbox.to(AMINA.email)  # the confirmation went out
    # Another email to her, still waiting in the outbox (as when the worker is behind).
    message = db.session.scalars(sa.select(Message).where(Message.registration_id == registration.id)).first()
    message.status = MessageStatus.QUEUED
    db.session.commit()
    smtp_server.inbox.clear()

    personal_data.erase_delegate(delegate_of(AMINA))
    db.session.expire_all()
    assert db.session.get(Message, message.id).last_error == personal_data.UNSENT_NOTE
    retry_failed()
    deliver_pending()

    # At most the confirmation that her upcoming registration is cancelled, never the waiting one.
    assert {m["Subject"] for m in smtp_server.inbox.messages} <= {f"Registration cancelled: {event.title}"}
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    # "Retry failed" queued it again; having no bytes to send, the worker refused it once more.
    assert (message.status, message.to_address) == (MessageStatus.FAILED, personal_data.REDACTED_ADDRESS)


def test_erasure_is_one_transaction(app):
    """Her upcoming seat cancelled, the waiting list moved up and everything anonymised
    commit together, or nothing does."""
    app.config["OUTBOX_KICK"] = False  # the worker's commits, inline in tests, are not the erasure's
    event = make_event(capacity=1)
    enrol_now(event, AMINA)
    dawit = enrol_now(event, DAWIT)  # waiting behind her
    with commits() as committed:
        erased = personal_data.erase_delegate(delegate_of(AMINA))
    assert committed == [1]
    assert (erased.registrations, erased.cancelled) == (1, 1)
    assert db.session.get(Registration, dawit.id).status == RegistrationStatus.CONFIRMED


def test_after_erasure_no_email_reaches_the_person_not_even_the_cancellation(mail_app, smtp_server):
    """The confirmation of her cancelled seat is emptied in the unit of work that wrote it:
    the worker, asked once it commits, sends the next person their seat and her nothing."""
    event = make_event(capacity=1)
    enrol_now(event, AMINA)
    enrol_now(event, DAWIT)
    smtp_server.inbox.clear()

    personal_data.erase_delegate(delegate_of(AMINA))

    assert smtp_server.inbox.to(AMINA.email) == []
    [seat] = smtp_server.inbox.messages
    assert seat["To"].endswith(f"<{DAWIT.email}>") and seat["Subject"] == f"A seat is yours: {event.title}"


def test_erasure_finds_the_person_in_the_audit_log_whatever_the_case(app):
    """The scrubber replaces names ignoring case; the search for the entries to scrub must too (on
    PostgreSQL, LIKE minds case)."""
    enrol_now(make_event(), AMINA)
    shouted = audit.record("test.note", summary=f"Call {AMINA.name.upper()} back")
    db.session.commit()
    personal_data.erase_delegate(delegate_of(AMINA))
    db.session.commit()
    summary = db.session.get(AuditEntry, shouted.id).summary
    assert AMINA.name.lower() not in summary.lower()
    assert summary == f"Call {personal_data.ERASED_MARK} back"
