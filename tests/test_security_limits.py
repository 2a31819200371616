"""Rate limits on the public forms and the manage links, and the 429 page that says when to retry."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message, Registration
from app.services.links import manage_token
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, delegate_form, make_event

LIMITS = {
    "REGISTRATION_RATE_LIMIT": "4 per minute",
    "REGISTRATION_EMAIL_RATE_LIMIT": "2 per hour",
    "MANAGE_RATE_LIMIT": "5 per minute",
}


@pytest.fixture
def app_config(request):
    return getattr(request, "param", LIMITS)


def registrations_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def messages_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def post(client, url: str, token: str, **overrides):
    return client.post(url, data={"csrf_token": token, **delegate_form(**overrides)})


def assert_retry_page(response, at_most: int) -> None:
    assert response.status_code == 429
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= at_most
    text = response.get_data(as_text=True)
    assert "Too many requests" in text
    assert "Please try again in" in text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_registration_posts_are_limited_per_address(app, client):
    event = make_event()
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    for _ in range(4):
        assert post(client, url, token, name="").status_code == 400  # wrong forms count too
    response = post(client, url, token, email="late.comer@example.org")
    assert_retry_page(response, at_most=60)
    assert registrations_count() == 0 and messages_count() == 0
    assert client.get(url).status_code == 200  # reading the form is not limited


@pytest.mark.parametrize(
    "app_config", [{**LIMITS, "REGISTRATION_RATE_LIMIT": "100 per minute"}], indirect=True
)
def test_registrations_are_limited_per_email_across_events(app, client):
    events = [make_event(title) for title in ("Prevention", "Protection", "Prosecution")]
    urls = [f"/events/{event.id}/register" for event in events]
    token = csrf_token(client, urls[0])

    # Corrections of a wrong form do not count: only what registers (or sends an email) does.
    for _ in range(3):
        assert post(client, urls[0], token, email="Amina.Yusuf@Example.org ", country="").status_code == 400
    assert post(client, urls[0], token).status_code == 302
    assert post(client, urls[1], token, email=" AMINA.YUSUF@example.org").status_code == 302
    before = (registrations_count(), messages_count())

    response = post(client, urls[2], token, email="amina.yusuf@example.org")
    assert_retry_page(response, at_most=3600)
    assert (registrations_count(), messages_count()) == before

    assert post(client, urls[2], token, email="samuel.tesfaye@example.org").status_code == 302


def test_the_series_form_shares_the_limits(app, client):
    from tests.conftest import make_series

    series = make_series()
    make_event("Prevention", series=series)
    url = f"/series/{series.id}/register"
    token = csrf_token(client, url)
    for _ in range(4):
        assert post(client, url, token).status_code == 400  # no event chosen
    assert client.post(url, data={"csrf_token": token, **delegate_form()}).status_code == 429


def test_manage_links_are_limited_per_address_across_their_pages(app, client):
    event = make_event()
    registration = registrations.register(
        event, Applicant(email="amina.yusuf@example.org", name="Amina")
    ).registration
    base = f"/registrations/manage/{manage_token(registration)}"
    for url in (base, f"{base}/cancel", base, "/registrations/manage/guessed-token", f"{base}/calendar.ics"):
        assert client.get(url).status_code in (200, 404)
    assert_retry_page(client.get(f"{base}/cancel"), at_most=60)
    assert_retry_page(client.get("/registrations/manage/another-guess"), at_most=60)


@pytest.mark.parametrize("app_config", [{}], indirect=True)
def test_the_test_configuration_switches_them_off(app, client):
    event = make_event(capacity=None)
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    statuses = {post(client, url, token, email=f"delegate{n}@example.org").status_code for n in range(25)}
    assert statuses == {302}


@pytest.mark.parametrize("app_config", [{**LIMITS, "REGISTRATION_RATE_LIMIT": "off"}], indirect=True)
def test_a_limit_can_be_switched_off_alone(app, client):
    event = make_event(capacity=None)
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    assert {post(client, url, token, name="").status_code for _ in range(8)} == {400}


def test_the_sign_in_limit_shows_the_same_page(app, client):
    from tests.conftest import sign_in

    for _ in range(5):
        assert sign_in(client, "nobody@secretariat.example.org", "wrong").status_code == 400
    assert_retry_page(sign_in(client, "nobody@secretariat.example.org", "wrong"), at_most=60)


# --- limits that cannot be turned against someone -------------------------------------------------

VICTIM = "amina.yusuf@example.org"
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def post_from(client, where: dict, url: str, **overrides):
    token = csrf_token(client, url)  # each visitor's own session and token
    return client.post(url, data={"csrf_token": token, **delegate_form(**overrides)}, environ_base=where)


@pytest.mark.parametrize(
    "app_config", [{**LIMITS, "REGISTRATION_RATE_LIMIT": "100 per minute"}], indirect=True
)
def test_someone_posting_an_address_cannot_stop_its_owner_registering(app):
    events = [make_event(title) for title in ("Prevention", "Protection", "Prosecution")]
    attacker = app.test_client()
    for event in events[:2]:  # registers the victim twice: two confirmations went to her
        assert post_from(attacker, ATTACKER, f"/events/{event.id}/register").status_code == 302
    assert_retry_page(post_from(attacker, ATTACKER, f"/events/{events[2].id}/register"), at_most=3600)

    # The victim, from her own browser and address, registers.
    victim = app.test_client()
    assert post_from(victim, ELSEWHERE, f"/events/{events[2].id}/register").status_code == 302
    assert registrations_count() == 3


@pytest.mark.parametrize(
    "app_config",
    [{**LIMITS, "REGISTRATION_RATE_LIMIT": "off", "REGISTRATION_EMAIL_RATE_LIMIT": "off"}],
    indirect=True,
)
def test_an_address_gets_few_repeated_notices_however_many_ask(app):
    events = [make_event(title) for title in ("Prevention", "Protection", "Prosecution", "Partnership")]
    for event in events:
        registrations.register(event, Applicant(email=VICTIM, name="Amina"))
    before = messages_count()
    # From four addresses, each event asked again: one notice per registration would be four.
    for n, event in enumerate(events):
        visitor = app.test_client()
        response = post_from(visitor, {"REMOTE_ADDR": f"192.0.2.{n + 1}"}, f"/events/{event.id}/register")
        assert response.status_code == 302  # the same neutral answer, sent or not
    assert messages_count() - before == 3  # LINK_EMAILS_PER_HOUR


def test_failed_sign_ins_from_elsewhere_do_not_lock_the_administrator_out(app):
    from tests.conftest import PASSWORD, make_account, sign_in

    admin = make_account("admin")
    attacker = app.test_client()
    for _ in range(5):
        assert sign_in(attacker, admin.email, "guess", environ_base=ATTACKER).status_code == 400
    assert_retry_page(sign_in(attacker, admin.email, PASSWORD, environ_base=ATTACKER), at_most=60)

    assert sign_in(app.test_client(), admin.email, PASSWORD, environ_base=ELSEWHERE).status_code == 302


@pytest.mark.parametrize("app_config", [{"LOGIN_ADDRESS_FAILURE_LIMIT": "8 per minute"}], indirect=True)
def test_failed_sign_ins_are_limited_per_client_address_across_accounts(app, client):
    from tests.conftest import sign_in

    for n in range(8):
        assert sign_in(client, f"person{n}@secretariat.example.org", "guess").status_code == 400
    assert_retry_page(sign_in(client, "someone@secretariat.example.org", "guess"), at_most=60)


@pytest.mark.parametrize(
    "app_config",
    [{"LOGIN_ACCOUNT_SLOWDOWN": "4 per 15 minutes", "LOGIN_ACCOUNT_DELAY_SECONDS": 0.6}],
    indirect=True,
)
def test_an_account_failing_from_many_addresses_is_slowed_down_not_refused(app):
    import time

    from tests.conftest import PASSWORD, make_account, sign_in

    admin = make_account("admin")
    owner = app.test_client()
    for n in range(4):  # a guess from each of four addresses: no address reaches its limit
        assert (
            sign_in(
                app.test_client(), admin.email, "guess", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
            ).status_code
            == 400
        )

    # A lower bound only (a wait is never shorter, however loaded the machine): slowed down.
    started = time.monotonic()
    assert sign_in(owner, admin.email, PASSWORD, environ_base=ELSEWHERE).status_code == 302
    assert time.monotonic() - started >= 0.6


# --- what the limits' storage holds ---------------------------------------------------------------

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


def redis_answers() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


def limit_every_kind_of_request_with(app, email: str) -> None:
    """A registration by form and by API, and a failed sign-in, all with `email`."""
    from tests.conftest import sign_in
    from tests.test_api import body

    client = app.test_client()
    event = make_event(capacity=None)
    assert (
        post(
            client,
            f"/events/{event.id}/register",
            csrf_token(client, f"/events/{event.id}/register"),
            email=email,
        ).status_code
        == 302
    )
    assert (
        client.post(f"/api/v1/events/{event.id}/registrations", json=body(email=email.upper())).status_code
        == 202
    )
    assert sign_in(client, email, "guess").status_code == 400


KEY_CONFIG = {**LIMITS, "API_RATELIMIT_ENABLED": True}


def test_the_limits_keys_hold_no_email_address_in_memory(tmp_path):
    from app.extensions import limiter
    from app.rate_limits import keyed
    from tests.conftest import make_app, with_fresh_database

    for app in with_fresh_database(make_app(tmp_path, **KEY_CONFIG)):
        limit_every_kind_of_request_with(app, VICTIM)
        keys = list(limiter.storage.storage)
        assert not [key for key in keys if "amina" in key.lower() or "example.org" in key.lower()]
        assert len([key for key in keys if keyed(VICTIM) in key]) >= 3  # form, API, sign-in


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1:6379")
def test_the_limits_keys_hold_no_email_address_in_redis(tmp_path):
    import uuid

    import redis

    from app.rate_limits import keyed
    from tests.conftest import make_app, with_fresh_database

    prefix = f"plenary-test-{uuid.uuid4().hex}"
    config = {**KEY_CONFIG, "RATELIMIT_STORAGE_URI": REDIS_TEST_URL, "RATELIMIT_KEY_PREFIX": prefix}
    store = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        for app in with_fresh_database(make_app(tmp_path, **config)):
            limit_every_kind_of_request_with(app, VICTIM)
            keys = [key.decode() for key in store.scan_iter(match=f"*{prefix}*")]
            assert not [key for key in keys if "amina" in key.lower() or "example.org" in key.lower()]
            assert len([key for key in keys if keyed(VICTIM) in key]) >= 3  # form, API, sign-in
    finally:
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)
        store.close()
