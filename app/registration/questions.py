"""The organisers' own questions on the public registration forms: one field per question,
added to a form as it is built (`ask`), checked together by the service's rules
(services/registration/questions.py) so that the page and the API refuse the same answers.

A question shown on another's answer carries its condition (in
templates/registration/_questions.html) for static/questions.js, which hides it until the
answer is given; without a script it stays in the page, its condition in its label ("If you
answered Yes to …").

The series form asks, besides the series' questions, each offered event's own, their fields
named for the event (`field_name`: two events may ask questions of the same key) and grouped
under its title; they are checked, and their answers kept, only for the events chosen.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.form import _Auto
from wtforms import (
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Event, Question, QuestionKind
from ..services.regions import countries
from ..services.registration import questions as rules

PREFIX = "q_"
ERRORS = "_question_errors"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question: Question, event_id: int | None = None) -> str:
    """The question's field; on the series form, an event's own question's is named for it."""
    return (f"e{event_id}_" if event_id is not None else "") + PREFIX + question.key


def ask(form, questions: list[Question], *, read_request: bool = True, given: dict | None = None) -> None:
    """Add a field to `form` for each question, filled from the request if it was sent, else
    from the answers `given` before (the manage form)."""
    form.questions = questions
    form.question_groups = []
    _add_fields(form, questions, None, read_request, given or {})


def ask_per_event(form, asked: list[tuple[Event, list[Question]]]) -> None:
    """Add, after the form's own questions, each event's own (the series form): `asked` holds
    (event, its questions), in the order of the events offered."""
    form.question_groups = [
        (event, _add_fields(form, questions, event.id, True, {})) for event, questions in asked if questions
    ]


def _add_fields(
    form, questions: list[Question], event_id: int | None, read_request: bool, given: dict
) -> list[Field]:
    if not questions:
        return []
    locale = str(get_locale())
    common = {question.key: question for question in getattr(form, "questions", [])}
    by_key = {**common, **{question.key: question for question in questions}}
    formdata = form.meta.wrap_formdata(form, _Auto) if read_request and form.is_submitted() else None
    fields = []
    for question in questions:
        name = field_name(question, event_id)
        # As a form class binds its fields (WTForms refuses `form[name] = field` on a Form).
        options = {"name": name, "prefix": form._prefix, "translations": form.meta.get_translations(form)}
        bound = form.meta.bind_field(form, _unbound(question, by_key, locale), options)
        form._fields[name] = bound
        bound.question = question
        bound.event_id = event_id
        # The field whose answer shows this one: the event's own, else one of the form's.
        target = (question.show_if or {}).get("question_key")
        bound.condition_name = (
            field_name(by_key[target], None if target in common else event_id) if target in by_key else None
        )
        bound.flags.required = question.required
        bound.process(formdata, **({"data": given[question.key]} if question.key in given else {}))
        if bound.data is None and question.kind == QuestionKind.SEVERAL_CHOICES:
            bound.data = []
        fields.append(bound)
    return fields


def _sent(form, questions: list[Question], event_id: int | None = None) -> dict:
    return {
        question.key: form[field_name(question, event_id)].data
        for question in questions
        if form[field_name(question, event_id)].data not in (None, "", [])
    }


def answers(form) -> dict:
    """What the form sent for its questions, by question key (checked by the service)."""
    return _sent(form, getattr(form, "questions", []))


def event_answers(form) -> dict[int, dict]:
    """What the series form sent for the own questions of each event chosen, by event id."""
    return {
        event.id: _sent(form, [field.question for field in fields], event.id)
        for event, fields in getattr(form, "question_groups", [])
        if _chosen(form, event.id)
    }


def _chosen(form, event_id: int | None) -> bool:
    """Whether the answers for `event_id` count: the form's own always, an event's if chosen."""
    return event_id is None or event_id in (getattr(form, "chosen_event_ids", lambda: set())())


def _unbound(question: Question, by_key: dict[str, Question], locale: str):
    options: dict[str, Any] = {
        "label": _label(question, by_key, locale),
        "description": rules.help_text(question, locale),
        "validators": [_checked],
    }
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return StringField(**options, filters=[_strip])
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(**options, filters=[_strip])
    if kind == QuestionKind.DATE:
        options["render_kw"] = {"type": "date"}
        return StringField(**options, filters=[_strip])
    if kind == QuestionKind.COUNTRY:
        return SelectField(
            **options, choices=_choices(countries(locale), _("Choose a country")), validate_choice=False
        )
    choices = rules.choice_options(question, locale)
    if kind == QuestionKind.SEVERAL_CHOICES:
        return CheckboxesField(**options, choices=_choices(choices), validate_choice=False)
    if kind == QuestionKind.ONE_CHOICE and len(choices) > 6:
        return SelectField(**options, choices=_choices(choices, _("Choose one")), validate_choice=False)
    return RadioField(**options, choices=_choices(choices), validate_choice=False)


def _choices(pairs, prompt: str | None = None) -> list[SelectChoice]:
    first = [SelectChoice("", prompt)] if prompt else []
    return first + [SelectChoice(value, label) for value, label in pairs]


def _label(question: Question, by_key: dict[str, Question], locale: str) -> str:
    """The question, with its condition when it has one (read without the script)."""
    text = rules.label(question, locale)
    condition = question.show_if
    if condition and condition.get("question_key") in by_key:
        target = by_key[condition["question_key"]]
        answer = dict(rules.choice_options(target, locale, with_retired=True)).get(
            condition["answer_key"], ""
        )
        text = _(
            "If you answered “%(answer)s” to “%(question)s”: %(label)s",
            answer=answer,
            question=rules.label(target, locale),
            label=text,
        )
    return text


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _checked(form, field) -> None:
    """The service's rules on the form's answers, checked once per group (the form's own
    questions; on the series form, with those of each event chosen); the error of this field,
    if any."""
    event_id = field.event_id
    if not _chosen(form, event_id):
        return  # an event not chosen: its answers are not kept
    checked = form.__dict__.setdefault(ERRORS, {})
    if event_id not in checked:
        asked, sent = list(form.questions), answers(form)
        if event_id is not None:
            own = [
                f.question for event, fields in form.question_groups if event.id == event_id for f in fields
            ]
            asked, sent = asked + own, {**sent, **_sent(form, own, event_id)}
        try:
            rules.check_answers(asked, sent)
            checked[event_id] = {}
        except rules.InvalidAnswers as invalid:
            checked[event_id] = invalid.errors
    message = checked[event_id].get(field.question.key)
    if message:
        raise ValidationError(message)
