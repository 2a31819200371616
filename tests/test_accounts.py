"""Organiser accounts: signing in and out, rate limits, sessions, invitations, the first admin."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from app.auth import SIGNED_IN_AT
from app.database import utcnow
from app.extensions import db
from app.models import Account, AccountRole, AuditEntry, Invitation
from app.services import audit
from app.services.accounts import accounts as service
from tests.conftest import PASSWORD, csrf_token, make_account, make_app, sign_in, submit, with_fresh_database

WRONG = "The email address or the password is not right."


def test_sign_in_and_out(app, client):
    account = make_account("organiser", "sara@secretariat.example.org")
    assert client.get("/console/").status_code == 302
    response = sign_in(client, "Sara@Secretariat.example.org ")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert "Organiser" in page and account.name in page
    assert db.session.get(Account, account.id).last_login_dt is not None
    response = client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/password")})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302


def replay(app, cookie: str):
    """A new browser presenting a captured session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser


def test_a_cookie_captured_before_sign_out_opens_nothing_after(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    assert sign_in(client, "sara@secretariat.example.org").status_code == 302
    captured = client.get_cookie("session").value
    assert replay(app, captured).get("/console/").status_code == 200  # a copy works while signed in
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "sara@secretariat.example.org").status_code == 302

    response = client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/password")})

    assert response.status_code == 302
    assert replay(app, captured).get("/console/").status_code == 302
    assert replay(app, captured).get("/console/accounts").status_code == 302
    # The account's sessions end together (one key per account): its other browsers too.
    assert elsewhere.get("/console/").status_code == 302
    assert sign_in(app.test_client(), "sara@secretariat.example.org").status_code == 302


def test_a_signed_in_session_taken_to_another_browser_is_dropped(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    firefox = {"User-Agent": "Firefox"}
    assert sign_in(client, "sara@secretariat.example.org", headers=firefox).status_code == 302
    assert client.get("/console/", headers=firefox).status_code == 200
    # The same cookie from another browser: the session is dropped, for good.
    assert client.get("/console/", headers={"User-Agent": "curl"}).status_code == 302
    assert client.get("/console/", headers=firefox).status_code == 302


def test_a_visitors_form_page_sets_only_the_session_cookie(app, client):
    from tests.conftest import make_event

    event = make_event()
    db.session.commit()
    response = client.get(f"/events/{event.id}/register")
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("session=")  # no remember-cookie clearing


def test_logout_needs_the_csrf_token(app, console):
    console.post("/console/logout")  # no token: refused, still signed in
    assert console.get("/console/").status_code == 200


def test_the_same_answer_for_an_unknown_address_and_a_wrong_password(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    unknown = sign_in(client, "nobody@secretariat.example.org")
    wrong = sign_in(client, "sara@secretariat.example.org", PASSWORD + "!")
    assert unknown.status_code == wrong.status_code == 400
    assert WRONG in unknown.text and WRONG in wrong.text
    strip = lambda text: re.sub(r'value="[^"]*"', "", text)  # noqa: E731 - tokens and typed email differ
    assert strip(unknown.text).replace("nobody", "sara") == strip(wrong.text)


def test_an_unknown_address_costs_as_much_hashing_as_a_wrong_password(app, monkeypatch):
    """How long a sign-in takes must not tell who has an account: every refused sign-in
    computes one scrypt hash of the accounts' cost, counted at hashlib's scrypt itself."""
    make_account("organiser", "sara@secretariat.example.org")
    gone = make_account("organiser", "gone@secretariat.example.org")
    gone.is_enabled = False
    db.session.commit()
    computed = []
    scrypt = hashlib.scrypt

    def counted_scrypt(*args, **kwargs):
        computed.append((kwargs["n"], kwargs["r"], kwargs["p"]))
        return scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted_scrypt)

    def hashes_of_a_refused_sign_in(email: str, password: str) -> list:
        computed.clear()
        assert sign_in(app.test_client(), email, password).status_code == 400
        return list(computed)

    unknown = hashes_of_a_refused_sign_in("nobody@secretariat.example.org", PASSWORD)
    wrong_password = hashes_of_a_refused_sign_in("sara@secretariat.example.org", PASSWORD + "!")
    disabled = hashes_of_a_refused_sign_in("gone@secretariat.example.org", PASSWORD)
    accounts_cost = tuple(int(n) for n in gone.password_hash.split("$")[0].split(":")[1:])
    assert unknown == wrong_password == disabled == [accounts_cost]


@pytest.mark.parametrize("email,password", [("", PASSWORD), ("sara@x.org", ""), ("x" * 300, PASSWORD)])
def test_malformed_sign_ins_are_refused(app, client, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_failed_sign_ins_are_limited_per_account_from_one_address(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    for _ in range(5):
        assert sign_in(client, "sara@secretariat.example.org", "wrong password").status_code == 400
    # Even the right password waits now, from this address...
    response = sign_in(client, "sara@secretariat.example.org")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get("/console/").status_code == 302
    # ...but not from an address that has not failed: failures cannot lock Sara out.
    other = app.test_client()
    assert (
        sign_in(other, "sara@secretariat.example.org", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 302
    )


def test_failed_sign_ins_are_limited_per_address(app, client):
    for attempt in range(20):  # LOGIN_ADDRESS_FAILURE_LIMIT, across accounts
        assert sign_in(client, f"guess{attempt}@secretariat.example.org").status_code == 400
    assert sign_in(client, "guess99@secretariat.example.org").status_code == 429


def test_successful_sign_ins_do_not_count(app):
    make_account("organiser", "sara@secretariat.example.org")
    for _ in range(7):
        client = app.test_client()
        assert sign_in(client, "sara@secretariat.example.org").status_code == 302


def test_only_local_console_paths_are_followed_after_sign_in(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    url = "/console/login?next=https://evil.example.com/"
    response = submit(client, url, {"email": "sara@secretariat.example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/console/"
    client2 = app.test_client()
    url = "/console/login?next=/console/accounts"
    response = submit(client2, url, {"email": "sara@secretariat.example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/console/accounts"


def test_a_session_ends_after_the_absolute_limit(app, console):
    assert console.get("/console/").status_code == 200
    with console.session_transaction() as session:
        session[SIGNED_IN_AT] -= 13 * 3600
    assert console.get("/console/").status_code == 302


def test_an_idle_session_expires(app, client):
    make_account("organiser", "sara@secretariat.example.org")
    assert sign_in(client, "sara@secretariat.example.org").status_code == 302
    idle_limit = int(app.permanent_session_lifetime.total_seconds())
    last_request_ago(app, client, idle_limit - 60)
    assert client.get("/console/").status_code == 200
    last_request_ago(app, client, idle_limit + 60)
    assert client.get("/console/").status_code == 302


def last_request_ago(app, client, seconds: int) -> None:
    """The client's session cookie as its last request, `seconds` ago, left it: Flask signs
    the cookie again at each request, and the idle limit is the signature's age. (Waiting
    out a limit of a second instead failed on a loaded machine.)"""
    name = app.config["SESSION_COOKIE_NAME"]
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(client.get_cookie(name).value)

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - seconds

    serializer.signer = Earlier
    client.set_cookie(name, serializer.dumps(session))


def test_production_cookies_are_secure(tmp_path):
    production = make_app(tmp_path, PLENARY_ENV="production", SECRET_KEY=secrets.token_urlsafe(32))
    for app in with_fresh_database(production):
        make_account("organiser", "sara@secretariat.example.org")
        client = app.test_client()
        page = client.get("/console/login", base_url="https://localhost")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        data = {"csrf_token": token, "email": "sara@secretariat.example.org", "password": PASSWORD}
        # Flask-WTF checks the Referer of HTTPS form posts.
        headers = {"Referer": "https://localhost/console/login"}
        response = client.post("/console/login", data=data, base_url="https://localhost", headers=headers)
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_as_scrypt_hashes(app):
    account = make_account("viewer")
    assert account.password_hash.startswith("scrypt:")
    assert PASSWORD not in account.password_hash


# --- invitations ---------------------------------------------------------------


def invite_link(inbox_message) -> str:
    body = inbox_message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/console/invitation/[A-Za-z0-9_\-]+)", body).group(1)


def test_an_admin_invites_an_organiser_by_email(mail_app, smtp_server):
    app = mail_app
    admin_account = make_account("admin", "chair@secretariat.example.org", "Ayla Chair")
    admin = app.test_client()
    sign_in(admin, admin_account.email)
    response = admin.post(
        "/console/accounts/invite",
        data={
            "csrf_token": csrf_token(admin, "/console/accounts"),
            "email": "New.Person@Example.org",
            "role": "organiser",
        },
    )
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.email == "new.person@example.org" and invitation.role == AccountRole.ORGANISER
    [message] = smtp_server.inbox.to("new.person@example.org")
    link = invite_link(message)
    assert "Ayla Chair" in message.get_body(preferencelist=("plain",)).get_content()
    # The token itself is never stored.
    assert link.rsplit("/", 1)[1] not in invitation.token_hash

    newcomer = app.test_client()
    response = submit(
        newcomer,
        link,
        {"name": "Noura Person", "password": "a long new password", "confirm": "a long new password"},
    )
    assert response.status_code == 302
    assert newcomer.get("/console/").status_code == 200
    account = db.session.scalar(sa.select(Account).where(Account.email == "new.person@example.org"))
    assert account.role == AccountRole.ORGANISER and account.name == "Noura Person"
    # The link works once.
    assert app.test_client().get(link).status_code == 404
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["account.create", "account.invite", "account.create"]


def test_an_expired_or_revoked_invitation_does_not_work(app):
    admin = make_account("admin")
    invitation = service.invite("late@example.org", AccountRole.VIEWER, admin)
    token = "unknown-token"
    assert app.test_client().get(f"/console/invitation/{token}").status_code == 404
    with pytest.raises(service.AccountError):
        service.accept_invitation(token, "Late", "a long new password")
    db.session.execute(sa.update(Invitation).values(expires_dt=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert service.usable_invitation(token) is None
    assert not db.session.get(Invitation, invitation.id).is_usable()


def test_a_weak_password_or_a_mismatch_is_refused_on_acceptance(app):
    import secrets

    admin = make_account("admin")
    token = secrets.token_urlsafe(32)
    from app.services.accounts.accounts import _token_hash

    db.session.add(
        Invitation(
            email="weak@example.org",
            role=AccountRole.VIEWER,
            token_hash=_token_hash(token),
            invited_by_id=admin.id,
            expires_dt=utcnow() + timedelta(days=1),
        )
    )
    db.session.commit()
    client = app.test_client()
    url = f"/console/invitation/{token}"
    assert submit(client, url, {"name": "W", "password": "short", "confirm": "short"}).status_code == 400
    assert (
        submit(
            client, url, {"name": "W", "password": "a long new password", "confirm": "another one!!"}
        ).status_code
        == 400
    )
    assert (
        submit(
            client, url, {"name": "", "password": "a long new password", "confirm": "a long new password"}
        ).status_code
        == 400
    )
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == 1


def test_inviting_an_existing_account_is_refused(app, signed_in):
    admin = signed_in("admin")
    token = csrf_token(admin, "/console/accounts")
    response = admin.post(
        "/console/accounts/invite",
        data={"csrf_token": token, "email": admin.account.email, "role": "viewer"},
    )
    assert response.status_code == 400
    assert "already exists" in response.text
    for bad in ({"email": "not an address", "role": "viewer"}, {"email": "a@example.org", "role": "emperor"}):
        response = admin.post("/console/accounts/invite", data={"csrf_token": token, **bad})
        assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


# --- admins manage accounts ----------------------------------------------------------


def test_an_admin_changes_a_role_and_the_person_is_signed_out(app, signed_in):
    admin = signed_in("admin")
    organiser = signed_in("organiser")
    url = f"/console/accounts/{organiser.account.id}"
    response = submit(admin, url, {"role": "viewer", "is_enabled": "y"})
    assert response.status_code == 302
    assert db.session.get(Account, organiser.account.id).role == AccountRole.VIEWER
    assert organiser.get("/console/").status_code == 302
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.update"))
    assert entry.actor == admin.account.email and entry.details["after"]["role"] == "viewer"


def test_an_admin_cannot_demote_or_delete_themselves(app, signed_in):
    admin = signed_in("admin")
    url = f"/console/accounts/{admin.account.id}"
    assert submit(admin, url, {"role": "viewer", "is_enabled": "y"}).status_code == 400
    assert db.session.get(Account, admin.account.id).role == AccountRole.ADMIN
    token = csrf_token(admin, url)
    admin.post(f"{url}/delete", data={"csrf_token": token})
    assert db.session.get(Account, admin.account.id) is not None


def test_deleting_an_account_keeps_its_audit_entries(app, signed_in):
    admin = signed_in("admin")
    other = make_account("viewer", "leaving@example.org")
    url = f"/console/accounts/{other.id}"
    token = csrf_token(admin, url)
    assert admin.post(f"{url}/delete", data={"csrf_token": token}).status_code == 302
    assert db.session.get(Account, other.id) is None
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.summary.like("leaving@%"))).all()
    assert {entry.action for entry in entries} == {"account.create", "account.delete"}
    page = admin.get("/console/audit?q=leaving").text
    assert "account.delete" in page and "leaving@example.org" in page


def test_unknown_accounts_are_404(app, signed_in):
    admin = signed_in("admin")
    assert admin.get("/console/accounts/999").status_code == 404
    assert admin.get("/console/audit?page=999").status_code == 200


def test_changing_ones_password_signs_out_other_sessions(app, signed_in):
    first = signed_in("organiser")
    second = app.test_client()
    sign_in(second, first.account.email)
    new = "another long password"
    response = submit(first, "/console/password", {"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert first.get("/console/").status_code == 200
    assert second.get("/console/").status_code == 302
    assert (
        submit(first, "/console/password", {"current": "wrong", "password": new, "confirm": new}).status_code
        == 400
    )


# --- the first admin, from the command line ----------------------------------------------


def test_create_admin_asks_for_the_password(app, runner):
    result = runner.invoke(
        args=["create-admin", "Head@Secretariat.example.org"],
        input="a strong passphrase\na strong passphrase\n",
    )
    assert result.exit_code == 0, result.output
    account = db.session.scalar(sa.select(Account))
    assert account.email == "head@secretariat.example.org" and account.role == AccountRole.ADMIN
    assert account.check_password("a strong passphrase")
    assert "a strong passphrase" not in result.output


@pytest.mark.parametrize(
    "email,password", [("not-an-address", "a strong passphrase"), ("a@example.org", "short")]
)
def test_create_admin_refuses_bad_input(app, runner, email, password):
    result = runner.invoke(args=["create-admin", email], input=f"{password}\n{password}\n")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == 0


@pytest.mark.parametrize("typed", ["%", "_"])
def test_audit_search_takes_wildcards_literally(app, signed_in, typed):
    """A `%` or `_` typed in the search is that character, not a LIKE wildcard matching anything."""
    admin = signed_in("admin")
    audit.record("test.note", summary=f"quota 100{typed} reached")
    audit.record("test.note", summary="an ordinary entry")
    db.session.commit()
    page = admin.get("/console/audit", query_string={"q": typed}).text
    assert f"quota 100{typed} reached" in page
    assert "an ordinary entry" not in page


def test_a_file_does_not_send_the_session_cookie_again(app, client):
    # A stylesheet or script answered after the browser dropped its session (signed out in
    # another tab, cookies cleared) must not put the old cookie back; and a response that sets
    # a cookie cannot be kept by a shared cache.
    make_account("organiser", "sara@secretariat.example.org")
    assert sign_in(client, "sara@secretariat.example.org").status_code == 302
    assert client.get("/console/").headers.getlist("Set-Cookie")  # pages keep the session alive

    # The browser asks for the icon after the page has loaded: the last answer of all.
    for path in ("/static/plenary.css", "/favicon.ico"):
        response = client.get(path)

        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == [], path
        assert "Cookie" not in response.headers.get("Vary", ""), path
