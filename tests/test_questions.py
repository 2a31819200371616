"""The organisers' own questions (services/registration/questions.py): their rules, the public
forms in three languages, and what people answered kept readable when a question changes."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Question, QuestionKind, Registration
from app.services.registration import questions
from app.services.registration.questions import InvalidAnswers, QuestionDetails, QuestionError
from app.services.registration.registrations import Applicant, register, register_for_series
from tests.conftest import csrf_token, delegate_form, make_event, make_series, submit


def visa(owner, **overrides) -> Question:
    details = QuestionDetails(
        kind=QuestionKind.YES_NO,
        labels={"en": "Do you need a visa letter?", "fr": "Avez-vous besoin d’une lettre pour le visa ?"},
        required=True,
    )
    for name, value in overrides.items():
        setattr(details, name, value)
    return questions.add_question(owner, details)


def passport(owner) -> Question:
    return questions.add_question(
        owner,
        QuestionDetails(
            kind=QuestionKind.SHORT_TEXT,
            labels={"en": "Passport details"},
            required=True,
            show_if={"question_key": "do_you_need_a_visa_letter", "answer_key": "yes"},
        ),
    )


def diet(owner, required=False) -> Question:
    return questions.add_question(
        owner,
        QuestionDetails(
            kind=QuestionKind.SEVERAL_CHOICES,
            labels={"en": "Dietary needs", "fr": "Régime alimentaire"},
            choices=[
                {"labels": {"en": "Vegetarian", "fr": "Végétarien"}},
                {"labels": {"en": "Halal"}},
                {"labels": {"en": "No gluten", "ar": "خالٍ من الغلوتين"}},
            ],
            required=required,
        ),
    )


def applicant(answers=None, email="amina.yusuf@example.org") -> Applicant:
    return Applicant(
        email=email, name="Amina Yusuf", organisation="MoLSA", country="ET", answers=answers or {}
    )


# --- the service's rules ---------------------------------------------------------------------


def test_keys_are_slugs_of_the_english_label_and_unique_across_series_and_event(app):
    series = make_series()
    event = make_event(series=series)
    first = visa(series)
    second = visa(event)
    assert (first.key, second.key) == ("do_you_need_a_visa_letter", "do_you_need_a_visa_letter_2")
    assert [q.key for q in questions.for_event(event)] == [first.key, second.key]  # series first


def test_a_conditional_question_is_required_only_when_shown(app):
    event = make_event()
    visa(event)
    passport(event)
    asked = questions.for_event(event)
    assert questions.check_answers(asked, {"do_you_need_a_visa_letter": "no"}) == {
        "do_you_need_a_visa_letter": "no"
    }
    with pytest.raises(InvalidAnswers) as refused:
        questions.check_answers(asked, {"do_you_need_a_visa_letter": "yes"})
    assert refused.value.errors == {"passport_details": "Answer this question."}
    # An answer to a question not shown is not kept.
    assert questions.check_answers(asked, {"do_you_need_a_visa_letter": "no", "passport_details": "X1"}) == {
        "do_you_need_a_visa_letter": "no"
    }
    assert questions.check_answers(
        asked, {"do_you_need_a_visa_letter": "yes", "passport_details": " X1 "}
    ) == {
        "do_you_need_a_visa_letter": "yes",
        "passport_details": "X1",
    }


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"do_you_need_a_visa_letter": "maybe"}, "do_you_need_a_visa_letter"),
        ({"do_you_need_a_visa_letter": True}, "do_you_need_a_visa_letter"),
        ({}, "do_you_need_a_visa_letter"),
        ({"do_you_need_a_visa_letter": "no", "dietary_needs": ["vegetarian", "pizza"]}, "dietary_needs"),
        ({"do_you_need_a_visa_letter": "no", "dietary_needs": "vegan"}, "dietary_needs"),
        ({"do_you_need_a_visa_letter": "no", "dietary_needs": [1]}, "dietary_needs"),
        ({"do_you_need_a_visa_letter": "no", "not_a_question": "x"}, "not_a_question"),
        ({"do_you_need_a_visa_letter": "no", "arrival": "15/03/2027"}, "arrival"),
        ({"do_you_need_a_visa_letter": "no", "arrival": "2027-02-30"}, "arrival"),
        ({"do_you_need_a_visa_letter": "no", "country_of_passport": "XX"}, "country_of_passport"),
        ({"do_you_need_a_visa_letter": "no", "notes": "a\x00b"}, "notes"),
        ({"do_you_need_a_visa_letter": "no", "notes": "x" * 201}, "notes"),
    ],
)
def test_answers_that_do_not_fit_are_refused_whatever_sent_them(app, answers, key):
    event = make_event()
    visa(event)
    diet(event)
    for kind, english in (
        (QuestionKind.DATE, "Arrival"),
        (QuestionKind.COUNTRY, "Country of passport"),
        (QuestionKind.SHORT_TEXT, "Notes"),
    ):
        questions.add_question(event, QuestionDetails(kind=kind, labels={"en": english}))
    with pytest.raises(InvalidAnswers) as refused:
        questions.check_answers(questions.for_event(event), answers)
    assert key in refused.value.errors


def test_registering_checks_and_stores_answers_by_key(app):
    event = make_event()
    visa(event)
    diet(event)
    with pytest.raises(InvalidAnswers):
        register(event, applicant({"dietary_needs": ["halal"]}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    outcome = register(
        event, applicant({"do_you_need_a_visa_letter": "no", "dietary_needs": ["halal", "vegetarian"]})
    )
    assert outcome.registration.answers == {
        "do_you_need_a_visa_letter": "no",
        "dietary_needs": ["vegetarian", "halal"],
    }


def test_the_series_form_answers_the_series_questions_and_each_events_own(app):
    series = make_series()
    first, second = make_event("One", series=series), make_event("Two", series=series)
    visa(series)
    visa(second, labels={"en": "Own question"})  # required, asked only of those who choose "Two"
    # Skipping an event's own required question through the series form registers nobody.
    with pytest.raises(InvalidAnswers) as refused:
        register_for_series(series, [first, second], applicant({"do_you_need_a_visa_letter": "yes"}))
    assert refused.value.errors == {"own_question": "Answer this question."}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    given = applicant({"do_you_need_a_visa_letter": "yes"})
    given.event_answers = {second.id: {"own_question": "no"}}
    outcomes = register_for_series(series, [first, second], given)
    assert [o.registration.answers for o in outcomes] == [
        {"do_you_need_a_visa_letter": "yes"},
        {"do_you_need_a_visa_letter": "yes", "own_question": "no"},
    ]


def test_labels_fall_back_to_english(app):
    event = make_event()
    question = diet(event)
    assert questions.label(question, "fr") == "Régime alimentaire"
    assert questions.label(question, "ar") == "Dietary needs"
    assert questions.choice_options(question, "fr") == [
        ("vegetarian", "Végétarien"),
        ("halal", "Halal"),
        ("no_gluten", "No gluten"),
    ]
    assert questions.choice_options(question, "ar")[2] == ("no_gluten", "خالٍ من الغلوتين")


def test_relabelled_and_removed_choices_keep_answers_readable(app):
    event = make_event()
    question = diet(event)
    registration = register(event, applicant({"dietary_needs": ["halal", "no_gluten"]})).registration
    questions.update_question(
        question,
        QuestionDetails(
            kind=question.kind,
            labels={"en": "Food"},
            choices=[
                {"key": "vegetarian", "labels": {"en": "Veggie"}},
                {"key": "halal", "labels": {"en": "Halal food"}},
                {"key": "", "labels": {"en": "Vegan"}},
            ],
        ),
    )
    assert [key for key, _ in questions.choice_options(question, "en")] == ["vegetarian", "halal", "vegan"]
    assert questions.answer_lines(registration, "en") == [("Food", "Halal food, No gluten")]
    with pytest.raises(InvalidAnswers):  # no longer offered
        questions.check_answers([question], {"dietary_needs": ["no_gluten"]})


def test_a_choice_key_the_question_does_not_have_is_refused(app):
    question = diet(make_event())
    with pytest.raises(QuestionError):
        questions.update_question(
            question,
            QuestionDetails(
                kind=question.kind,
                labels={"en": "Food"},
                choices=[{"key": "forged", "labels": {"en": "X"}}, {"key": "", "labels": {"en": "Y"}}],
            ),
        )


def test_a_question_answered_is_retired_one_not_answered_is_deleted(app):
    event = make_event()
    answered, unanswered = visa(event, required=False), diet(event)
    registration = register(event, applicant({"do_you_need_a_visa_letter": "yes"})).registration
    assert questions.remove_question(answered) is True
    assert questions.remove_question(unanswered) is False
    assert questions.for_event(event) == []
    assert [q.key for q in questions.for_event(event, with_retired=True)] == ["do_you_need_a_visa_letter"]
    assert questions.answer_lines(registration, "fr") == [
        ("Avez-vous besoin d’une lettre pour le visa ?", "Oui")
    ]


def test_a_question_others_depend_on_cannot_be_removed(app):
    event = make_event()
    condition = visa(event)
    passport(event)
    with pytest.raises(QuestionError):
        questions.remove_question(condition)


def test_a_condition_must_name_a_choice_question_always_shown(app):
    event = make_event()
    visa(event)
    passport(event)
    with pytest.raises(QuestionError):  # a text question
        questions.add_question(
            event,
            QuestionDetails(
                kind=QuestionKind.SHORT_TEXT,
                labels={"en": "Visa office"},
                show_if={"question_key": "passport_details", "answer_key": "yes"},
            ),
        )
    with pytest.raises(QuestionError):  # an answer the question does not have
        questions.add_question(
            event,
            QuestionDetails(
                kind=QuestionKind.SHORT_TEXT,
                labels={"en": "Visa office"},
                show_if={"question_key": "do_you_need_a_visa_letter", "answer_key": "perhaps"},
            ),
        )


def test_moving_questions_swaps_neighbours(app):
    event = make_event()
    first, second = visa(event), diet(event)
    assert questions.move_question(second, -1) is True
    assert [q.key for q in questions.for_event(event)] == [second.key, first.key]
    assert questions.move_question(second, -1) is False


def test_erasure_removes_the_answers(app):
    from app.services.privacy import personal_data

    event = make_event()
    visa(event)
    registration = register(event, applicant({"do_you_need_a_visa_letter": "yes"})).registration
    personal_data.erase_delegate(registration.delegate)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).answers == {}


# --- the public form ------------------------------------------------------------------------


def form_url(event) -> str:
    return f"/events/{event.id}/register"


@pytest.mark.parametrize(
    ("language", "label", "yes"),
    [
        ("en", "Do you need a visa letter?", "Yes"),
        ("fr", "Avez-vous besoin d’une lettre pour le visa ?", "Oui"),
        ("ar", "Do you need a visa letter?", "نعم"),
    ],
)
def test_the_form_asks_the_questions_in_the_page_language(app, language, label, yes):
    event = make_event()
    visa(event)
    passport(event)
    page = (
        app.test_client().get(form_url(event), headers={"Accept-Language": language}).get_data(as_text=True)
    )
    assert label in page
    assert f'value="yes"> <label for="q_do_you_need_a_visa_letter-0">{yes}</label>' in page
    # Without the script, the condition is in the label.
    condition = {
        "en": "If you answered “Yes” to “Do you need a visa letter?”: Passport details",
        "fr": "Si vous avez répondu «\u00a0Oui\u00a0» à "
        "«\u00a0Avez-vous besoin d’une lettre pour le visa ?\u00a0»\u00a0: Passport details",
        "ar": "إذا أجبت “\u2068نعم\u2069” عن “\u2068Do you need a visa letter?\u2069”: "
        "\u2068Passport details\u2069",
    }[language]
    assert condition in unescape(page)
    assert 'data-question-if="q_do_you_need_a_visa_letter" data-question-value="yes"' in page


def test_the_form_refuses_a_missing_answer_and_keeps_what_was_typed(app):
    event = make_event()
    visa(event)
    passport(event)
    client = app.test_client()
    response = submit(client, form_url(event), delegate_form(q_do_you_need_a_visa_letter="yes"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Passport details" in page and "Answer this question." in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    response = submit(
        client,
        form_url(event),
        delegate_form(q_do_you_need_a_visa_letter="yes", q_passport_details="EP1234567"),
    )
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(Registration.answers))
    assert stored == {"do_you_need_a_visa_letter": "yes", "passport_details": "EP1234567"}


def test_a_forged_choice_is_refused_with_a_400(app):
    event = make_event()
    diet(event)
    response = submit(
        app.test_client(), form_url(event), delegate_form(q_dietary_needs=["vegetarian", "pizza"])
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_cached_form_page_changes_when_a_question_changes(app):
    event = make_event()
    question = diet(event)
    client = app.test_client()
    assert "Dietary needs" in client.get(form_url(event)).get_data(as_text=True)
    questions.update_question(
        question,
        QuestionDetails(kind=question.kind, labels={"en": "Food preferences"}, choices=question.choices[:2]),
    )
    page = client.get(form_url(event)).get_data(as_text=True)
    assert "Food preferences" in page and "Dietary needs" not in page


def test_the_series_form_asks_the_series_questions(app):
    series = make_series()
    first = make_event("One", series=series)
    visa(series)
    response = submit(
        app.test_client(),
        f"/series/{series.id}/register",
        delegate_form(events=[str(first.id)]),
    )
    assert response.status_code == 400
    assert "Do you need a visa letter?" in response.get_data(as_text=True)
    response = submit(
        app.test_client(),
        f"/series/{series.id}/register",
        delegate_form(events=[str(first.id)], q_do_you_need_a_visa_letter="no"),
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.answers)) == {"do_you_need_a_visa_letter": "no"}


# --- the API ----------------------------------------------------------------------------------


def test_the_api_checks_answers_like_the_form_and_shows_them(app, client):
    from app.models import ApiTokenScope
    from app.services.accounts.api_tokens import create_token
    from tests.conftest import make_account

    event = make_event()
    visa(event)
    passport(event)
    url = f"/api/v1/events/{event.id}/registrations"
    body = delegate_form(consent_privacy=True)
    refused = client.post(
        url, json={**body, "answers": {"do_you_need_a_visa_letter": "yes", "shoe_size": "42"}}
    )
    assert refused.status_code == 422
    fields = {error["field"] for error in refused.get_json()["errors"]}
    assert fields == {"answers.passport_details", "answers.shoe_size"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    answers = {"do_you_need_a_visa_letter": "yes", "passport_details": "EP1234567"}
    assert client.post(url, json={**body, "answers": answers}).status_code == 202
    _token, plain = create_token(make_account("organiser"), "Reader", ApiTokenScope.READ)
    listed = client.get(url, headers={"Authorization": f"Bearer {plain}"}).get_json()
    assert listed["items"][0]["answers"] == answers


def test_the_api_document_describes_answers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    registration = next(
        s
        for name, s in schemas.items()
        if name.startswith("Registration") and "consent_privacy" in s["properties"]
    )
    assert "questions" in registration["properties"]["answers"]["description"]
    row = next(
        s
        for name, s in schemas.items()
        if "minutes" in s.get("properties", {}) and "attended" in s["properties"]
    )
    assert "answers" in row["required"]


# --- the console -----------------------------------------------------------------------------


def question_form(**overrides) -> dict:
    data = {
        "kind": "one_choice",
        "label_en": "Which session?",
        "label_fr": "Quelle session ?",
        "label_ar": "",
        "choices-0-en": "Morning",
        "choices-0-fr": "Matin",
        "choices-1-en": "Afternoon",
        "choices-2-en": "",
        "show_if": "",
    }
    data.update(overrides)
    return data


def test_an_organiser_adds_edits_moves_and_removes_questions(app, console):
    event = make_event()
    url = f"/console/events/{event.id}/questions"
    assert console.get(url).status_code == 200
    assert submit(console, url, question_form()).status_code == 303
    assert (
        submit(console, url, question_form(kind="yes_no", label_en="Need a visa letter?")).status_code == 303
    )
    first, second = questions.for_event(event)
    assert first.choices == [
        {"key": "morning", "labels": {"en": "Morning", "fr": "Matin"}},
        {"key": "afternoon", "labels": {"en": "Afternoon"}},
    ]
    page = console.get(url).get_data(as_text=True)
    assert "Which session?" in page and "Preview" in page
    # Relabel a choice (its key stays), remove the other, add one.
    edited = question_form(
        **{
            "choices-0-key": "morning",
            "choices-0-en": "Morning session",
            "choices-1-key": "afternoon",
            "choices-1-en": "",
            "choices-2-en": "Evening",
        }
    )
    assert submit(console, f"/console/questions/{first.id}", edited).status_code == 303
    db.session.expire_all()
    assert questions.choice_options(first, "en") == [("morning", "Morning session"), ("evening", "Evening")]
    token = csrf_token(console, url)
    assert (
        console.post(f"/console/questions/{second.id}/move/up", data={"csrf_token": token}).status_code == 303
    )
    assert [q.id for q in questions.for_event(event)] == [second.id, first.id]
    assert (
        console.post(f"/console/questions/{first.id}/delete", data={"csrf_token": token}).status_code == 303
    )
    assert [q.id for q in questions.for_event(event, with_retired=True)] == [second.id]


@pytest.mark.parametrize(
    "changes",
    [
        {"label_en": ""},
        {"kind": "essay"},
        {"choices-1-en": ""},  # one choice only
        {"choices-0-key": "forged"},
        {"show_if": "nothing:yes"},
        {"label_fr": "a\x00b"},
        {"choices-0-en": "x" * 301},
    ],
)
def test_bad_questions_are_refused_with_a_400_and_change_nothing(app, console, changes):
    event = make_event()
    response = submit(console, f"/console/events/{event.id}/questions", question_form(**changes))
    assert response.status_code == 400
    assert questions.for_event(event, with_retired=True) == []


def test_a_removal_others_depend_on_is_refused_with_a_409(app, console):
    event = make_event()
    condition = visa(event)
    passport(event)
    token = csrf_token(console, f"/console/events/{event.id}/questions")
    response = console.post(f"/console/questions/{condition.id}/delete", data={"csrf_token": token})
    assert response.status_code == 409
    assert len(questions.for_event(event)) == 2


def test_viewers_read_the_questions_and_change_nothing(app, signed_in):
    from tests.test_console_access import token_of

    series = make_series()
    question = visa(series)
    viewer = signed_in("viewer")
    page = viewer.get(f"/console/series/{series.id}/questions")
    assert page.status_code == 200
    assert "Add a question" not in page.get_data(as_text=True)
    assert viewer.get(f"/console/questions/{question.id}").status_code == 200
    token = token_of(viewer)
    for path in (
        f"/console/series/{series.id}/questions",
        f"/console/questions/{question.id}",
        f"/console/questions/{question.id}/delete",
    ):
        assert viewer.post(path, data=question_form(csrf_token=token)).status_code == 403
    assert len(questions.owned(series)) == 1


def test_a_question_on_another_answer_is_set_from_the_console(app, console):
    event = make_event()
    visa(event)
    url = f"/console/events/{event.id}/questions"
    response = submit(
        console,
        url,
        question_form(
            kind="short_text",
            label_en="Passport details",
            show_if="do_you_need_a_visa_letter:yes",
            required="y",
        ),
    )
    assert response.status_code == 303
    assert questions.for_event(event)[1].show_if == {
        "question_key": "do_you_need_a_visa_letter",
        "answer_key": "yes",
    }


def test_the_registrations_table_shows_and_filters_answers(app, console):
    event = make_event()
    diet(event)
    visa(event, required=False)
    register(event, applicant({"dietary_needs": ["halal", "vegetarian"]}, email="a@example.org"))
    register(
        event,
        applicant(
            {"dietary_needs": ["no_gluten"], "do_you_need_a_visa_letter": "yes"}, email="b@example.org"
        ),
    )
    register(event, applicant({}, email="c@example.org"))
    url = f"/console/events/{event.id}/registrations"
    page = console.get(url).get_data(as_text=True)
    assert (
        "Vegetarian, Halal" in page
        and '<option value="dietary_needs:halal">Dietary needs: Halal</option>' in page
    )
    for answer, emails in (
        ("dietary_needs:halal", {"a@example.org"}),
        ("dietary_needs:no_gluten", {"b@example.org"}),
        ("do_you_need_a_visa_letter:yes", {"b@example.org"}),
    ):
        page = console.get(url, query_string={"answer": answer}).get_data(as_text=True)
        assert {e for e in ("a@example.org", "b@example.org", "c@example.org") if e in page} == emails, answer
    assert console.get(url, query_string={"answer": "dietary_needs:pizza"}).status_code == 400


def test_the_registration_page_shows_answers_of_a_retired_question(app, console):
    event = make_event()
    question = visa(event, required=False)
    registration = register(event, applicant({"do_you_need_a_visa_letter": "yes"})).registration
    questions.remove_question(question)
    page = console.get(f"/console/registrations/{registration.id}").get_data(as_text=True)
    assert "<dt>Do you need a visa letter?</dt><dd>Yes</dd>" in page


# --- exports and summaries --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_exports_have_a_column_per_question_with_labels_in_the_exports_language(app, console, language):
    from tests.test_exports import read_csv, sheet_cells

    event = make_event()
    diet(event)
    visa(event, required=False)
    register(event, applicant({"dietary_needs": ["halal", "vegetarian"], "do_you_need_a_visa_letter": "yes"}))
    headers = {"Accept-Language": language}
    rows = read_csv(console.get(f"/console/events/{event.id}/registrations.csv", headers=headers))
    cells = sheet_cells(console.get(f"/console/events/{event.id}/registrations.xlsx", headers=headers))
    expected = {
        "en": (["Dietary needs", "Do you need a visa letter?"], ["Vegetarian, Halal", "Yes"]),
        "fr": (
            ["Régime alimentaire", "Avez-vous besoin d’une lettre pour le visa ?"],
            ["Végétarien, Halal", "Oui"],
        ),
    }[language]
    for table in (rows, cells):
        assert table[0][-2:] == expected[0]
        assert [str(cell) for cell in table[1][-2:]] == expected[1]
    filtered = read_csv(
        console.get(f"/console/events/{event.id}/registrations.csv?answer=dietary_needs:no_gluten")
    )
    assert len(filtered) == 1


def test_the_event_summary_breaks_down_choice_answers(app, console):
    from app.services.reporting import summaries

    event = make_event()
    diet(event)
    visa(event, required=False)
    questions.add_question(
        event, QuestionDetails(kind=QuestionKind.COUNTRY, labels={"en": "Passport country"})
    )
    questions.add_question(event, QuestionDetails(kind=QuestionKind.SHORT_TEXT, labels={"en": "Notes"}))
    register(
        event,
        applicant(
            {"dietary_needs": ["halal", "vegetarian"], "passport_country": "ET"}, email="a@example.org"
        ),
    )
    register(
        event,
        applicant(
            {"dietary_needs": ["halal"], "do_you_need_a_visa_letter": "no", "notes": "x"},
            email="b@example.org",
        ),
    )
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        counted = summaries.answer_breakdowns(event, "fr")
    assert [(b.label, b.counts, b.answered) for b in counted] == [
        ("Régime alimentaire", [("Halal", 2), ("Végétarien", 1)], 2),
        ("Avez-vous besoin d’une lettre pour le visa ?", [("Non", 1)], 1),
        ("Passport country", [("Éthiopie", 1)], 1),
    ]
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Answers to the questions" in page and '<th scope="row">Halal</th><td class="num">2</td>' in page


def test_viewers_read_chosen_answers_but_no_typed_one(app, signed_in):
    from app.models import ApiTokenScope
    from app.services.accounts.api_tokens import create_token
    from tests.conftest import make_account

    event = make_event()
    visa(event)
    passport(event)
    registration = register(
        event, applicant({"do_you_need_a_visa_letter": "yes", "passport_details": "EP1234567"})
    ).registration
    viewer, organiser = signed_in("viewer"), signed_in("organiser")
    for client, sees in ((viewer, False), (organiser, True)):
        for url in (f"/console/events/{event.id}/registrations", f"/console/registrations/{registration.id}"):
            page = client.get(url).get_data(as_text=True)
            assert "Yes" in page
            assert ("EP1234567" in page) is sees, (url, sees)
    for role, expected in (
        ("viewer", {"do_you_need_a_visa_letter": "yes"}),
        ("organiser", {"do_you_need_a_visa_letter": "yes", "passport_details": "EP1234567"}),
    ):
        _token, plain = create_token(make_account(role), "Reader", ApiTokenScope.READ)
        listed = app.test_client().get(
            f"/api/v1/events/{event.id}/registrations", headers={"Authorization": f"Bearer {plain}"}
        )
        assert listed.get_json()["items"][0]["answers"] == expected


def test_a_retired_question_is_read_not_changed_and_unknown_ones_are_not_found(app, console):
    event = make_event()
    question = visa(event, required=False)
    register(event, applicant({"do_you_need_a_visa_letter": "no"}))
    questions.remove_question(question)
    assert console.get(f"/console/questions/{question.id}").status_code == 200
    token = csrf_token(console, f"/console/events/{event.id}/questions")
    response = console.post(
        f"/console/questions/{question.id}", data=question_form(kind="yes_no", csrf_token=token)
    )
    assert response.status_code == 409
    assert console.get("/console/questions/999999").status_code == 404
    assert (
        console.post(
            f"/console/questions/{question.id}/move/sideways", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert console.post("/console/questions/999999/delete", data={"csrf_token": token}).status_code == 404
    assert console.post(f"/console/questions/{question.id}/delete", data={}).status_code == 400  # no CSRF


def test_the_embedded_form_asks_the_questions_too(app):
    from tests.test_embed import post

    event = make_event()
    visa(event)
    frame = app.test_client(use_cookies=False)
    assert "Do you need a visa letter?" in frame.get(f"/embed/events/{event.id}/register").get_data(
        as_text=True
    )
    assert post(frame, event).status_code == 400
    assert post(frame, event, q_do_you_need_a_visa_letter="no").status_code == 302
    assert db.session.scalar(sa.select(Registration.answers)) == {"do_you_need_a_visa_letter": "no"}


def test_the_questions_page_names_a_condition_by_its_labels(app, console):
    event = make_event()
    visa(event)
    passport(event)
    page = unescape(console.get(f"/console/events/{event.id}/questions").get_data(as_text=True))
    assert "Shown if “Do you need a visa letter?” is answered “Yes”" in page


def test_the_event_report_pdf_counts_the_answers_and_the_public_one_does_not(app, console):
    from tests.test_report_downloads import pdf_text

    event = make_event("Partnership")
    diet(event)
    register(event, applicant({"dietary_needs": ["halal", "vegetarian"]}))
    report = console.get(f"/console/reports/events/{event.id}/report.pdf")
    assert report.status_code == 200
    text = pdf_text(report.get_data())
    assert "Answers to the questions" in text and "Dietary needs" in text and "Halal 1" in text
    from app.services.reporting import report_pdf

    with app.test_request_context():
        public = report_pdf.event_report(event, public=True)
        private = report_pdf.event_report(event)
    texts = [
        [text for block in report.blocks for text in report_pdf._block_texts(block)]
        for report in (public, private)
    ]
    assert "Dietary needs" not in texts[0] and "Dietary needs" in texts[1]


def test_a_choice_another_question_is_shown_on_cannot_be_removed(app):
    event = make_event()
    session = questions.add_question(
        event,
        QuestionDetails(
            kind=QuestionKind.ONE_CHOICE,
            labels={"en": "Which session?"},
            choices=[
                {"labels": {"en": "Morning"}},
                {"labels": {"en": "Afternoon"}},
                {"labels": {"en": "Both"}},
            ],
        ),
    )
    questions.add_question(
        event,
        QuestionDetails(
            kind=QuestionKind.YES_NO,
            labels={"en": "Lunch?"},
            show_if={"question_key": "which_session", "answer_key": "both"},
        ),
    )
    with pytest.raises(QuestionError):
        questions.update_question(
            session,
            QuestionDetails(
                kind=session.kind,
                labels={"en": "Which session?"},
                choices=[
                    {"key": "morning", "labels": {"en": "Morning"}},
                    {"key": "afternoon", "labels": {"en": "Afternoon"}},
                ],
            ),
        )
    db.session.expire_all()
    assert [key for key, _label in questions.choice_options(session, "en")] == [
        "morning",
        "afternoon",
        "both",
    ]


def test_moving_steps_over_no_retired_question(app):
    event = make_event()
    first, retired, last = visa(event, required=False), diet(event), passport(event)
    register(event, applicant({"dietary_needs": ["halal"]}))
    questions.remove_question(retired)
    assert questions.move_question(last, -1) is True
    assert [q.key for q in questions.for_event(event)] == [last.key, first.key]


# --- changing one's answers from the manage link ----------------------------------------------


def manage_url(registration) -> str:
    from app.services.links import manage_token

    return f"/registrations/manage/{manage_token(registration)}"


def manage_form(**answers) -> dict:
    """The manage form's details as registered (tests.conftest.delegate_form), and `answers`."""
    details = delegate_form(**answers)
    for name in ("email", "consent_privacy"):
        details.pop(name)
    return details


def stored_answers(registration_id: int) -> dict:
    db.session.rollback()  # the request committed in its own transaction
    return db.session.get(Registration, registration_id).answers


def test_a_delegate_changes_their_answers_from_the_manage_link(mail_app, smtp_server):
    event = make_event("Partnership")
    visa(event)
    passport(event)
    arrival = questions.add_question(
        event, QuestionDetails(kind=QuestionKind.SHORT_TEXT, labels={"en": "Arrival"})
    )
    given = applicant({"do_you_need_a_visa_letter": "no", "arrival": "Addis Ababa, 14 March"})
    registration = register(event, given).registration
    questions.remove_question(arrival)  # answered: retired, its answer kept and shown, not changed
    site, url = mail_app.test_client(), manage_url(registration)
    page = unescape(site.get(url).get_data(as_text=True))
    radio = 'name="q_do_you_need_a_visa_letter" type="radio" value="no"'
    assert f'checked id="q_do_you_need_a_visa_letter-1" {radio}' in page
    assert "<dt>Arrival</dt><dd>Addis Ababa, 14 March</dd>" in page and 'name="q_arrival"' not in page
    before = len(smtp_server.inbox.to(given.email))

    # As at registration: a required answer missing where shown, an unknown choice -> 400, nothing changed.
    for sent, message in (
        ({"q_do_you_need_a_visa_letter": "yes"}, "Answer this question."),
        ({"q_do_you_need_a_visa_letter": "maybe"}, "Not a valid choice."),
        ({}, "Answer this question."),
    ):
        response = submit(site, url, manage_form(name="Amina Yusuf Ali", **sent))
        assert response.status_code == 400, sent
        assert message in response.get_data(as_text=True)
        assert stored_answers(registration.id) == given.answers
        assert db.session.get(Registration, registration.id).name == "Amina Yusuf"

    response = submit(
        site, url, manage_form(q_do_you_need_a_visa_letter="yes", q_passport_details="EP1234567")
    )
    assert response.status_code == 302
    assert stored_answers(registration.id) == {
        "do_you_need_a_visa_letter": "yes",
        "passport_details": "EP1234567",
        "arrival": "Addis Ababa, 14 March",
    }
    emails = smtp_server.inbox.to(given.email)[before:]
    assert [message["Subject"] for message in emails] == ["Registration details changed: Partnership"]
    text = emails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Do you need a visa letter?: Yes" in text and "Passport details: EP1234567" in text
    # Saving the same answers again changes nothing and sends nothing.
    assert (
        submit(
            site, url, manage_form(q_do_you_need_a_visa_letter="yes", q_passport_details="EP1234567")
        ).status_code
        == 302
    )
    assert len(smtp_server.inbox.to(given.email)) == before + 1


# --- the series form asks each chosen event's own questions ----------------------------------


def test_the_series_form_asks_each_chosen_events_own_questions(app):
    series = make_series()
    one, two = make_event("One", series=series), make_event("Two", series=series)
    visa(series, required=False)
    # The same label, so the same key, on both events: each event's answer is its own.
    for event in (one, two):
        questions.add_question(
            event,
            QuestionDetails(kind=QuestionKind.SHORT_TEXT, labels={"en": "Session topic"}, required=True),
        )
    url = f"/series/{series.id}/register"
    page = unescape(app.test_client().get(url).get_data(as_text=True))
    for event in (one, two):
        assert f'<fieldset class="questions" data-question-event="{event.id}">' in page
        assert f"Questions for “{event.title}”" in page and f'name="e{event.id}_q_session_topic"' in page

    # An event not chosen: its questions are neither checked nor answered.
    response = submit(
        app.test_client(), url, delegate_form(events=[str(one.id)], **{f"e{one.id}_q_session_topic": "Cash"})
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.answers)) == {"session_topic": "Cash"}

    # A chosen event's required question skipped: refused, nothing registered.
    email = "dawit.bekele@example.org"
    response = submit(
        app.test_client(),
        url,
        delegate_form(
            email=email, events=[str(one.id), str(two.id)], **{f"e{one.id}_q_session_topic": "Cash"}
        ),
    )
    assert response.status_code == 400
    assert "Answer this question." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1

    response = submit(
        app.test_client(),
        url,
        delegate_form(
            email=email,
            events=[str(one.id), str(two.id)],
            q_do_you_need_a_visa_letter="yes",
            **{f"e{one.id}_q_session_topic": "Cash", f"e{two.id}_q_session_topic": "Care"},
        ),
    )
    assert response.status_code == 302
    stored = dict(
        db.session.execute(
            sa.select(Registration.event_id, Registration.answers)
            .join(Registration.delegate)
            .where(sa.text("delegate.email = :email").bindparams(email=email))
        ).all()
    )
    assert stored == {
        one.id: {"do_you_need_a_visa_letter": "yes", "session_topic": "Cash"},
        two.id: {"do_you_need_a_visa_letter": "yes", "session_topic": "Care"},
    }


# --- the console in its own language --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "label", "choice"),
    [("fr", "Régime alimentaire", "Végétarien"), ("ar", "Dietary needs", "خالٍ من الغلوتين")],
)
def test_the_console_shows_questions_in_its_language_else_in_english(app, console, language, label, choice):
    event = make_event()
    question = diet(event)
    questions.add_question(
        event,
        QuestionDetails(
            kind=QuestionKind.SHORT_TEXT,
            labels={"en": "Which meal?"},
            show_if={"question_key": "dietary_needs", "answer_key": "no_gluten"},
        ),
    )
    headers = {"Accept-Language": language}
    page = unescape(
        console.get(f"/console/events/{event.id}/questions", headers=headers).get_data(as_text=True)
    )
    assert (
        f"<strong>{label}</strong>" in page and choice in page and "Halal" in page
    )  # no translation: English
    assert "<strong>Which meal?</strong>" in page
    edit = unescape(console.get(f"/console/questions/{question.id}", headers=headers).get_data(as_text=True))
    assert f"<h1>{label}</h1>" in edit


def test_the_api_series_registration_answers_each_chosen_events_own_questions(app, client):
    series = make_series()
    one, two = make_event("One", series=series), make_event("Two", series=series)
    visa(two, labels={"en": "Own question"})  # required, Two's own
    url = f"/api/v1/series/{series.id}/registrations"
    body = {**delegate_form(consent_privacy=True), "events": [one.id, two.id]}
    refused = client.post(url, json=body)
    assert refused.status_code == 422
    assert {error["field"] for error in refused.get_json()["errors"]} == {"answers.own_question"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert client.post(url, json={**body, "event_answers": {"x": {}}}).status_code == 422
    accepted = client.post(url, json={**body, "event_answers": {str(two.id): {"own_question": "yes"}}})
    assert accepted.status_code == 202, accepted.get_data(as_text=True)
    stored = dict(db.session.execute(sa.select(Registration.event_id, Registration.answers)).all())
    assert stored == {one.id: {}, two.id: {"own_question": "yes"}}
