"""A speaker's role agrees with their gender where the language marks it: modératrice, مديرة الجلسة."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.models import Speaker, SpeakerGender, SpeakerRole
from app.services.reporting import report_pdf
from tests.conftest import add_keynote, make_event
from tests.test_console_programme import fresh, post, text_of

ROLES = {
    # language: {gender: (speaker, moderator)}
    "fr": {
        SpeakerGender.WOMAN: ("Intervenante", "Modératrice"),
        SpeakerGender.MAN: ("Intervenant", "Modérateur"),
        SpeakerGender.NOT_GIVEN: ("Intervenant(e)", "Modérateur(trice)"),
    },
    "ar": {
        SpeakerGender.WOMAN: ("متحدثة", "مديرة الجلسة"),
        SpeakerGender.MAN: ("متحدث", "مدير الجلسة"),
        SpeakerGender.NOT_GIVEN: ("متحدث", "مدير الجلسة"),
    },
    "en": {gender: ("Speaker", "Moderator") for gender in SpeakerGender},
}


@pytest.mark.parametrize("language", sorted(ROLES))
def test_the_role_title_agrees_with_the_gender(app, language):
    with app.test_request_context(), force_locale(language):
        for gender, (speaker, moderator) in ROLES[language].items():
            assert SpeakerRole.SPEAKER.title_for(gender) == speaker
            assert SpeakerRole.MODERATOR.title_for(gender) == moderator


def add_moderator(console, item, gender: str | None):
    data = {"role": "moderator", "name": "Ms Julia Wanjiru", "title": "", "organisation": "ICMPD"}
    if gender is not None:
        data["gender"] = gender
    return post(console, f"/console/agenda/{item.id}/speakers", data)


def test_a_moderators_gender_is_chosen_in_the_console_and_shown_everywhere(app, console, client):
    event = make_event("Partnership")
    item = add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    assert 'name="gender"' in text_of(console.get(f"/console/agenda/{item.id}"))
    assert add_moderator(console, item, "woman").status_code == 303
    moderator = db.session.scalars(sa.select(Speaker).where(Speaker.role == SpeakerRole.MODERATOR)).one()
    assert fresh(Speaker, moderator.id).gender == SpeakerGender.WOMAN

    assert "(modératrice)" in text_of(client.get(f"/events/{event.id}?lang=fr"))
    assert "(مديرة الجلسة)" in text_of(client.get(f"/events/{event.id}?lang=ar"))
    assert "(moderator)" in text_of(client.get(f"/events/{event.id}?lang=en"))
    assert "(modératrice)" in text_of(console.get(f"/console/events/{event.id}?lang=fr"))
    assert "Modératrice" in text_of(console.get(f"/console/agenda/{item.id}?lang=fr"))
    with app.test_request_context(), force_locale("fr"):
        assert report_pdf._speaker(fresh(Speaker, moderator.id)).endswith("(Modératrice)")


def test_a_speaker_without_a_gender_keeps_the_form_for_anyone(app, console, client):
    event = make_event("Partnership")
    item = add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    assert add_moderator(console, item, None).status_code == 303  # left out: not given
    moderator = db.session.scalars(sa.select(Speaker).where(Speaker.role == SpeakerRole.MODERATOR)).one()
    assert moderator.gender == SpeakerGender.NOT_GIVEN
    assert "(modérateur(trice))" in text_of(client.get(f"/events/{event.id}?lang=fr"))


def test_an_unknown_gender_is_refused(app, console):
    event = make_event("Partnership")
    item = add_keynote(event, "Ms Diana Wallis", "Former Vice-President", "European Parliament")
    assert add_moderator(console, item, "robot").status_code == 400
    assert db.session.scalars(sa.select(Speaker).where(Speaker.role == SpeakerRole.MODERATOR)).all() == []
