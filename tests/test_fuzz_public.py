"""Arbitrary input at every public form: never a 5xx, and nothing stored when the answer refuses it.

Hypothesis builds each submission field by field from a mix of valid values,
arbitrary unicode (control characters and NUL included), very long strings,
repeated fields, files where text is expected, and missing fields. A refusal
is a 4xx or the form shown again (200); either must leave the database as it
was. An accepted registration (302) may store, and the next examples go on
from there.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Delegate, Message, Registration
from app.services.links import manage_token
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import csrf_token, delegate_form, make_event, make_series

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis folder in the working tree
    # One app and database per test; each example measures the state before and after itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Everything but lone surrogates, which no browser can encode in a form.
any_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)
long_text = st.builds(
    lambda ch, n: ch * n, st.characters(blacklist_categories=["Cs"]), st.integers(250, 20_000)
)
control_text = st.text(
    st.sampled_from("\x00\x01\x07\x0b\x1b\x7f\u200b\u202e\ufeff\r\n\t"), min_size=1, max_size=20
)
wrong_type = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
    st.lists(any_text, min_size=2, max_size=3),  # the same field sent several times
    st.binary(max_size=200).map(lambda data: (io.BytesIO(data), "upload.bin")),  # a file where text goes
)
MISSING = object()


def field(valid):
    return st.one_of(st.just(valid), any_text, long_text, control_text, wrong_type, st.just(MISSING))


def submission(valid: dict) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({name: field(value) for name, value in valid.items()}).map(
        lambda data: {name: value for name, value in data.items() if value is not MISSING}
    )


def registration_fields(**extra) -> dict:
    return {**delegate_form(consent_participant_list="y"), "website": "", "started": "", **extra}


def state() -> tuple:
    counts = tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Registration, Delegate, Message)
    )
    details = tuple(
        db.session.execute(
            sa.select(
                Registration.status,
                Registration.name,
                Registration.organisation,
                Registration.organisation_kind,
                Registration.country,
                Registration.job_title,
                Registration.language,
                Registration.consent_participant_list,
            ).order_by(Registration.id)
        ).all()
    )
    return counts, details


def check(response, before) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code != 302:
        db.session.expire_all()
        assert state() == before, f"refused with {response.status_code} but the database changed"


def post(client, url: str, data: dict, token: str | None):
    data = dict(data)
    if token is not None:
        data.setdefault("csrf_token", token)
    multipart = any(isinstance(value, tuple) for value in data.values())
    content_type = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"
    return client.post(url, data=data, content_type=content_type)


@pytest.fixture
def app_config():
    """The limits on, high enough never to trip, so that their keys see every input too."""
    return {
        "REGISTRATION_RATE_LIMIT": "10000 per minute",
        "REGISTRATION_EMAIL_RATE_LIMIT": "10000 per hour",
        "MANAGE_RATE_LIMIT": "10000 per minute",
        "LINK_REQUEST_RATE_LIMIT": "10000 per minute",
    }


@pytest.fixture
def event(app):
    return make_event("Partnership", capacity=3)


@pytest.fixture
def registration(event):
    applicant = Applicant(
        email="amina.yusuf@example.org", name="Amina Yusuf", organisation="Ministry", country="ET"
    )
    return registrations.register(event, applicant).registration


@given(data=submission(registration_fields()), with_token=st.booleans())
@FUZZ
def test_register_for_an_event(client, event, data, with_token):
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url) if with_token else None
    before = state()
    check(post(client, url, data, token), before)


@pytest.fixture
def series(app):
    series = make_series()
    make_event("Prevention", series=series)
    make_event("Protection", series=series)
    return series


@given(data=st.data())
@FUZZ
def test_register_for_a_series(client, series, data):
    event_ids = [str(event.id) for event in series.events]
    valid = registration_fields(events=event_ids)
    submitted = data.draw(submission(valid))
    if "events" in submitted and data.draw(st.booleans()):
        submitted["events"] = data.draw(st.lists(st.one_of(st.sampled_from(event_ids), any_text), max_size=4))
    url = f"/series/{series.id}/register"
    before = state()
    check(post(client, url, submitted, csrf_token(client, url)), before)


@given(data=submission({**delegate_form(), "consent_participant_list": "y"}), with_token=st.booleans())
@FUZZ
def test_change_details_from_the_manage_link(client, registration, data, with_token):
    url = f"/registrations/manage/{manage_token(registration)}"
    token = csrf_token(client, url) if with_token else None
    data.pop("email", None)  # not a field of this form; an extra field is ignored anyway
    before = state()
    check(post(client, url, data, token), before)


@given(data=submission({"submit": "Yes, cancel my registration", "extra": "x"}), with_token=st.booleans())
@FUZZ
def test_cancel_from_the_manage_link(client, registration, data, with_token):
    url = f"/registrations/manage/{manage_token(registration)}/cancel"
    # The session's token, from a page that has a form even once the registration is cancelled.
    token = csrf_token(client, f"/events/{registration.event_id}/register") if with_token else None
    before = state()
    check(post(client, url, data, token), before)


@given(
    data=submission({"email": "amina.yusuf@example.org", "website": "", "started": ""}),
    with_token=st.booleans(),
)
@FUZZ
def test_ask_for_the_links_to_ones_registrations(client, registration, data, with_token):
    url = "/registrations/manage/resend"
    token = csrf_token(client, url) if with_token else None
    before = state()
    response = post(client, url, data, token)
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code != 303:  # accepted: at most an email to the address asked for
        db.session.expire_all()
        assert state() == before, f"refused with {response.status_code} but the database changed"


tokens = st.one_of(
    any_text, long_text, control_text, st.just("WzEsImFiYyJd.forged"), st.just("../../etc/passwd")
)
suffixes = st.sampled_from(
    ["", "/cancel", "/calendar.ics", "/documents/1", "/documents/99999999999999999999"]
)


@given(token=tokens, suffix=suffixes, method=st.sampled_from(["GET", "POST"]))
@FUZZ
def test_the_token_in_the_manage_link(client, registration, token, suffix, method):
    url = f"/registrations/manage/{quote(token, safe='')}{suffix}"
    before = state()
    response = client.open(url, method=method, data={"name": "Mallory"} if method == "POST" else None)
    assert response.status_code < 500
    # Never someone's registration: refused, not found, or a redirect to a tidied path.
    assert response.status_code in (308, 400, 404, 405), response.status_code
    db.session.expire_all()
    assert state() == before


@pytest.mark.parametrize(
    "suffix", ["/documents/99999999999999999999", "/documents/2147483648", "/documents/-1", "/documents/0"]
)
def test_odd_document_ids_behind_a_real_manage_link(client, registration, suffix):
    url = f"/registrations/manage/{manage_token(registration)}{suffix}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/events/99999999999999999999", "/series/2147483648/register", "/documents/99999999999999999999"]
)
def test_ids_beyond_the_database_are_not_found(client, url):
    assert client.get(url).status_code == 404
