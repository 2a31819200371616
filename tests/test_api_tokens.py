"""Organisers' API tokens: made and revoked in the console, stored hashed, scoped; and the
endpoints they open (registrations with cursor pages, status changes, reports, the mail log)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import AccountRole, ApiToken, ApiTokenScope, AuditEntry, Message, MessageStatus, Registration
from app.services.accounts import api_tokens as tokens
from app.services.registration.registrations import Applicant, register
from tests.conftest import csrf_token, make_account, make_event, make_series, submit
from tests.test_api import problem

API = "/api/v1"
TOKEN_RE = re.compile(r'<code id="new-token">(plenary_[A-Za-z0-9_\-]+)</code>')


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_token(role: str = "organiser", scope: str = "write") -> str:
    from app.services.accounts.api_tokens import create_token

    _token, plain = create_token(make_account(role), "Website", ApiTokenScope(scope))
    return plain


def person(number: int, **fields) -> Applicant:
    data = {
        "email": f"delegate{number}@example.org",
        "name": f"Delegate {number}",
        "organisation": "Ministry of Justice" if number % 2 else "UNHCR",
        "organisation_kind": "member_state" if number % 2 else "international_organisation",
        "country": "NL" if number % 2 else "CH",
    }
    data.update(fields)
    return Applicant(**data)


@pytest.fixture
def event(app):
    return make_event("Protection", capacity=3)


@pytest.fixture
def five(event):
    """Five registrations: three confirmed, two on the waiting list."""
    return [register(event, person(n)).registration.id for n in range(1, 6)]


# --- the console ------------------------------------------------------------------------------------


def test_an_organiser_creates_a_token_shown_once_and_stored_hashed(console):
    response = submit(console, "/console/api-tokens", {"name": "Secretariat website", "scope": "read"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    plain = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    token = db.session.scalars(sa.select(ApiToken)).one()
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.scope == ApiTokenScope.READ and token.account_id == console.account.id
    assert plain not in console.get("/console/api-tokens").get_data(as_text=True)
    assert db.session.scalars(sa.select(AuditEntry.action)).all()[-1] == "api_token.created"


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "Site", "scope": "admin"},
        {"name": "Line\nbreak", "scope": "write"},
    ],
)
def test_bad_token_forms_change_nothing(console, data):
    assert submit(console, "/console/api-tokens", data).status_code == 400
    assert db.session.scalars(sa.select(ApiToken)).all() == []


def test_no_token_without_csrf_or_for_a_viewer(console, signed_in):
    assert console.post("/console/api-tokens", data={"name": "Site", "scope": "read"}).status_code == 400
    viewer = signed_in("viewer")
    assert viewer.get("/console/api-tokens").status_code == 403
    assert db.session.scalars(sa.select(ApiToken)).all() == []


def test_revoking_a_token_closes_the_api_to_it(console, signed_in, event):
    from app.services.accounts.api_tokens import create_token

    token, plain = create_token(console.account, "Website", ApiTokenScope.READ)
    url = f"{API}/events/{event.id}/registrations"
    assert console.get(url, headers=bearer(plain)).status_code == 200
    revoke = f"/console/api-tokens/{token.id}/revoke"
    other = signed_in("organiser")  # not theirs to revoke
    assert (
        other.post(revoke, data={"csrf_token": csrf_token(other, "/console/api-tokens")}).status_code == 404
    )
    assert console.post(revoke).status_code == 400  # no CSRF token
    assert console.get(url, headers=bearer(plain)).status_code == 200
    response = console.post(revoke, data={"csrf_token": csrf_token(console, "/console/api-tokens")})
    assert response.status_code == 303
    problem(console.get(url, headers=bearer(plain)), 401, "unauthorized")
    assert "Revoked" in console.get("/console/api-tokens").get_data(as_text=True)


# --- authentication --------------------------------------------------------------------------------


def test_no_or_a_wrong_token_is_401(client, event):
    url = f"{API}/events/{event.id}/registrations"
    response = client.get(url)
    problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Bearer plenary_forged", "Basic dXNlcjpwYXNz", "plenary_x"):
        problem(client.get(url, headers={"Authorization": header}), 401, "unauthorized")


def test_a_disabled_account_or_a_lowered_role_takes_effect_at_once(client, five):
    plain = new_token("organiser", "write")
    token = db.session.scalars(sa.select(ApiToken)).one()
    url = f"{API}/registrations/{five[3]}/status"
    token.account.role = AccountRole.VIEWER
    db.session.commit()
    problem(client.post(url, json={"action": "promote"}, headers=bearer(plain)), 403, "forbidden")
    token.account.is_enabled = False
    db.session.commit()
    problem(client.get(f"{API}/messages", headers=bearer(plain)), 401, "unauthorized")


def test_a_read_token_cannot_change_anything(client, five):
    plain = new_token("organiser", "read")
    url = f"{API}/registrations/{five[3]}/status"
    problem(client.post(url, json={"action": "promote"}, headers=bearer(plain)), 403, "forbidden")
    assert db.session.get(Registration, five[3]).status == "waitlisted"


def test_last_used_is_recorded(client, event):
    plain = new_token()
    client.get(f"{API}/events/{event.id}/registrations", headers=bearer(plain))
    assert db.session.scalars(sa.select(ApiToken)).one().last_used_dt is not None


def test_answers_with_personal_data_are_never_cached(client, five, event):
    plain = new_token(scope="read")
    for path in (f"/events/{event.id}/registrations", "/messages", f"/reports/events/{event.id}"):
        response = client.get(API + path, headers=bearer(plain))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_a_change_committed_while_the_token_is_checked_is_no_500(client, event, monkeypatch):
    """On SQLite, noting the token's use in the transaction that read it fails ("database is
    locked") when another request commits in between: another registration, say."""
    plain = new_token()

    def clock_while_another_request_writes():
        another_request_writes()
        return utcnow()

    monkeypatch.setattr(tokens, "utcnow", clock_while_another_request_writes)
    response = client.get(f"{API}/events/{event.id}/registrations", headers=bearer(plain))
    assert response.status_code == 200
    assert db.session.scalars(sa.select(ApiToken)).one().last_used_dt is not None


def another_request_writes() -> None:
    with db.engine.connect() as other:
        other.execute(sa.text("UPDATE account SET name = name || '.'"))
        other.commit()


def test_tokens_are_made_and_revoked_in_a_write_of_their_own(app):
    """As the console does: the signed-in account is read, then another request commits."""
    account = make_account("organiser")
    db.session.scalars(sa.select(ApiToken)).all()
    another_request_writes()
    token, _plain = tokens.create_token(account, "Website", ApiTokenScope.READ)
    db.session.scalars(sa.select(ApiToken)).all()
    another_request_writes()
    tokens.revoke_token(token, by=account)
    db.session.rollback()
    assert db.session.scalars(sa.select(ApiToken)).one().is_revoked
    assert [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))][-2:] == [
        "api_token.created",
        "api_token.revoked",
    ]


# --- registrations of an event ------------------------------------------------------------------------


def test_registrations_a_page_at_a_time(client, five, event):
    plain = new_token(scope="read")
    seen, cursor = [], None
    for _page in range(5):
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"{API}/events/{event.id}/registrations{query}", headers=bearer(plain)).get_json()
        seen += [row["id"] for row in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == five
    first = client.get(f"{API}/events/{event.id}/registrations", headers=bearer(plain)).get_json()["items"][0]
    assert first["email"] == "delegate1@example.org" and first["status"] == "confirmed"
    assert first["attended"] is False and first["minutes"] is None


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=waitlisted", 2),
        ("country=nl", 3),
        ("organisation_kind=international_organisation", 2),
        ("q=delegate3", 1),
        ("q=UNHCR", 2),
        ("attended=false", 5),
        ("attended=true", 0),
    ],
)
def test_registration_filters(client, five, event, query, count):
    plain = new_token(scope="read")
    answer = client.get(f"{API}/events/{event.id}/registrations?{query}", headers=bearer(plain)).get_json()
    assert len(answer["items"]) == count


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=gone", "status"),
        ("cursor=!!!", "cursor"),
        ("cursor=bm90LWEtbnVtYmVy", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=12345678901", "cursor"),
        ("country=n1", "country"),
        ("limit=0", "limit"),
        ("country=Netherlands", "country"),
        ("attended=perhaps", "attended"),
    ],
)
def test_bad_registration_queries(client, event, query, field):
    plain = new_token(scope="read")
    answer = problem(
        client.get(f"{API}/events/{event.id}/registrations?{query}", headers=bearer(plain)),
        422,
        "validation-error",
    )
    assert field in {error["field"] for error in answer["errors"]}


def test_registrations_of_an_unknown_event(client):
    plain = new_token(scope="read")
    problem(client.get(f"{API}/events/999/registrations", headers=bearer(plain)), 404, "not-found")


# --- changing a registration's status ------------------------------------------------------------------


def test_approve_reject_cancel_and_promote(client, app):
    plain = new_token()
    account = db.session.scalars(sa.select(ApiToken)).one().account
    approval = make_event("Approval", requires_approval=True, capacity=1)
    first, second = (register(approval, person(n)).registration.id for n in (1, 2))

    def change(registration_id: int, **data):
        return client.post(f"{API}/registrations/{registration_id}/status", json=data, headers=bearer(plain))

    response = change(first, action="approve")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"id": first, "event_id": approval.id, "status": "confirmed"}
    assert change(second, action="reject", reason="Member states only").get_json()["status"] == "rejected"
    problem(change(second, action="approve"), 409, "conflict")
    assert change(first, action="cancel").get_json()["status"] == "cancelled"
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries if e.action.startswith("registration.")] == [
        "registration.approve",
        "registration.reject",
        "registration.cancel",
    ]
    assert {e.account_id for e in entries if e.action.startswith("registration.")} == {account.id}
    rejected = db.session.scalars(sa.select(Message).where(Message.to_address == "delegate2@example.org"))
    assert len(rejected.all()) == 2  # awaiting approval, then not accepted


def test_promote_from_the_waiting_list(client, five):
    plain = new_token()
    url = f"{API}/registrations/{five[4]}/status"
    problem(client.post(url, json={"action": "promote"}, headers=bearer(plain)), 409, "conflict")  # full
    client.post(f"{API}/registrations/{five[0]}/status", json={"action": "cancel"}, headers=bearer(plain))
    # The freed seat went to the first in line; the last one is still waiting.
    assert db.session.get(Registration, five[3]).status == "confirmed"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "action"),
        ({"action": "delete"}, "action"),
        ({"action": "reject", "reason": "x" * 1001}, "reason"),
        ({"action": "reject", "reason": 5}, "reason"),
        ({"action": "approve", "by": 1}, "by"),
    ],
)
def test_bad_status_changes(client, five, data, field):
    plain = new_token()
    response = client.post(f"{API}/registrations/{five[3]}/status", json=data, headers=bearer(plain))
    assert field in {e["field"] for e in problem(response, 422, "validation-error")["errors"]}
    assert db.session.get(Registration, five[3]).status == "waitlisted"


def test_status_change_of_an_unknown_registration(client):
    plain = new_token()
    problem(
        client.post(f"{API}/registrations/999/status", json={"action": "cancel"}, headers=bearer(plain)),
        404,
        "not-found",
    )


# --- reports and the mail log ------------------------------------------------------------------------


def test_reports_with_registration_figures(client, five, event):
    plain = new_token(scope="read")
    report = client.get(f"{API}/reports/events/{event.id}", headers=bearer(plain)).get_json()
    assert report["figures"]["registered"] == 5
    assert report["figures"]["confirmed"] == 3 and report["figures"]["waitlisted"] == 2
    series = make_series()
    make_event("Prevention", series=series, starts_in=timedelta(days=5))
    answer = client.get(f"{API}/reports/series/{series.id}", headers=bearer(plain)).get_json()
    assert [m["title"] for m in answer["modules"]] == ["Prevention"]
    problem(client.get(f"{API}/reports/events/999", headers=bearer(plain)), 404, "not-found")
    problem(client.get(f"{API}/reports/series/999", headers=bearer(plain)), 404, "not-found")


def test_the_mail_log_newest_first_a_page_at_a_time(client, five, event):
    plain = new_token(scope="read")
    everything = client.get(f"{API}/messages?limit=500", headers=bearer(plain)).get_json()
    ids = [m["id"] for m in everything["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True) and everything["next_cursor"] is None
    first = client.get(f"{API}/messages?limit=3", headers=bearer(plain)).get_json()
    rest = client.get(
        f"{API}/messages?limit=3&cursor={first['next_cursor']}", headers=bearer(plain)
    ).get_json()
    assert [m["id"] for m in first["items"] + rest["items"]] == ids
    one = client.get(f"{API}/messages?q=delegate2", headers=bearer(plain)).get_json()["items"]
    assert [m["to_address"] for m in one] == ["delegate2@example.org"]
    assert "body" not in one[0] and "content" not in one[0]
    problem(client.get(f"{API}/messages?status=lost", headers=bearer(plain)), 422, "validation-error")
    # A NUL, which PostgreSQL refuses in text (Schemathesis found it).
    for query in ("kind=%00", "q=%00"):
        problem(client.get(f"{API}/messages?{query}", headers=bearer(plain)), 422, "validation-error")
    # Any cursor of digits is a place in the list, even past every id (beyond PostgreSQL's INTEGER).
    older = client.get(f"{API}/messages?cursor=9999999999", headers=bearer(plain)).get_json()
    assert [m["id"] for m in older["items"]] == ids
    later = client.get(f"{API}/events/{event.id}/registrations?cursor=9999999999", headers=bearer(plain))
    assert later.status_code == 200 and later.get_json() == {"items": [], "next_cursor": None}
    for query in ("country=%00%00", "q=a%00"):
        answer = client.get(f"{API}/events/{event.id}/registrations?{query}", headers=bearer(plain))
        problem(answer, 422, "validation-error")


# --- a token acts with its owner's current role, and sees what that role sees -----------------------


def demoted_token() -> str:
    """A read token of an organiser who has since become a viewer."""
    from app.services.accounts.accounts import change_account

    plain = new_token("organiser", "read")
    owner = db.session.scalars(sa.select(ApiToken)).one().account
    change_account(owner, role=AccountRole.VIEWER, is_enabled=True, by=make_account("admin"))
    return plain


def test_a_demoted_organisers_token_reads_no_address(client, five, event):
    plain = demoted_token()
    url = f"{API}/events/{event.id}/registrations"

    rows = client.get(url, headers=bearer(plain)).get_json()["items"]
    assert [row["name"] for row in rows] == [f"Delegate {n}" for n in range(1, 6)]
    assert {row["email"] for row in rows} == {None}
    # Nor can it find out an address by searching for it, letter by letter.
    assert client.get(f"{url}?q=delegate3@", headers=bearer(plain)).get_json()["items"] == []
    assert len(client.get(f"{url}?q=Delegate 3", headers=bearer(plain)).get_json()["items"]) == 1

    message = db.session.scalars(sa.select(Message).order_by(Message.id)).first()
    message.status = MessageStatus.FAILED
    message.last_error = "550 5.1.1 <delegate1@example.org>: unknown user"
    db.session.commit()
    answer = client.get(f"{API}/messages", headers=bearer(plain))
    assert answer.status_code == 200
    assert b"@example.org" not in answer.data
    items = answer.get_json()["items"]
    assert len(items) == 5 and {item["to_address"] for item in items} == {None}
    assert "550 5.1.1 <[address hidden]>: unknown user" in {item["last_error"] for item in items}
    assert client.get(f"{API}/messages?q=delegate2@", headers=bearer(plain)).get_json()["items"] == []


def test_an_organisers_token_reads_addresses(client, five, event):
    plain = new_token("organiser", "read")
    rows = client.get(f"{API}/events/{event.id}/registrations?q=delegate3@", headers=bearer(plain)).get_json()
    assert [row["email"] for row in rows["items"]] == ["delegate3@example.org"]
    items = client.get(f"{API}/messages?q=delegate2@", headers=bearer(plain)).get_json()["items"]
    assert [item["to_address"] for item in items] == ["delegate2@example.org"]


def test_a_disabled_owners_token_is_refused_everywhere(client, five, event):
    plain = new_token("organiser", "read")
    owner = db.session.scalars(sa.select(ApiToken)).one().account
    owner.is_enabled = False
    db.session.commit()
    for path in (f"/events/{event.id}/registrations", "/messages", f"/reports/events/{event.id}"):
        problem(client.get(API + path, headers=bearer(plain)), 401, "unauthorized")


def test_the_openapi_document_says_addresses_may_be_null(client):
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    for schema, field in (("RegistrationRow", "email"), ("Message", "to_address")):
        described = schemas[schema]["properties"][field]
        assert "null" in described["type"] and "viewer" in described["description"], (schema, described)
