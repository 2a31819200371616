"""The Zoom client against the stand-in: the S2S token, its expiry, rate limits, pages, 404."""

from __future__ import annotations

import pytest

from app.services.integrations import credentials
from app.services.integrations.http import NotAuthorised, NotFound, RateLimited, Retrying
from app.services.integrations.zoom import ZoomClient
from tests.standins.zoom import participant


@pytest.fixture
def waits():
    return []


@pytest.fixture
def client(app, zoom_standin, waits):
    return ZoomClient.from_app(Retrying(timeout=5, max_tries=5, max_wait=30, sleep=waits.append))


def token_calls(standin) -> int:
    return sum(1 for method, path in standin.calls if path == "/oauth/token")


def test_the_token_is_asked_once_and_kept(client, zoom_standin):
    zoom_standin.add_meeting("81234567890")
    client.meeting("81234567890")
    client.meeting("812 3456 7890")
    assert token_calls(zoom_standin) == 1


def test_an_expired_token_is_renewed_and_the_call_made_again(client, zoom_standin):
    zoom_standin.add_meeting("81234567890", topic="Return and reintegration")
    client.meeting("81234567890")
    zoom_standin.expire_tokens()
    assert client.meeting("81234567890")["topic"] == "Return and reintegration"
    assert token_calls(zoom_standin) == 2
    assert zoom_standin.calls.count(("GET", "/v2/webinars/81234567890")) == 3  # the 401 among them


def test_wrong_credentials_are_refused_without_retrying(app, zoom_standin, waits):
    zoom_standin.client_secret = "another-secret"
    try:
        client = ZoomClient.from_app(Retrying(sleep=waits.append))
        with pytest.raises(NotAuthorised) as refused:
            client.meeting("81234567890")
    finally:
        zoom_standin.client_secret = "secret-standin-0123456789"
    assert "another-secret" not in str(refused.value)
    assert token_calls(zoom_standin) == 1 and waits == []


def test_429_waits_as_retry_after_says(client, zoom_standin, waits):
    zoom_standin.add_meeting("81234567890")
    zoom_standin.rate_limited.extend(["3", None])
    assert client.meeting("81234567890")["kind"] == "webinar"
    assert waits == [3.0, 2.0]  # Retry-After, then backoff where Zoom sent none


def test_a_wait_longer_than_allowed_fails_the_call_for_the_queue_to_retry(client, zoom_standin, waits):
    zoom_standin.add_meeting("81234567890")
    zoom_standin.rate_limited.append("86400")  # the daily limit: tomorrow
    with pytest.raises(RateLimited):
        client.meeting("81234567890")
    assert waits == []


def test_rate_limited_every_time_gives_up_after_the_tries(client, zoom_standin, waits):
    zoom_standin.add_meeting("81234567890")
    zoom_standin.rate_limited.extend(["1"] * 10)
    with pytest.raises(RateLimited):
        client.meeting("81234567890")
    assert waits == [1.0] * 4  # five tries, four waits between them


def test_a_deleted_meeting_is_not_found(client, zoom_standin):
    with pytest.raises(NotFound):
        client.meeting("81234567890")


def test_a_meeting_is_found_after_the_webinar_lookup(client, zoom_standin):
    zoom_standin.add_meeting("85550001111", kind="meeting", topic="Steering committee")
    found = client.meeting("85550001111")
    assert (found["kind"], found["topic"]) == ("meeting", "Steering committee")


def test_every_page_of_a_report_of_1200_participants(client, zoom_standin):
    people = [
        participant(f"Delegate {n}", f"d{n}@example.org", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z")
        for n in range(1200)
    ]
    zoom_standin.add_meeting("81234567890", participants=people)
    fetched = client.participants("webinar", "81234567890")
    assert [p["user_email"] for p in fetched] == [p["user_email"] for p in people]
    assert zoom_standin.calls.count(("GET", "/v2/report/webinars/81234567890/participants")) == 4


def test_registrants_added_and_cancelled(client, zoom_standin):
    meeting = zoom_standin.add_meeting("81234567890")
    added = client.add_registrant("webinar", "81234567890", "amal@example.org", "Amal", "Haddad")
    assert added["join_url"].startswith("https://zoom.us/w/81234567890?tk=")
    client.cancel_registrant("webinar", "81234567890", added["registrant_id"])
    assert meeting["registrants"][added["registrant_id"]]["status"] == "denied"


def test_credentials_of_the_console_win_over_the_environment(app, console):
    credentials.save(
        {"zoom_account_id": "acc-2", "zoom_client_id": "cid-2", "zoom_client_secret": "s3cr3t-console"},
        by=console.account,
    )
    found = credentials.credentials_for(credentials.Platform.ZOOM)
    assert (found.source, found["zoom_client_secret"]) == ("console", "s3cr3t-console")
    assert "s3cr3t" not in repr(found)
    stored = credentials.stored()
    assert stored is not None and "s3cr3t" not in stored.zoom_client_secret


def test_without_credentials_zoom_is_not_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "ZOOM_CLIENT_SECRET", "")
    with pytest.raises(credentials.NotConfigured):
        credentials.credentials_for(credentials.Platform.ZOOM)


def test_calls_are_paced_at_the_configured_rate():
    from app.services.integrations.http import Pacer

    waits: list[float] = []
    pacing = Pacer(20, sleep=waits.append)
    for _ in range(5):
        pacing.wait()
    # Five calls at once: the first goes, each next one 1/20 s after the one before.
    assert len(waits) == 4
    assert [round(w, 2) for w in waits] == pytest.approx([0.05, 0.10, 0.15, 0.20], abs=0.01)
