"""The organisers' own questions on the public registration forms: one field per question,
added to a form as it is built (`ask`), checked together by the service's rules
(services/registration/questions.py) so that the page and the API refuse the same answers.

A question shown on another's answer carries its condition (in
templates/registration/_questions.html) for static/questions.js, which hides it until the
answer is given; without a script it stays in the page, its condition in its label ("If you
answered Yes to …").
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

from ..models import Question, QuestionKind
from ..services.regions import countries
from ..services.registration import questions as rules

PREFIX = "q_"
ERRORS = "_question_errors"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question: Question) -> str:
    return PREFIX + question.key


def ask(form, questions: list[Question], *, read_request: bool = True) -> None:
    """Add a field to `form` for each question, filled from the request if it was sent."""
    form.questions = questions
    if not questions:
        return
    locale = str(get_locale())
    by_key = {question.key: question for question in questions}
    formdata = form.meta.wrap_formdata(form, _Auto) if read_request and form.is_submitted() else None
    for question in questions:
        name = field_name(question)
        # As a form class binds its fields (WTForms refuses `form[name] = field` on a Form).
        options = {"name": name, "prefix": form._prefix, "translations": form.meta.get_translations(form)}
        bound = form.meta.bind_field(form, _unbound(question, by_key, locale), options)
        form._fields[name] = bound
        bound.question = question
        bound.flags.required = question.required
        bound.process(formdata)
        if bound.data is None and question.kind == QuestionKind.SEVERAL_CHOICES:
            bound.data = []


def answers(form) -> dict:
    """What the form sent for its questions, by question key (checked by the service)."""
    return {
        question.key: form[field_name(question)].data
        for question in getattr(form, "questions", [])
        if form[field_name(question)].data not in (None, "", [])
    }


def question_fields(form) -> list[Field]:
    return [form[field_name(question)] for question in getattr(form, "questions", [])]


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
    """The service's rules on all the form's answers, checked once; the error of this field, if any."""
    if not hasattr(form, ERRORS):
        try:
            rules.check_answers(form.questions, answers(form))
            setattr(form, ERRORS, {})
        except rules.InvalidAnswers as invalid:
            setattr(form, ERRORS, invalid.errors)
    message = getattr(form, ERRORS).get(field.question.key)
    if message:
        raise ValidationError(message)
