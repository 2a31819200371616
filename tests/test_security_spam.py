"""Spam checks on the public registration forms: a honeypot field and a minimum fill time."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from app.extensions import db
from app.models import Delegate, Message, Registration
from config import Config, TestingConfig
from tests.conftest import csrf_token, delegate_form, make_event, make_series

NEUTRAL = "We could not accept the form as it was sent. Please check it and send it again."
STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"FORM_MIN_FILL_SECONDS": 3}


class BackdatedSigner(TimestampSigner):
    def __init__(self, *args, seconds_ago: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.seconds_ago = seconds_ago

    def get_timestamp(self) -> int:
        return int(time.time()) - self.seconds_ago


def stamp(app, seconds_ago: int, secret: str | None = None) -> str:
    """The form's hidden stamp as if the page had been shown `seconds_ago`."""
    signer = BackdatedSigner(
        secret or app.config["SECRET_KEY"], salt="plenary.form-started", seconds_ago=seconds_ago
    )
    return signer.sign(b"form").decode()


def stored() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Registration, Delegate, Message)
    )


def post(client, url: str, **overrides):
    data = delegate_form(**overrides)
    data.setdefault("csrf_token", csrf_token(client, url))
    return client.post(url, data=data)


@pytest.fixture
def event(app):
    return make_event("Partnership")


def url(event) -> str:
    return f"/events/{event.id}/register"


def test_the_form_carries_a_hidden_honeypot_and_a_signed_stamp(client, event):
    html = client.get(url(event)).get_data(as_text=True)
    trap = re.search(r'<div class="form-trap">(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<label for="website">Leave this field empty</label>', trap)
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", trap).group(0)
    assert 'autocomplete="off"' in field and 'tabindex="-1"' in field and 'value=""' in field
    value = STARTED_RE.search(html).group(1)
    TimestampSigner("testing-secret-key", salt="plenary.form-started").unsign(
        value
    )  # signed with the app secret


def test_a_person_who_took_their_time_registers(app, client, event):
    response = post(client, url(event), started=stamp(app, seconds_ago=20))
    assert response.status_code == 302
    assert stored()[0] == 1


def test_a_form_sent_at_once_is_refused_and_changes_nothing(app, client, event):
    page = client.get(url(event)).get_data(as_text=True)
    response = post(client, url(event), started=STARTED_RE.search(page).group(1))
    assert response.status_code == 400
    assert NEUTRAL in response.get_data(as_text=True)
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize(
    "started",
    [None, "", "garbage", "Zm9ybQ.abc.def", "form.AAAAAA.forgedsignature", "\x00", "é" * 500],
    ids=["missing", "empty", "garbled", "base64", "forged", "nul", "long"],
)
def test_a_missing_forged_or_garbled_stamp_counts_as_too_fast(app, client, event, started):
    response = post(client, url(event), started=started)
    assert response.status_code == 400
    assert NEUTRAL in response.get_data(as_text=True)
    assert stored() == (0, 0, 0)
    # The page offers a fresh, valid stamp: a person can still send it.
    fresh = STARTED_RE.search(response.get_data(as_text=True)).group(1)
    TimestampSigner(app.config["SECRET_KEY"], salt="plenary.form-started").unsign(fresh)


def test_a_stamp_signed_with_another_key_is_refused(app, client, event):
    response = post(client, url(event), started=stamp(app, seconds_ago=60, secret="someone-elses-key"))
    assert response.status_code == 400
    assert stored() == (0, 0, 0)


def test_a_filled_honeypot_is_refused_with_the_same_message(app, client, event):
    response = post(client, url(event), started=stamp(app, seconds_ago=60), website="https://spam.example")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert NEUTRAL in text
    assert "spam.example" not in text  # the field comes back empty for a person's next try
    assert stored() == (0, 0, 0)


def test_the_series_form_has_the_same_checks(app, client):
    series = make_series()
    first, second = make_event("Prevention", series=series), make_event("Protection", series=series)
    series_url = f"/series/{series.id}/register"
    events = [str(first.id), str(second.id)]
    assert 'name="website"' in client.get(series_url).get_data(as_text=True)

    too_fast = post(client, series_url, events=events, started=stamp(app, seconds_ago=1))
    assert too_fast.status_code == 400 and NEUTRAL in too_fast.get_data(as_text=True)
    honeypot = post(client, series_url, events=events, started=stamp(app, seconds_ago=30), website="x")
    assert honeypot.status_code == 400
    assert stored() == (0, 0, 0)

    assert post(client, series_url, events=events, started=stamp(app, seconds_ago=30)).status_code == 302
    assert stored()[0] == 2


def test_other_errors_and_the_spam_check_are_shown_together(app, client, event):
    response = post(client, url(event), name="", started="forged")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NEUTRAL in text and "Full name" in text
    assert stored() == (0, 0, 0)


def test_the_suite_posts_at_once_and_the_checks_still_run(tmp_path):
    assert TestingConfig.FORM_MIN_FILL_SECONDS == 0
    assert Config.FORM_MIN_FILL_SECONDS in (0, 3)  # 3 unless the environment says otherwise
