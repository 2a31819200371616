"""Managing registrations in the console: the table of an event or a series, its actions
(single and bulk), a registration added or corrected by hand, and the capacity raised."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceSource,
    AuditEntry,
    Delegate,
    Event,
    Mailout,
    MailoutKind,
    MailoutStatus,
    Message,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, make_event, make_series, submit

CONFIRMED, WAITLISTED, PENDING = (
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.PENDING,
)
CANCELLED, REJECTED = RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED
NAME_CELL = re.compile(r'<td><a href="/console/registrations/\d+">([^<]*)</a></td>')


# --- helpers ---------------------------------------------------------------------------


def applicant(email: str, name: str, **fields) -> Applicant:
    fields.setdefault("organisation", "Ministry of Labour and Social Affairs")
    fields.setdefault("organisation_kind", OrganisationKind.MEMBER_STATE)
    fields.setdefault("country", "ET")
    return Applicant(email=email, name=name, **fields)


def register(event: Event, name: str, email: str | None = None, **fields) -> Registration:
    email = email or f"{name.lower().replace(' ', '.')}@example.org"
    return service.register(event, applicant(email, name, **fields)).registration


def fresh(registration: Registration) -> Registration:
    db.session.rollback()  # the request committed in its own transaction
    return db.session.get(Registration, registration.id)


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return unescape(response.get_data(as_text=True))


def names_on(client, url: str) -> list[str]:
    return [unescape(name) for name in NAME_CELL.findall(client.get(url).get_data(as_text=True))]


def kinds_for(registration: Registration) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Message.kind).where(Message.registration_id == registration.id).order_by(Message.id)
        )
    )


def audit_actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def token(client) -> str:
    return csrf_token(client, "/console/password")


def act(client, event: Event, action: str, *registrations, follow: bool = True, **data):
    """Tick registrations in the event's table and apply an action, as the bulk form does."""
    payload = {
        "csrf_token": token(client),
        "action": action,
        "ids": [str(getattr(r, "id", r)) for r in registrations],
        **data,
    }
    return client.post(
        f"/console/events/{event.id}/registrations/actions", data=payload, follow_redirects=follow
    )


def attend(registration: Registration, attended: bool = True, minutes: int = 75) -> None:
    fields = dict(
        event_id=registration.event_id,
        registration_id=registration.id,
        name=registration.name,
        source=AttendanceSource.ZOOM,
        attended=attended,
        minutes=minutes,
    )
    if hasattr(Attendance, "participant_key"):  # each participant once per event
        fields["participant_key"] = f"reg:{registration.id}"
    db.session.add(Attendance(**fields))
    db.session.commit()


@pytest.fixture
def partnership(app):
    """Partnership (30 June 2021 in the seeds) with four registrants of different kinds."""
    event = make_event("Partnership", capacity=100)
    register(
        event,
        "Amina Yusuf",
        organisation="Ministry of Labour",
        country="ET",
        organisation_kind=OrganisationKind.MEMBER_STATE,
    )
    register(
        event,
        "Dawit Bekele",
        organisation="IOM",
        country="ER",
        organisation_kind=OrganisationKind.INTERNATIONAL_ORGANISATION,
    )
    register(
        event,
        "Chiara Rossi",
        organisation="Università di Bologna",
        country="IT",
        organisation_kind=OrganisationKind.ACADEMIA,
    )
    register(
        event,
        "Beatrice Otieno",
        organisation="HAART Kenya",
        country="KE",
        organisation_kind=OrganisationKind.NGO,
    )
    return event


def by_name(name: str) -> Registration:
    db.session.rollback()
    return db.session.scalars(sa.select(Registration).where(Registration.name == name)).one()


# --- reading the table -------------------------------------------------------------------


def test_the_table_lists_registrations_with_counts_per_status(console, partnership):
    service.cancel(by_name("Dawit Bekele"))
    body = page(console, f"/console/events/{partnership.id}/registrations")
    assert names_on(console, f"/console/events/{partnership.id}/registrations") == [
        "Beatrice Otieno",
        "Chiara Rossi",
        "Dawit Bekele",
        "Amina Yusuf",
    ]  # newest first
    assert "beatrice.otieno@example.org" in body
    assert re.search(r"<strong>4</strong> in all", body)
    assert re.search(r"<strong>3</strong> Confirmed", body)
    assert re.search(r"<strong>1</strong> Cancelled", body)
    assert re.search(r"<strong>0</strong> On the waiting list", body)
    assert "Export as CSV" in body and 'name="ids"' in body
    assert f'<a href="/console/events/{partnership.id}">Partnership</a>' in body  # back to the event


def test_a_viewer_reads_the_table_but_sees_no_action_and_no_export(signed_in, partnership):
    viewer = signed_in("viewer")
    body = page(viewer, f"/console/events/{partnership.id}/registrations")
    assert "Amina Yusuf" in body
    # Names and organisations, not contact details: a viewer writes to no one.
    assert "amina.yusuf@example.org" not in body
    assert 'name="ids"' not in body and "Export as CSV" not in body and "Add a registration" not in body
    assert "Change the capacity" not in body
    amina = by_name("Amina Yusuf")
    detail = page(viewer, f"/console/registrations/{amina.id}")
    assert "Amina Yusuf" in detail and "amina.yusuf@example.org" not in detail
    assert "Save changes" not in detail and "Reject" not in detail
    organiser = page(signed_in("organiser"), f"/console/registrations/{amina.id}")
    assert "amina.yusuf@example.org" in organiser
    assert viewer.get(f"/console/events/{partnership.id}/registrations.csv").status_code == 403
    assert viewer.get(f"/console/events/{partnership.id}/registrations/new").status_code == 403


def test_a_viewers_search_does_not_look_in_addresses(signed_in, partnership):
    """Else a search would tell a viewer an address, one letter at a time."""
    url = f"/console/events/{partnership.id}/registrations"
    viewer, organiser = signed_in("viewer"), signed_in("organiser")
    assert "Amina Yusuf" not in page(viewer, f"{url}?q=amina.yusuf@")
    assert "Amina Yusuf" in page(viewer, f"{url}?q=Amina")
    assert "Amina Yusuf" in page(organiser, f"{url}?q=amina.yusuf@")


def test_unknown_event_series_and_registration_are_404(console):
    assert console.get("/console/events/999/registrations").status_code == 404
    assert console.get("/console/series/999/registrations").status_code == 404
    assert console.get("/console/registrations/999").status_code == 404
    assert console.get("/console/events/999/registrations/new").status_code == 404
    assert console.get("/console/events/999/registrations.csv").status_code == 404


def test_sorting_by_each_column_both_ways(console, partnership):
    url = f"/console/events/{partnership.id}/registrations"
    assert names_on(console, f"{url}?sort=name&order=asc") == [
        "Amina Yusuf",
        "Beatrice Otieno",
        "Chiara Rossi",
        "Dawit Bekele",
    ]
    assert names_on(console, f"{url}?sort=name&order=desc")[0] == "Dawit Bekele"
    assert names_on(console, f"{url}?sort=email&order=asc")[0] == "Amina Yusuf"
    assert names_on(console, f"{url}?sort=organisation&order=asc") == [
        "Beatrice Otieno",
        "Dawit Bekele",
        "Amina Yusuf",
        "Chiara Rossi",
    ]
    assert names_on(console, f"{url}?sort=country&order=asc") == [
        "Dawit Bekele",
        "Amina Yusuf",
        "Chiara Rossi",
        "Beatrice Otieno",
    ]
    assert names_on(console, f"{url}?sort=registered&order=asc")[0] == "Amina Yusuf"
    service.cancel(by_name("Chiara Rossi"))
    assert names_on(console, f"{url}?sort=status&order=asc")[0] == "Chiara Rossi"  # cancelled < confirmed
    body = page(console, f"{url}?sort=name&order=asc")
    assert 'aria-sort="ascending"' in body


def test_search_is_case_insensitive_on_name_email_and_organisation(console, partnership):
    url = f"/console/events/{partnership.id}/registrations"
    assert names_on(console, f"{url}?q=AMINA") == ["Amina Yusuf"]
    assert names_on(console, f"{url}?q=dawit.bek") == ["Dawit Bekele"]
    assert names_on(console, f"{url}?q=haart") == ["Beatrice Otieno"]
    assert names_on(console, f"{url}?q=%25") == []  # a LIKE wildcard is searched as itself
    assert names_on(console, f"{url}?q=nobody") == []
    assert "No registration matches." in page(console, f"{url}?q=nobody")


def test_filters_by_status_country_kind_and_attendance(console, partnership):
    url = f"/console/events/{partnership.id}/registrations"
    service.cancel(by_name("Dawit Bekele"))
    attend(by_name("Amina Yusuf"))
    attend(by_name("Chiara Rossi"), attended=False, minutes=3)
    assert names_on(console, f"{url}?status=cancelled") == ["Dawit Bekele"]
    assert names_on(console, f"{url}?country=KE") == ["Beatrice Otieno"]
    assert names_on(console, f"{url}?kind=academia") == ["Chiara Rossi"]
    assert names_on(console, f"{url}?attended=yes") == ["Amina Yusuf"]
    absent = ["Beatrice Otieno", "Chiara Rossi", "Dawit Bekele"]  # no record, or too short a stay
    assert sorted(names_on(console, f"{url}?attended=no")) == absent
    assert names_on(console, f"{url}?status=confirmed&kind=member_state&attended=yes") == ["Amina Yusuf"]
    body = page(console, url)
    assert '<option value="KE">Kenya</option>' in body  # the countries present are offered
    assert "75 min" in body


def test_pagination_with_page_sizes_and_a_page_past_the_end(console, app):
    event = make_event("Steering Committee", capacity=None)
    for number in range(60):
        register(event, f"Delegate {number:02d}")
    url = f"/console/events/{event.id}/registrations?sort=name&order=asc&per_page=25"
    assert len(names_on(console, url)) == 25
    assert names_on(console, url + "&page=3") == [f"Delegate {n}" for n in range(50, 60)]
    body = page(console, url + "&page=2")
    assert "Page 2 of 3" in body and "Showing 26–50" in body and 'rel="next"' in body
    assert "per_page=25" in re.search(r'href="([^"]+)" rel="next"', body).group(1)
    past = page(console, url + "&page=9")
    assert "There is no such page." in past and "60 registrations found." in past
    assert names_on(console, url + "&page=9") == []
    assert len(names_on(console, url + "&page=abc")) == 25  # not a number: the first page
    assert page(console, url + "&page=99999999999999999999", 200)
    assert len(names_on(console, f"/console/events/{event.id}/registrations?per_page=100")) == 60


@pytest.mark.parametrize(
    "query",
    [
        "sort=password_hash",
        "status=approved",
        "order=sideways",
        "per_page=7",
        "per_page=many",
        "kind=government",
        "attended=maybe",
        "country=ethiopia",
        "q=" + "x" * 201,
        "q=%00",
    ],
)
def test_unknown_filters_and_sort_keys_are_400_and_ignored(console, partnership, query):
    body = page(console, f"/console/events/{partnership.id}/registrations?{query}", 400)
    assert "Please correct the following" in body
    assert len(names_on(console, f"/console/events/{partnership.id}/registrations?{query}")) == 4


def test_foreign_query_arguments_do_not_reach_the_links(console, partnership):
    body = page(console, f"/console/events/{partnership.id}/registrations?event_id=7&_external=1&sort=name")
    assert "event_id=7" not in body and "_external" not in body and "http://localhost" not in body


def test_the_series_table_lists_every_event_with_an_event_column(console, app):
    series = make_series()
    prevention = make_event("Prevention", series=series, starts_in=timedelta(days=10))
    partnership = make_event("Partnership", series=series, starts_in=timedelta(days=40))
    other = make_event("A meeting of another programme")
    register(prevention, "Amina Yusuf")
    register(partnership, "Dawit Bekele")
    register(other, "Someone Else")
    url = f"/console/series/{series.id}/registrations"
    body = page(console, url)
    assert sorted(names_on(console, url)) == ["Amina Yusuf", "Dawit Bekele"]
    assert '<th scope="col">Event</th>' in body and "<td>Prevention</td>" in body
    assert re.search(r"<strong>2</strong> in all", body)
    assert names_on(console, f"{url}?q=dawit") == ["Dawit Bekele"]
    assert "Add a registration" not in body  # added per event
    assert f'<a href="/console/series/{series.id}">' in body  # back to the series
    assert f'action="/console/series/{series.id}/registrations/actions' in body


@pytest.mark.slow  # about 2 s on SQLite, 9 s on PostgreSQL: 40,000 rows inserted
def test_a_page_of_20000_registrations_costs_a_fixed_number_of_statements(console, app):
    event = make_event("Thematic meeting", capacity=None)
    small = make_event("Small meeting", capacity=None)
    now = utcnow()
    total = 20_000
    db.session.execute(
        sa.insert(Delegate),
        [
            {
                "id": n,
                "email": f"delegate{n}@example.org",
                "name": f"Delegate {n}",
                "organisation": f"Organisation {n % 97}",
                "organisation_kind": OrganisationKind.NGO,
                "country": ("ET", "ER", "KE", "SD", "IT")[n % 5],
                "created_dt": now,
            }
            for n in range(1, total + 1)
        ],
    )
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "id": n,
                "event_id": event.id if n > 3 else small.id,
                "delegate_id": n,
                "status": (CONFIRMED, WAITLISTED, PENDING, CANCELLED)[n % 4],
                "consent_privacy_dt": now,
                "created_dt": now - timedelta(seconds=n),
                "status_changed_dt": now,
                "manage_key": f"key{n}",
                "answers": {},
                "name": f"Delegate {n}",
                "organisation": f"Organisation {n % 97}",
                "organisation_kind": OrganisationKind.NGO,
                "country": ("ET", "ER", "KE", "SD", "IT")[n % 5],
            }
            for n in range(1, total + 1)
        ],
    )
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def statements_for(url: str) -> int:
        statements.clear()
        assert console.get(url).status_code == 200
        return len(statements)

    url = f"/console/events/{event.id}/registrations"
    console.get(url)  # warm up
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = statements_for(f"{url}?per_page=25")
        big_page = statements_for(f"{url}?per_page=200&sort=name&order=asc")
        deep_page = statements_for(f"{url}?per_page=200&page=20&status=confirmed&q=DELEGATE")
        small_event = statements_for(f"/console/events/{small.id}/registrations")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert first == big_page == deep_page == small_event
    assert first <= 8
    body = page(console, f"{url}?per_page=200&page=50")
    assert "19997 registrations found." in body and "Page 50 of 100" in body
    assert len(names_on(console, f"{url}?per_page=200&page=100")) == 197


# --- actions, one at a time and in bulk ----------------------------------------------------


def test_approving_a_pending_registration_from_its_page(console, app):
    event = make_event(requires_approval=True)
    amina = register(event, "Amina Yusuf")
    detail = page(console, f"/console/registrations/{amina.id}")
    assert "Approve" in detail and 'name="action" value="approve"' in detail
    response = console.post(
        f"/console/events/{event.id}/registrations/actions",
        data={
            "csrf_token": token(console),
            "ids": amina.id,
            "action": "approve",
            "return_to": "registration",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/registrations/{amina.id}"
    assert fresh(amina).status == CONFIRMED
    assert kinds_for(amina) == ["registration_pending", "registration_confirmed"]
    assert "registration.approve" in audit_actions()
    assert "Approve: done for 1 registration." in page(console, f"/console/registrations/{amina.id}")


def test_bulk_approve_of_mixed_statuses_reports_what_failed_and_why(console, app):
    event = make_event(requires_approval=True, capacity=1)
    amina, dawit, chiara = (register(event, name) for name in ("Amina Yusuf", "Dawit Bekele", "Chiara Rossi"))
    service.reject(chiara)
    body = unescape(act(console, event, "approve", amina, dawit, chiara).get_data(as_text=True))
    # The job queue did it (at once, in the tests); its progress page tells what it did.
    assert "The action is being applied to 3 registrations by the job queue." in body
    assert "1 registration was not changed:" in body
    assert "Chiara Rossi: Only a registration awaiting approval" in body
    job = db.session.scalars(sa.select(Mailout)).one()
    assert (job.kind, job.status, job.written, job.total) == (
        MailoutKind.REGISTRATION_ACTION,
        MailoutStatus.DONE,
        2,
        3,
    )
    assert (fresh(amina).status, fresh(dawit).status, fresh(chiara).status) == (
        CONFIRMED,
        WAITLISTED,
        REJECTED,
    )
    assert kinds_for(amina)[-1] == "registration_confirmed"
    assert kinds_for(dawit)[-1] == "registration_waitlisted"  # approved, but no seat was left
    assert audit_actions().count("registration.approve") == 2


def test_reject_with_a_reason_tells_the_registrant(console, app):
    event = make_event(requires_approval=True)
    amina, dawit = register(event, "Amina Yusuf"), register(event, "Dawit Bekele")
    reason = "The meeting is for member states' focal points only."
    response = act(console, event, "reject", amina, dawit, reason=reason)
    assert response.status_code == 200
    assert fresh(amina).status == fresh(dawit).status == REJECTED
    db.session.rollback()
    message = db.session.scalars(
        sa.select(Message).where(Message.registration_id == amina.id, Message.kind == "registration_rejected")
    ).one()
    assert "focal points only" in message.body_text
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.reject")
    ).first()
    assert entry.details["reason"] == reason and entry.account_id == console.account.id


def test_moving_someone_from_the_waiting_list_ahead_of_order(console, app):
    event = make_event(capacity=1)
    register(event, "Amina Yusuf")
    first, second = register(event, "Dawit Bekele"), register(event, "Chiara Rossi")
    assert fresh(second).status == WAITLISTED
    body = unescape(act(console, event, "promote", second).get_data(as_text=True))
    assert "1 registration was not changed:" in body
    assert "No seat is free. Raise the capacity" in body
    assert fresh(second).status == WAITLISTED
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(capacity=2))
    db.session.commit()
    body = unescape(act(console, event, "promote", second).get_data(as_text=True))
    assert "1 registration was not changed:" not in body
    assert fresh(second).status == CONFIRMED and fresh(first).status == WAITLISTED
    assert kinds_for(second)[-1] == "registration_confirmed"
    db.session.rollback()
    assert db.session.get(Event, event.id).confirmed_count == 2
    assert "registration.promote" in audit_actions()


def test_cancelling_on_behalf_frees_the_seat_for_the_waiting_list(console, app):
    event = make_event(capacity=1)
    amina, dawit = register(event, "Amina Yusuf"), register(event, "Dawit Bekele")
    body = unescape(act(console, event, "cancel", amina).get_data(as_text=True))
    assert "The action is being applied to 1 registration by the job queue." in body
    assert fresh(amina).status == CANCELLED and fresh(dawit).status == CONFIRMED
    assert kinds_for(amina)[-1] == "registration_cancelled"
    assert kinds_for(dawit)[-1] == "registration_confirmed"
    assert "registration.cancel" in audit_actions()


def test_a_started_event_cannot_be_cancelled_from(console, app):
    event = make_event(starts_in=timedelta(hours=2), capacity=None)
    amina = register(event, "Amina Yusuf")
    db.session.execute(
        sa.update(Event).where(Event.id == event.id).values(start_dt=utcnow() - timedelta(minutes=5))
    )
    db.session.commit()
    body = unescape(act(console, event, "cancel", amina).get_data(as_text=True))
    assert "too late to cancel" in body
    assert fresh(amina).status == CONFIRMED
    assert "registration.cancel" not in audit_actions()


def test_resending_sends_the_email_of_the_current_status(console, app):
    event = make_event(capacity=1)
    amina, dawit = register(event, "Amina Yusuf"), register(event, "Dawit Bekele")
    chiara = register(event, "Chiara Rossi")
    service.cancel(chiara)
    body = unescape(act(console, event, "resend", amina, dawit, chiara).get_data(as_text=True))
    assert "1 registration was not changed:" in body
    assert "Chiara Rossi: A cancelled or rejected registration has no confirmation" in body
    assert kinds_for(amina) == ["registration_confirmed", "registration_confirmed"]
    assert kinds_for(dawit) == ["registration_waitlisted", "registration_waitlisted"]
    assert kinds_for(chiara) == ["registration_waitlisted", "registration_cancelled"]
    db.session.rollback()
    resent = db.session.scalars(
        sa.select(Message).where(Message.registration_id == amina.id).order_by(Message.id.desc())
    ).first()
    assert [a["filename"] for a in resent.attachments] == ["invitation.ics"]
    assert audit_actions().count("registration.resend") == 2


AMINA = "<amina's id>"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"action": "approve"}, "Tick at least one registration."),
        ({"action": "approve", "ids": "abc"}, "could not be read"),
        ({"action": "approve", "ids": str(2**40)}, "could not be read"),
        ({"action": "approve", "ids": "0"}, "could not be read"),
        ({"action": "delete", "ids": AMINA}, "Not a valid choice"),
        ({"action": "", "ids": AMINA}, "Choose an action."),
        ({"action": "reject", "ids": AMINA, "reason": "x" * 1001}, "Field cannot be longer than 1000"),
        ({"action": "approve", "ids": AMINA, "return_to": "https://evil.example"}, "Invalid value"),
        ({"action": "reject", "ids": AMINA, "reason": "no\x00way"}, "characters that are not allowed"),
    ],
)
def test_bad_bulk_forms_are_400_and_change_nothing(console, app, data, why):
    event = make_event(requires_approval=True)
    amina = register(event, "Amina Yusuf")
    payload = {key: str(amina.id) if value == AMINA else value for key, value in data.items()}
    response = console.post(
        f"/console/events/{event.id}/registrations/actions", data={"csrf_token": token(console), **payload}
    )
    assert response.status_code == 400
    assert why in unescape(response.get_data(as_text=True))
    assert fresh(amina).status == PENDING
    assert kinds_for(amina) == ["registration_pending"]


def test_unknown_ids_and_ids_of_another_event_refuse_the_whole_action(console, app):
    event, other = make_event(requires_approval=True), make_event("Other", requires_approval=True)
    amina, dawit = register(event, "Amina Yusuf"), register(other, "Dawit Bekele")
    for ids in ([amina.id, 999999], [amina.id, dawit.id], [dawit.id]):
        response = act(console, event, "approve", *ids)
        assert response.status_code == 400
        assert "not in this list. Nothing was changed." in response.get_data(as_text=True)
    assert fresh(amina).status == PENDING and fresh(dawit).status == PENDING
    assert "registration.approve" not in audit_actions()


def test_a_series_bulk_action_reaches_every_event_of_the_series_only(console, app):
    series = make_series()
    prevention = make_event("Prevention", series=series, requires_approval=True)
    protection = make_event("Protection", series=series, requires_approval=True)
    outside = make_event("Outside", requires_approval=True)
    amina, dawit = register(prevention, "Amina Yusuf"), register(protection, "Dawit Bekele")
    stranger = register(outside, "Someone Else")
    url = f"/console/series/{series.id}/registrations/actions"
    refused = console.post(
        url, data={"csrf_token": token(console), "ids": [amina.id, stranger.id], "action": "approve"}
    )
    assert refused.status_code == 400
    response = console.post(
        url, data={"csrf_token": token(console), "ids": [amina.id, dawit.id], "action": "approve"}
    )
    # One job for each event of the series; the first one's progress is shown.
    jobs = db.session.scalars(sa.select(Mailout).order_by(Mailout.id)).all()
    assert {job.event_id for job in jobs} == {prevention.id, protection.id}
    assert response.status_code == 303 and response.headers["Location"] == f"/console/mailouts/{jobs[0].id}"
    assert fresh(amina).status == fresh(dawit).status == CONFIRMED
    assert fresh(stranger).status == PENDING


def test_missing_csrf_and_viewer_posts_change_nothing(console, signed_in, app):
    event = make_event(requires_approval=True)
    amina = register(event, "Amina Yusuf")
    url = f"/console/events/{event.id}/registrations/actions"
    assert console.post(url, data={"ids": amina.id, "action": "approve"}).status_code == 400
    viewer = signed_in("viewer")
    data = {"csrf_token": token(viewer), "ids": amina.id, "action": "approve"}
    assert viewer.post(url, data=data).status_code == 403
    assert viewer.post(f"/console/events/{event.id}/registrations/capacity", data=data).status_code == 403
    assert viewer.post(f"/console/registrations/{amina.id}", data=data).status_code == 403
    assert (
        console.post(
            "/console/events/999/registrations/actions", data={**data, "csrf_token": token(console)}
        ).status_code
        == 404
    )
    assert fresh(amina).status == PENDING


def test_an_action_on_the_whole_list_acts_on_what_its_filters_show_on_every_page(console, app):
    event = make_event(capacity=1)
    amina = register(event, "Amina Yusuf")
    waiting = [register(event, f"Delegate {n}") for n in range(3)]
    url = f"/console/events/{event.id}/registrations/actions?status=waitlisted&per_page=25&page=1"
    response = console.post(url, data={"csrf_token": token(console), "everyone": "y", "action": "resend"})
    job = db.session.scalars(sa.select(Mailout)).one()
    assert response.status_code == 303 and response.headers["Location"] == f"/console/mailouts/{job.id}"
    assert (job.written, job.params["ids"]) == (3, [r.id for r in waiting])
    assert kinds_for(amina) == ["registration_confirmed"]  # not waiting: not in the list
    assert all(kinds_for(r) == ["registration_waitlisted"] * 2 for r in waiting)


def test_one_registration_acted_on_from_its_page_is_changed_in_the_request(console, app):
    event = make_event(capacity=1)
    amina = register(event, "Amina Yusuf")
    response = act(console, event, "cancel", amina, return_to="registration")
    assert "Cancel on their behalf: done for 1 registration." in unescape(response.get_data(as_text=True))
    assert fresh(amina).status == CANCELLED
    assert db.session.scalars(sa.select(Mailout)).all() == []


# --- correcting the details ---------------------------------------------------------------


def edit_form(registration: Registration, **overrides) -> dict:
    data = {
        "name": registration.name,
        "organisation": registration.organisation,
        "organisation_kind": registration.organisation_kind.value,
        "country": registration.country,
        "job_title": registration.job_title,
        "language": registration.language,
        "version": str(registration.version),
    }
    data.update(overrides)
    return data


def test_correcting_details_saves_bumps_the_version_and_tells_the_registrant(console, app):
    event = make_event()
    amina = register(event, "Amina Yusuf")
    url = f"/console/registrations/{amina.id}"
    assert 'name="version" type="hidden" value="1"' in page(console, url)
    response = submit(console, url, edit_form(amina, name="Amina Yusuf Ali", job_title="Director"))
    assert response.status_code == 302
    changed = fresh(amina)
    assert (changed.name, changed.job_title, changed.version) == ("Amina Yusuf Ali", "Director", 2)
    assert changed.delegate.name == "Amina Yusuf Ali"
    assert kinds_for(amina)[-1] == "registration_changed"
    assert "registration.edit" in audit_actions()


def test_an_edit_from_a_stale_form_is_refused_with_409(console, signed_in, app):
    event = make_event()
    amina = register(event, "Amina Yusuf")
    url = f"/console/registrations/{amina.id}"
    stale = edit_form(amina)  # opened at version 1
    other = signed_in("organiser")
    assert submit(other, url, edit_form(amina, job_title="Adviser")).status_code == 302
    response = submit(console, url, {**stale, "name": "Amina Y."})
    assert response.status_code == 409
    assert "Someone changed this registration after you opened it" in unescape(
        response.get_data(as_text=True)
    )
    changed = fresh(amina)
    assert (changed.name, changed.job_title, changed.version) == ("Amina Yusuf", "Adviser", 2)


def test_a_delegates_own_change_also_makes_an_organisers_form_stale(console, app):
    event = make_event()
    amina = register(event, "Amina Yusuf")
    stale = edit_form(amina)
    service.update_details(amina, applicant(amina.email, "Amina Y."))
    assert submit(console, f"/console/registrations/{amina.id}", stale).status_code == 409


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Amina\r\nBcc: everyone@example.org"},
        {"country": "XX"},
        {"organisation_kind": "government"},
        {"version": "abc"},
        {"version": ""},
        {"version": str(2**40)},
    ],
)
def test_bad_edits_are_400_and_change_nothing(console, app, overrides):
    event = make_event()
    amina = register(event, "Amina Yusuf")
    response = submit(console, f"/console/registrations/{amina.id}", edit_form(amina, **overrides))
    assert response.status_code == 400
    assert fresh(amina).name == "Amina Yusuf" and fresh(amina).version == 1


# --- adding a registration by hand ------------------------------------------------------------


def hand_form(**overrides) -> dict:
    data = {
        "email": "Hiwot.Tesfaye@Example.org",
        "name": "Hiwot Tesfaye",
        "organisation": "Ministry of Foreign Affairs",
        "organisation_kind": "member_state",
        "country": "ET",
        "job_title": "Counsellor",
        "language": "fr",
        "consent_privacy": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_organiser_adds_a_registration_by_hand_even_after_registration_closed(console, app):
    event = make_event(registration_closes_dt=utcnow() - timedelta(days=1))
    url = f"/console/events/{event.id}/registrations/new"
    response = submit(console, url, hand_form())
    assert response.status_code == 302
    hiwot = by_name("Hiwot Tesfaye")
    assert hiwot.status == CONFIRMED and hiwot.email == "hiwot.tesfaye@example.org"
    assert hiwot.added_by_id == console.account.id and hiwot.language == "fr"
    assert kinds_for(hiwot) == ["registration_confirmed"]
    assert "registration.add" in audit_actions()
    assert "Hiwot Tesfaye is registered: Confirmed." in page(console, response.headers["Location"])


def test_added_by_hand_follows_capacity_and_approval(console, app):
    full = make_event("Full", capacity=1)
    register(full, "Amina Yusuf")
    assert submit(console, f"/console/events/{full.id}/registrations/new", hand_form()).status_code == 302
    assert by_name("Hiwot Tesfaye").status == WAITLISTED
    approval = make_event("With approval", requires_approval=True)
    form = hand_form(email="dawit@example.org", name="Dawit Bekele")
    assert submit(console, f"/console/events/{approval.id}/registrations/new", form).status_code == 302
    assert by_name("Dawit Bekele").status == PENDING
    assert kinds_for(by_name("Dawit Bekele")) == ["registration_pending"]


def test_adding_an_address_already_registered_is_refused_clearly(console, app):
    event = make_event()
    register(event, "Hiwot Tesfaye", "hiwot.tesfaye@example.org")
    response = submit(console, f"/console/events/{event.id}/registrations/new", hand_form(name="Someone"))
    assert response.status_code == 409
    assert "hiwot.tesfaye@example.org is already registered for this event (Confirmed)." in unescape(
        response.get_data(as_text=True)
    )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
    assert by_name("Hiwot Tesfaye").delegate.name == "Hiwot Tesfaye"


def test_a_cancelled_registration_can_be_added_again_and_a_cancelled_event_cannot(console, app):
    event = make_event()
    hiwot = register(event, "Hiwot Tesfaye", "hiwot.tesfaye@example.org")
    service.cancel(hiwot)
    assert submit(console, f"/console/events/{event.id}/registrations/new", hand_form()).status_code == 302
    assert fresh(hiwot).status == CONFIRMED
    cancelled = make_event("Cancelled meeting", is_cancelled=True)
    response = submit(console, f"/console/events/{cancelled.id}/registrations/new", hand_form())
    assert response.status_code == 409 and "The event is cancelled" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "not-an-address"},
        {"email": None},
        {"email": "a" * 250 + "@example.org"},
        {"name": "x" * 201},
        {"consent_privacy": None},
        {"country": "ZZ"},
        {"language": "xx"},
    ],
)
def test_bad_hand_registrations_are_400_and_register_nobody(console, app, overrides):
    event = make_event()
    response = submit(console, f"/console/events/{event.id}/registrations/new", hand_form(**overrides))
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


# --- capacity ---------------------------------------------------------------------------------


def test_raising_the_capacity_promotes_the_waiting_list_in_order(console, app):
    event = make_event(capacity=1)
    register(event, "Amina Yusuf")
    waiting = [register(event, name) for name in ("Dawit Bekele", "Chiara Rossi", "Beatrice Otieno")]
    url = f"/console/events/{event.id}/registrations"
    response = console.post(
        f"{url}/capacity", data={"csrf_token": token(console), "capacity": "3"}, follow_redirects=True
    )
    body = unescape(response.get_data(as_text=True))
    assert "The event now has 3 seats. 2 people on the waiting list are being moved" in body
    assert "Waiting list moved into the new seats" in body  # its progress page
    assert [fresh(r).status for r in waiting] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert kinds_for(waiting[0])[-1] == "registration_confirmed"
    assert "event.capacity" in audit_actions()
    assert "3 of 3 seats taken." in console.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("capacity", "status"), [("0", 409), ("-1", 400), ("lots", 400), ("", 400), ("100001", 400)]
)
def test_bad_capacities_change_nothing(console, app, capacity, status):
    event = make_event(capacity=2)
    register(event, "Amina Yusuf")
    register(event, "Dawit Bekele")
    response = console.post(
        f"/console/events/{event.id}/registrations/capacity",
        data={"csrf_token": token(console), "capacity": capacity},
    )
    assert response.status_code == status
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 2
    if status == 409:
        assert "2 seats are already taken" in unescape(response.get_data(as_text=True))


# --- through a real SMTP server ----------------------------------------------------------------


def test_approval_and_a_hand_registration_reach_the_registrants_inbox(mail_app, smtp_server):
    from tests.conftest import make_account, sign_in

    organiser = make_account("organiser")
    client = mail_app.test_client()
    assert sign_in(client, organiser.email).status_code == 302
    event = make_event("Partnership", requires_approval=True)
    amina = register(event, "Amina Yusuf", "amina.yusuf@example.org")
    assert act(client, event, "approve", amina, follow=False).status_code == 303  # to its progress
    subjects = [m["Subject"] for m in smtp_server.inbox.to("amina.yusuf@example.org")]
    assert subjects == ["Registration received: Partnership", "Registration approved: Partnership"]
    approved = smtp_server.inbox.to("amina.yusuf@example.org")[-1]
    assert any(part.get_filename() == "invitation.ics" for part in approved.iter_attachments())
    response = submit(client, f"/console/events/{event.id}/registrations/new", hand_form())
    assert response.status_code == 302
    received = smtp_server.inbox.to("hiwot.tesfaye@example.org")
    # In the language chosen for her (French), whatever the organiser's page is in.
    assert [m["Subject"] for m in received] == ["Inscription reçue\u00a0: Partnership"]
