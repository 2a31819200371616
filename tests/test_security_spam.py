"""Spam checks on the public registration forms: a honeypot field and a minimum fill time."""

from __future__ import annotations

import re
import secrets
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from app.extensions import db
from app.models import Delegate, Message, Registration
from config import Config, TestingConfig
from tests.conftest import at_once, csrf_token, delegate_form, make_event, make_series, stamp_signer

NEUTRAL = "We could not accept the form as it was sent. Please check it and send it again."
STARTED_RE = re.compile(r'name="started" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {"FORM_MIN_FILL_SECONDS": 3})


# The forms as a page gives them, with their own stamps, sent without waiting.
AT_ONCE = pytest.mark.parametrize("app_config", [{"FORM_MIN_FILL_SECONDS": 0}], indirect=True)


def page_stamp(client, page: str) -> str:
    return STARTED_RE.search(client.get(page).get_data(as_text=True)).group(1)


class BackdatedSigner(TimestampSigner):
    def __init__(self, *args, seconds_ago: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.seconds_ago = seconds_ago

    def get_timestamp(self) -> int:
        return int(time.time()) - self.seconds_ago


def stamp(app, client, page: str, seconds_ago: int, secret: str | None = None) -> str:
    """The hidden stamp of the form at `page`, for `client`'s session, as if the page had been
    shown `seconds_ago`."""
    csrf_token(client, page)  # the visitor has seen the form: their session exists
    salt = stamp_signer(app, client).salt
    signer = BackdatedSigner(secret or app.config["SECRET_KEY"], salt=salt, seconds_ago=seconds_ago)
    return signer.sign(secrets.token_urlsafe(12)).decode()


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


def test_the_form_carries_a_hidden_honeypot_and_a_signed_stamp(app, client, event):
    html = client.get(url(event)).get_data(as_text=True)
    trap = re.search(r'<div class="form-trap">(.*?)</div>', html, re.S).group(1)
    assert re.search(r'<label for="website">Leave this field empty</label>', trap)
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", trap).group(0)
    assert 'autocomplete="off"' in field and 'tabindex="-1"' in field and 'value=""' in field
    value = STARTED_RE.search(html).group(1)
    stamp_signer(app, client).unsign(value)  # signed with the app secret, for this session


def test_a_person_who_took_their_time_registers(app, client, event):
    response = post(client, url(event), started=stamp(app, client, url(event), seconds_ago=20))
    assert response.status_code == 302
    assert stored()[0] == 1


def test_a_form_sent_at_once_is_refused_and_changes_nothing(app, client, event):
    page = client.get(url(event)).get_data(as_text=True)
    response = post(client, url(event), started=STARTED_RE.search(page).group(1))
    assert response.status_code == 400
    assert NEUTRAL in response.get_data(as_text=True)
    assert stored() == (0, 0, 0)


@pytest.mark.parametrize(
    "app_config", [{"FORM_MIN_FILL_SECONDS": 3, "FORM_RETRY_MIN_SECONDS": 0}], indirect=True
)
def test_a_form_autofilled_too_fast_comes_back_as_typed_and_the_next_sending_goes_through(app, client, event):
    """Browser autofill fills the form in a second: refused once, with a plain message and
    what was typed; sent again from that page, accepted (and that page's stamp once only)."""
    refused = post(client, url(event), started=stamp(app, client, url(event), seconds_ago=1))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and NEUTRAL in page
    assert 'value="Amina Yusuf"' in page  # what was typed comes back
    assert stored() == (0, 0, 0)
    again = STARTED_RE.search(page).group(1)
    assert post(client, url(event), started=again).status_code == 302
    assert stored()[0] == 1
    replayed = post(client, url(event), started=again, email="another.person@example.org")
    assert replayed.status_code == 400  # spent


# A minute given back, not the default second: on a loaded machine more than a second passed
# between the two posts, and the second went through.
@pytest.mark.parametrize(
    "app_config", [{"FORM_MIN_FILL_SECONDS": 3, "FORM_RETRY_MIN_SECONDS": 60}], indirect=True
)
def test_the_stamp_given_back_still_needs_a_moment(app, client, event):
    """A robot that posts at once twice is refused twice: the stamp given back after a
    refusal for speed needs FORM_RETRY_MIN_SECONDS (1 by default), and gives no third."""
    refused = post(client, url(event), started=stamp(app, client, url(event), seconds_ago=1))
    again = STARTED_RE.search(refused.get_data(as_text=True)).group(1)
    second = post(client, url(event), started=again)
    assert second.status_code == 400
    assert STARTED_RE.search(second.get_data(as_text=True)).group(1) == again  # no new one
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
    stamp_signer(app, client).unsign(fresh)


def test_a_stamp_signed_with_another_key_is_refused(app, client, event):
    response = post(
        client, url(event), started=stamp(app, client, url(event), seconds_ago=60, secret="someone-elses-key")
    )
    assert response.status_code == 400
    assert stored() == (0, 0, 0)


def test_a_filled_honeypot_is_refused_with_the_same_message(app, client, event):
    response = post(
        client,
        url(event),
        started=stamp(app, client, url(event), seconds_ago=60),
        website="https://spam.example",
    )
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

    too_fast = post(client, series_url, events=events, started=stamp(app, client, series_url, seconds_ago=1))
    assert too_fast.status_code == 400 and NEUTRAL in too_fast.get_data(as_text=True)
    honeypot = post(
        client, series_url, events=events, started=stamp(app, client, series_url, seconds_ago=30), website="x"
    )
    assert honeypot.status_code == 400
    assert stored() == (0, 0, 0)

    started = stamp(app, client, series_url, seconds_ago=30)
    assert post(client, series_url, events=events, started=started).status_code == 302
    assert stored()[0] == 2
    # Its stamp is spent too.
    again = post(client, series_url, events=events, email="samuel.tesfaye@example.org", started=started)
    assert again.status_code == 400 and NEUTRAL in again.get_data(as_text=True)
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


# --- a stamp lets one registration through --------------------------------------------------------


@AT_ONCE
def test_a_stamp_registers_once_even_with_the_session_cookie_of_then(app, client, event):
    started = page_stamp(client, url(event))
    cookie_then = client.get_cookie("session").value
    assert post(client, url(event), started=started).status_code == 302
    assert stored()[0] == 1

    # Sent again, from the same session, for someone else: refused, nothing stored.
    again = post(client, url(event), email="samuel.tesfaye@example.org", started=started)
    assert again.status_code == 400 and NEUTRAL in again.get_data(as_text=True)
    # With the session cookie as it was before the registration: refused too.
    client.set_cookie("session", cookie_then)
    replayed = post(client, url(event), email="dawit.bekele@example.org", started=started)
    assert replayed.status_code == 400 and NEUTRAL in replayed.get_data(as_text=True)
    assert stored()[0] == 1
    # The refusal offers a fresh stamp: a person sends the form again (a few seconds later).
    fresh = STARTED_RE.search(replayed.get_data(as_text=True)).group(1)
    assert fresh != started and stamp_signer(app, client).unsign(fresh)


@AT_ONCE
def test_a_stamp_from_another_visitors_page_is_refused(app, client, event):
    theirs = page_stamp(app.test_client(), url(event))
    response = post(client, url(event), started=theirs)
    assert response.status_code == 400 and NEUTRAL in response.get_data(as_text=True)
    assert stored() == (0, 0, 0)


def test_a_stamp_older_than_its_maximum_age_is_refused(app, client, event):
    old = stamp(app, client, url(event), seconds_ago=app.config["FORM_STAMP_MAX_AGE"] + 5)
    response = post(client, url(event), started=old)
    assert response.status_code == 400 and NEUTRAL in response.get_data(as_text=True)
    assert stored() == (0, 0, 0)


def test_a_form_refused_for_a_mistake_keeps_its_stamp(app, client, event):
    started = stamp(app, client, url(event), seconds_ago=20)
    wrong = post(client, url(event), name="", started=started)
    assert wrong.status_code == 400 and NEUTRAL not in wrong.get_data(as_text=True)
    assert STARTED_RE.search(wrong.get_data(as_text=True)).group(1) == started
    assert post(client, url(event), started=started).status_code == 302


@AT_ONCE
def test_one_stamp_sent_many_times_at_once_registers_once(app, client, event):
    started = page_stamp(client, url(event))
    token, cookie = csrf_token(client, url(event)), client.get_cookie("session").value

    def replay() -> int:
        robot = app.test_client()
        robot.set_cookie("session", cookie)
        email = f"robot{secrets.token_hex(4)}@example.org"
        data = delegate_form(email=email, csrf_token=token, started=started)
        return robot.post(url(event), data=data).status_code

    assert sorted(at_once(app, replay, copies=6)) == [302] + [400] * 5
    db.session.rollback()  # see what the threads committed
    assert stored()[0] == 1


@AT_ONCE
def test_the_embedded_form_spends_its_stamp_too(app, event):
    from app.registration.embed import form_token

    frame = app.test_client()
    embed_url = f"/embed/events/{event.id}/register"
    started = page_stamp(frame, embed_url)
    data = delegate_form(embed_token=form_token(event), started=started)
    assert frame.post(embed_url, data=data).status_code == 302
    again = frame.post(embed_url, data={**data, "email": "samuel.tesfaye@example.org"})
    assert again.status_code == 400 and NEUTRAL in again.get_data(as_text=True)
    assert stored()[0] == 1
    assert frame.get_cookie("session") is None  # still no session in a third-party frame
    stamp_signer(app, frame, "embed").unsign(started)  # so the stamp is bound to none


def test_spent_stamps_are_forgotten_once_expired(app, client, event):
    from datetime import timedelta

    from app.database import utcnow
    from app.models import SpentFormStamp
    from app.services.registration import form_stamps
    from app.services.registration.tasks import forget_spent_form_stamps

    assert post(client, url(event), started=stamp(app, client, url(event), seconds_ago=20)).status_code == 302
    assert form_stamps.spend("expired-a-moment-ago", utcnow() - timedelta(seconds=1))
    assert forget_spent_form_stamps.call_local() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SpentFormStamp)) == 1  # the fresh one
