"""My registrations: one emailed link to the list of a person's registrations, where each opens
and the language of all changes at once; the form answers every address alike."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import Delegate, Message, MessageContent, Registration
from app.services import links
from app.services.privacy import personal_data
from tests.conftest import csrf_token, make_event, submit
from tests.test_manage_links import AMINA, NOT_VALID, emails_written, enrol, guarded_app  # noqa: F401

MINE = "/registrations/mine"
SENT = "/registrations/manage/resend/sent"
LIST_LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/registrations/mine/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def site(mail_app):
    return mail_app.test_client()


def ask(client, email: str, **extra):
    return submit(client, MINE, {"email": email, **extra})


def amina_s(what):
    return sa.select(what).join(Registration.delegate).where(Delegate.email == AMINA)


def list_path(email) -> str:
    text = email.get_body(preferencelist=("plain",)).get_content()
    match = LIST_LINK_RE.search(text)
    assert match, text
    return match.group(1)


def test_the_footer_and_the_manage_page_lead_to_it(mail_app, site):
    registration = enrol(make_event("Partnership"))
    assert f'href="{MINE}"' in site.get("/").get_data(as_text=True)
    manage = site.get(f"/registrations/manage/{links.manage_token(registration)}")
    assert f'href="{MINE}"' in manage.get_data(as_text=True)


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(mail_app, site, smtp_server):
    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    assert site.get(MINE).status_code == 200
    known = ask(site, " Amina.Yusuf@Example.org ")
    unknown = ask(mail_app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == SENT
    assert site.get(SENT).get_data() == mail_app.test_client().get(SENT).get_data()
    assert [m["To"] for m in smtp_server.inbox.messages] == [f"Amina Yusuf <{AMINA}>"]


def test_the_link_lists_all_and_only_the_persons_registrations(mail_app, site, smtp_server):
    prevention = make_event("Prevention", timezone="Africa/Addis_Ababa")
    protection = make_event("Protection", starts_in=timedelta(days=40))
    enrol(prevention)
    enrol(protection)
    enrol(make_event("Prosecution"), email="someone.else@example.org", name="Someone Else")
    smtp_server.inbox.clear()

    assert ask(site, AMINA).status_code == 303
    (email,) = smtp_server.inbox.to(AMINA)
    assert email["Subject"] == "Your registrations"
    path = list_path(email)
    assert "amina" not in path.lower()  # no address in clear

    page = site.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # The link is a password: kept out of caches and Referer headers, as a manage link.
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert text.index("Protection") < text.index("Prevention")  # the latest event first
    assert "Prosecution" not in text
    assert "(UTC+03:00)" in text  # Prevention's date in its own zone
    assert "Confirmed" in text
    mine = db.session.scalars(amina_s(Registration)).all()
    assert len(mine) == 2
    for registration in mine:
        assert f"/registrations/manage/{links.manage_token(registration)}" in text

    # The copy the database keeps holds no working link.
    content = db.session.scalars(
        sa.select(MessageContent).join(Message).where(Message.kind == "my_registrations")
    ).one()
    assert path not in content.body_text and path not in content.body_html
    assert path.encode() not in (content.mime or b"")


def test_the_language_of_all_changes_at_once(mail_app, site, smtp_server):
    enrol(make_event("Prevention"))
    enrol(make_event("Protection"))
    smtp_server.inbox.clear()
    ask(site, AMINA)
    path = list_path(smtp_server.inbox.to(AMINA)[0])

    response = site.post(path, data={"csrf_token": csrf_token(site, path), "language": "fr"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(amina_s(Registration.language)).all() == ["fr", "fr"]
    assert 'selected value="fr"' in site.get(path).get_data(as_text=True)

    bad = site.post(path, data={"csrf_token": csrf_token(site, path), "language": "xx"})
    assert bad.status_code == 400
    no_token = site.post(path, data={"language": "en"})
    assert no_token.status_code == 400
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(Registration.language))) == {"fr"}


def test_the_email_is_in_the_persons_language(mail_app, site, smtp_server):
    enrol(make_event("Partnership"), language="fr")
    smtp_server.inbox.clear()
    ask(site, AMINA)
    (email,) = smtp_server.inbox.to(AMINA)
    assert email["Subject"] == "Vos inscriptions"
    assert "24\u00a0heures" in email.get_body(preferencelist=("plain",)).get_content()


def forged(delegate, seconds_ago: int = 0) -> str:
    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=links.MY_REGISTRATIONS_SALT, signer=Earlier
    )
    return serializer.dumps([delegate.id, links._address_mark(delegate.email)])


def test_an_expired_forged_or_erased_link_is_refused(mail_app, site):
    registration = enrol(make_event("Partnership"))
    delegate = registration.delegate
    assert site.get(f"{MINE}/{forged(delegate)}").status_code == 200
    day = int(links.MY_REGISTRATIONS_LINK_LIFE.total_seconds())
    for token in (
        forged(delegate, seconds_ago=day + 60),  # expired
        forged(delegate)[:-3] + "abc",  # its signature changed
        "not-a-token",
    ):
        response = site.get(f"{MINE}/{token}")
        assert response.status_code == 404 and NOT_VALID in response.get_data(as_text=True)

    token = forged(delegate)
    personal_data.erase_delegate(delegate)
    erased = site.get(f"{MINE}/{token}")
    assert erased.status_code == 404 and "Partnership" not in erased.get_data(as_text=True)
    changed = site.post(f"{MINE}/{token}", data={"csrf_token": csrf_token(site, MINE), "language": "fr"})
    assert changed.status_code == 404
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).language == "en"


def test_one_email_of_either_kind_counts_against_the_same_share(mail_app, smtp_server):
    enrol(make_event("Partnership"))
    smtp_server.inbox.clear()
    for n in range(3):  # three visitors asking for the list: one email
        assert (
            ask(mail_app.test_client(), AMINA, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code
            == 303
        )
    assert len(smtp_server.inbox.to(AMINA)) == 1


def test_both_forms_share_one_limit_per_client(guarded_app, smtp_server):  # noqa: F811 - the fixture
    from tests.test_security_spam import stamp

    visitor = guarded_app.test_client()
    for url in ("/registrations/manage/resend", MINE, MINE):  # LINK_REQUEST_RATE_LIMIT: 3 a minute
        started = stamp(guarded_app, visitor, url, seconds_ago=20)
        data = {"csrf_token": csrf_token(visitor, url), "email": AMINA, "started": started}
        assert visitor.post(url, data=data).status_code == 303
    started = stamp(guarded_app, visitor, MINE, seconds_ago=20)
    limited = visitor.post(
        MINE, data={"csrf_token": csrf_token(visitor, MINE), "email": AMINA, "started": started}
    )
    assert limited.status_code == 429


def test_a_wrong_address_gets_a_clear_message_and_sends_nothing(mail_app, site, smtp_server):
    written = emails_written()
    for address in ("", "not an address"):
        response = ask(site, address)
        assert response.status_code == 400 and "Email" in response.get_data(as_text=True)
    assert emails_written() == written and smtp_server.inbox.messages == []
