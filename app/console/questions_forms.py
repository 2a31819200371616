"""The form of an organiser's question: its words in each language, its choices, whether it is
required, and the answer it is shown on."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional

from ..models import Question, QuestionKind
from ..registration.forms import multiline_text, options, plain_text, strip
from ..services.registration import questions as rules

LABEL_MAX = 300
HELP_MAX = 1000
# Rows for new choices under the existing ones; and how many choices a question can have.
BLANK_CHOICES = 3
MAX_CHOICES = 60
LANGUAGE_NAMES = {"en": _l("English"), "fr": _l("French"), "ar": _l("Arabic")}


def _text(label, max_length: int, *validators, rtl: bool = False) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[Optional(), Length(max=max_length), *validators],
        render_kw={"maxlength": max_length, **({"dir": "rtl"} if rtl else {})},
    )


class ChoiceRow(Form):
    """One choice: its key (kept when relabelled), its label in each language."""

    key = HiddenField(filters=[strip], validators=[Optional(), Length(max=rules.KEY_MAX)])
    en = _text(_l("Choice in English"), LABEL_MAX, plain_text)
    fr = _text(_l("In French"), LABEL_MAX, plain_text)
    ar = _text(_l("In Arabic"), LABEL_MAX, plain_text, rtl=True)


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Kind of answer"),
        choices=options(QuestionKind.choices()),
        validators=[InputRequired()],
        validate_choice=True,
    )
    label_en = StringField(
        _l("Question in English"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Give the question in English.")),
            Length(max=LABEL_MAX),
            plain_text,
        ],
        render_kw={"maxlength": LABEL_MAX},
    )
    label_fr = _text(_l("Question in French"), LABEL_MAX, plain_text)
    label_ar = _text(_l("Question in Arabic"), LABEL_MAX, plain_text, rtl=True)
    help_en = _text(_l("Help text in English"), HELP_MAX, multiline_text)
    help_fr = _text(_l("Help text in French"), HELP_MAX, multiline_text)
    help_ar = _text(_l("Help text in Arabic"), HELP_MAX, multiline_text, rtl=True)
    required = BooleanField(_l("An answer is required"))
    show_if = SelectField(_l("Shown"), validate_choice=True)
    choices = FieldList(FormField(ChoiceRow), min_entries=0, max_entries=MAX_CHOICES)
    submit = SubmitField(_l("Save the question"))

    def __init__(self, *args, conditions: list[Question], question: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        locale = str(get_locale())  # the other questions named in the console's language
        self.show_if.choices = options(
            (
                (
                    f"{target.key}:{answer}",
                    _l(
                        "If “%(question)s” is answered “%(answer)s”",
                        question=rules.label(target, locale),
                        answer=text,
                    ),
                )
                for target in conditions
                for answer, text in rules.choice_options(target, locale)
            ),
            _l("Always"),
        )
        if question is not None:
            # Fixed once asked (answers are stored by it): shown, not sent.
            self.kind.data, self.kind.raw_data = question.kind.value, [question.kind.value]
            self.kind.render_kw = {"disabled": True}
        if kwargs.get("formdata", True) is None or not self.is_submitted():
            self._fill(question)

    def _fill(self, question: Question | None) -> None:
        rows = []
        if question is not None:
            for lang in rules.LANGUAGES:
                self[f"label_{lang}"].data = question.labels.get(lang, "")
                self[f"help_{lang}"].data = question.help.get(lang, "")
            self.required.data = question.required
            condition = question.show_if or {}
            self.show_if.data = f"{condition['question_key']}:{condition['answer_key']}" if condition else ""
            rows = [
                {"key": choice["key"], **choice.get("labels", {})}
                for choice in question.choices or []
                if not choice.get("retired")
            ]
        for row in rows + [{}] * BLANK_CHOICES:
            self.choices.append_entry(row)

    def details(self) -> rules.QuestionDetails:
        kind = self.question.kind if self.question is not None else QuestionKind(self.kind.data)
        question_key, _sep, answer_key = (self.show_if.data or "").partition(":")
        return rules.QuestionDetails(
            kind=kind,
            labels={lang: self[f"label_{lang}"].data or "" for lang in rules.LANGUAGES},
            help={lang: self[f"help_{lang}"].data or "" for lang in rules.LANGUAGES},
            choices=[
                {"key": row["key"] or "", "labels": {lang: row[lang] or "" for lang in rules.LANGUAGES}}
                for row in self.choices.data
            ],
            required=bool(self.required.data),
            show_if={"question_key": question_key, "answer_key": answer_key} if question_key else None,
        )
