"""The questions organisers ask on a registration form: per series (asked for each of its
events) and per event. Their answers are checked here, whatever sent them (the web form, the
API), and stored in `Registration.answers` by the question's key, choices by their keys, so
that relabelling a question or a choice keeps what people answered readable.

A question people have answered is never deleted: it is retired (off the form, still in the
registrations, exports and summaries); one nobody answered is deleted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import utcnow, write_transaction
from ...extensions import db
from ...models import Event, Question, QuestionKind, Registration, Series
from .. import audit
from ..regions import country_name, country_names

LANGUAGES = ("en", "fr", "ar")
FALLBACK = "en"
SHORT_MAX = 200
LONG_MAX = 4000
KEY_MAX = 40
YES, NO = "yes", "no"
YES_NO_LABELS = {YES: _l("Yes"), NO: _l("No")}


class QuestionError(ValueError):
    """A change to the questions the rules refuse; its message says why, to the organiser."""


class InvalidAnswers(ValueError):
    """Answers that do not fit the questions: {question key: message} (a key "" for the whole)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass
class QuestionDetails:
    """What the organiser's form (or a script) gives for a question."""

    kind: QuestionKind
    labels: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    # [{"key": existing key or "", "labels": {lang: text}}], in order; an existing choice
    # left out is retired (kept for the answers that name it).
    choices: list[dict] = field(default_factory=list)
    required: bool = False
    show_if: dict | None = None


# --- reading ---------------------------------------------------------------------------------


def text_in(texts: Mapping[str, str] | None, locale: str) -> str:
    """The text in `locale`, else in English (else in any language given)."""
    texts = texts or {}
    return texts.get(locale) or texts.get(FALLBACK) or next((t for t in texts.values() if t), "")


def label(question: Question, locale: str) -> str:
    return text_in(question.labels, locale)


def help_text(question: Question, locale: str) -> str:
    return text_in(question.help, locale)


def choice_options(question: Question, locale: str, *, with_retired: bool = False) -> list[tuple[str, str]]:
    """(key, label) of each choice in `locale`: a yes/no's two, the organiser's for a choice question."""
    if question.kind == QuestionKind.YES_NO:
        with force_locale(locale):
            return [(key, str(text)) for key, text in YES_NO_LABELS.items()]
    return [
        (choice["key"], text_in(choice.get("labels"), locale))
        for choice in question.choices or []
        if with_retired or not choice.get("retired")
    ]


def shown_value(question: Question, value, locale: str) -> str:
    """An answer as people read it: choices by their label (a retired one by its last), a
    country by its name, a date in the reader's style."""
    if value in (None, "", []):
        return ""
    with force_locale(locale):  # a yes/no's labels and a date's style, in the reader's language
        return _shown(question, value, locale)


def _shown(question: Question, value, locale: str) -> str:
    if question.kind == QuestionKind.COUNTRY:
        return country_name(str(value), locale)
    if question.kind == QuestionKind.DATE:
        try:
            return format_date(date.fromisoformat(str(value)), "medium")
        except ValueError:
            return str(value)
    if question.kind in (QuestionKind.YES_NO, QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES):
        names = dict(choice_options(question, locale, with_retired=True))
        values = value if isinstance(value, list) else [value]
        return ", ".join(names.get(str(item), str(item)) for item in values)
    return str(value)


def owned(owner: Series | Event, *, with_retired: bool = False) -> list[Question]:
    """The questions a series or an event asks itself, in order (a series' are what its form,
    for several events at once, asks of all; each chosen event's own follow)."""
    column = Question.series_id if isinstance(owner, Series) else Question.event_id
    query = sa.select(Question).where(column == owner.id)
    if not with_retired:
        query = query.where(Question.retired_dt.is_(None))
    return list(db.session.scalars(query.order_by(Question.position, Question.id)))


def for_event(
    event: Event, *, with_retired: bool = False, session: OrmSession | None = None
) -> list[Question]:
    """What an event's form asks: its series' questions first, then its own."""
    statement = _event_questions(with_retired, by_published_event=False)
    values = {"event_id": event.id, "series_id": event.series_id}
    return list((session or db.session).scalars(statement, values))


def for_published_event_id(event_id: int) -> list[Question]:
    """What the form of the published event `event_id` asks, in one statement without loading
    the event (which the registration service locks): its own questions if it is not published."""
    return list(db.session.scalars(_event_questions(False, by_published_event=True), {"event_id": event_id}))


@cache
def _event_questions(with_retired: bool, *, by_published_event: bool) -> sa.Select[Question]:
    """Built once (building it cost more than running it): series first (its event_id is NULL),
    each in its own order. A NULL series matches nothing."""
    series_id: sa.ColumnElement = sa.bindparam("series_id")
    if by_published_event:
        series_id = (
            sa.select(Event.series_id)
            .where(Event.id == sa.bindparam("event_id"), Event.is_published.is_(True))
            .scalar_subquery()
        )
    statement = sa.select(Question).where(
        sa.or_(Question.event_id == sa.bindparam("event_id"), Question.series_id == series_id)
    )
    if not with_retired:
        statement = statement.where(Question.retired_dt.is_(None))
    return statement.order_by(Question.event_id.is_not(None), Question.position, Question.id)


def own_of_events(events: list[Event]) -> list[tuple[Event, list[Question]]]:
    """(event, its own questions) for each of `events`, in their order, read in one statement:
    what the series form asks besides the series' questions, per event chosen."""
    by_event: dict[int, list[Question]] = {event.id: [] for event in events}
    if by_event:
        for question in db.session.scalars(
            sa.select(Question)
            .where(Question.event_id.in_(list(by_event)), Question.retired_dt.is_(None))
            .order_by(Question.position, Question.id)
        ):
            by_event[question.event_id].append(question)  # type: ignore[index]  # event_id set by the WHERE
    return [(event, by_event[event.id]) for event in events]


def version_key(questions: Iterable[Question]) -> tuple:
    """What a cached form page depends on: each question and its version, in order."""
    return tuple((question.id, question.version) for question in questions)


TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


def readable(questions: list[Question], sees_contact_details: bool) -> list[Question]:
    """The questions whose answers a reader may see: a viewer (who sees no addresses) does not
    read typed answers, which may hold an address or a passport number; choices, yes/no,
    countries and dates they do."""
    if sees_contact_details:
        return questions
    return [question for question in questions if question.kind not in TEXT_KINDS]


def answer_lines(registration: Registration, locale: str, *, with_text: bool = True) -> list[tuple[str, str]]:
    """(label, shown answer) of each question the person answered, in the form's order, retired
    ones too: for the confirmation's summary and the registration's page (`with_text` False:
    for a viewer, see `readable`)."""
    if not registration.answers:
        return []
    asked = readable(for_event(registration.event, with_retired=True), with_text)
    return lines_of(asked, locale)(registration.answers)


def lines_of(questions: list[Question], locale: str):
    """A function from a registration's answers to its (label, shown answer) lines, in the
    order of `questions`: for the rows of a table, its questions read once."""
    labels = [(question, label(question, locale)) for question in questions]

    def lines(answers: Mapping | None) -> list[tuple[str, str]]:
        answers = answers or {}
        return [
            (text, shown_value(question, answers[question.key], locale))
            for question, text in labels
            if answers.get(question.key) not in (None, "", [])
        ]

    return lines


def for_target(target: Series | Event) -> list[Question]:
    """The questions of an event (its series' first), or of a series and each of its events,
    retired ones too: the columns of an export."""
    if isinstance(target, Event):
        return for_event(target, with_retired=True)
    event_ids = [event.id for event in target.events]
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(sa.or_(Question.series_id == target.id, Question.event_id.in_(event_ids)))
            .order_by(Question.event_id.is_not(None), Question.event_id, Question.position, Question.id)
        )
    )


def cell_maker(questions: list[Question], locale: str):
    """A function from a registration's answers to one cell per question, as the reader reads
    them (choices by label, a country by name, a date as YYYY-MM-DD): the labels looked up once
    per export, not per cell."""
    names: list[dict[str, str] | None] = []
    for question in questions:
        if question.kind == QuestionKind.COUNTRY:
            names.append(country_names(locale))
        elif question.kind in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES, QuestionKind.YES_NO):
            names.append(dict(choice_options(question, locale, with_retired=True)))
        else:
            names.append(None)
    keys = [question.key for question in questions]

    def cells(answers: Mapping | None) -> list[str]:
        answers = answers or {}
        row = []
        for key, named in zip(keys, names, strict=True):
            value = answers.get(key)
            if value in (None, "", []):
                row.append("")
            elif named is None:
                row.append(str(value))
            else:
                values = value if isinstance(value, list) else [value]
                row.append(", ".join(named.get(str(item), str(item)) for item in values))
        return row

    return cells


def filter_choices(questions: list[Question], locale: str) -> list[tuple[str, str]]:
    """("question:choice", "Question: Choice") of every answer a choice question can have (a
    retired choice too: people gave it), for filtering a table by answer."""
    return [
        (f"{question.key}:{key}", f"{label(question, locale)}: {text}")
        for question in questions
        if question.kind in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES, QuestionKind.YES_NO)
        for key, text in choice_options(question, locale, with_retired=True)
    ]


# --- checking answers ------------------------------------------------------------------------


def is_shown(question: Question, answers: Mapping[str, object]) -> bool:
    """Whether the form asks `question` given the other answers (its condition, if any, met)."""
    condition = question.show_if
    if not condition:
        return True
    given = answers.get(condition.get("question_key", ""))
    wanted = condition.get("answer_key")
    return wanted in given if isinstance(given, list) else given == wanted


def check_answers(questions: list[Question], raw: Mapping[str, object] | None) -> dict:
    """The answers to store, from what was sent (form or API), or InvalidAnswers saying what is
    wrong with each: an unknown question, an unknown choice, a required answer missing (only
    where the question is shown). Answers to a question not shown are dropped."""
    raw = dict(raw or {})
    errors: dict[str, str] = {}
    by_key = {question.key: question for question in questions}
    for unknown in sorted(set(raw) - set(by_key)):
        errors[unknown] = str(_l("There is no such question."))
    clean: dict = {}
    # Unconditional questions first: a condition names one of them (see _condition).
    for question in sorted(questions, key=lambda q: bool(q.show_if)):
        if not is_shown(question, clean):
            continue
        try:
            value = _cleaned(question, raw.get(question.key))
        except QuestionError as error:
            errors[question.key] = str(error)
            continue
        if value in (None, "", []):
            if question.required:
                errors[question.key] = str(_l("Answer this question."))
            continue
        clean[question.key] = value
    if errors:
        raise InvalidAnswers(errors)
    return clean


def _cleaned(question: Question, value):
    """One answer, normalised, or QuestionError."""
    if value is None:
        return None
    if question.kind == QuestionKind.SEVERAL_CHOICES:
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in values):
            raise QuestionError(_l("Not a valid choice."))
        keys = [key for key, _label in choice_options(question, FALLBACK)]
        if any(item not in keys for item in values):
            raise QuestionError(_l("Not a valid choice."))
        return [key for key in keys if key in values]  # the organiser's order, once each
    if not isinstance(value, str):
        raise QuestionError(_l("Not a valid answer."))
    value = value.strip()
    if not value:
        return ""
    if question.kind in (QuestionKind.ONE_CHOICE, QuestionKind.YES_NO):
        if value not in dict(choice_options(question, FALLBACK)):
            raise QuestionError(_l("Not a valid choice."))
        return value
    if question.kind == QuestionKind.COUNTRY:
        if value.upper() not in country_names(FALLBACK):
            raise QuestionError(_l("Not a valid choice."))
        return value.upper()
    if question.kind == QuestionKind.DATE:
        try:
            return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad_date()
        except ValueError:
            return _bad_date()
    limit = LONG_MAX if question.kind == QuestionKind.LONG_TEXT else SHORT_MAX
    if len(value) > limit:
        raise QuestionError(_l("Keep the answer under %(max)d characters.", max=limit))
    allowed = "\t\n\r" if question.kind == QuestionKind.LONG_TEXT else ""
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in value):
        raise QuestionError(_l("This field contains characters that are not allowed."))
    return value


def _bad_date():
    raise QuestionError(_l("Enter a date such as 2027-03-15."))


def checked_for(session: OrmSession, event: Event, raw: Mapping[str, object] | None) -> dict:
    """The answers for a registration to `event`: its questions (its series' and its own)
    checked against what was sent, whichever form sent them."""
    questions = for_event(event, session=session)
    return check_answers(questions, raw) if questions or raw else {}


def kept_with(registration: Registration, asked: list[Question], checked: dict) -> dict:
    """A registration's answers once changed to `checked` (the answers to the questions
    `asked`): those to questions no longer asked (retired) stay as they were."""
    asked_keys = {question.key for question in asked}
    kept = {key: value for key, value in (registration.answers or {}).items() if key not in asked_keys}
    return {**kept, **checked}


def retired_lines(registration: Registration, locale: str) -> list[tuple[str, str]]:
    """(label, shown answer) of the answers to retired questions: shown, no longer changed."""
    if not registration.answers:
        return []
    retired = [q for q in for_event(registration.event, with_retired=True) if q.retired_dt is not None]
    return lines_of(retired, locale)(registration.answers)


# --- changing --------------------------------------------------------------------------------


def add_question(owner: Series | Event, details: QuestionDetails) -> Question:
    with write_transaction() as session:
        siblings = owned(owner, with_retired=True)
        question = Question(
            series_id=owner.id if isinstance(owner, Series) else None,
            event_id=owner.id if isinstance(owner, Event) else None,
            kind=details.kind,
            key=_new_key(owner, details.labels.get(FALLBACK, "")),
            position=max((q.position for q in siblings), default=-1) + 1,
        )
        _apply(question, details, siblings)
        session.add(question)
        session.flush()
        audit.record("question.add", question, _summary(owner, question), key=question.key)
    return question


def update_question(question: Question, details: QuestionDetails) -> Question:
    """Labels, help, choices, required and condition; the kind and key stay (answers use them)."""
    with write_transaction():
        owner = _owner(question)
        _apply(question, details, owned(owner, with_retired=True))
        _check_dependants_still_shown(owner, question)
        question.version += 1
        audit.record("question.update", question, _summary(owner, question), key=question.key)
    return question


def move_question(question: Question, step: int) -> bool:
    """Swap with its neighbour (step -1: up, +1: down); positions become 0..n-1."""
    with write_transaction():
        ordered = owned(_owner(question))  # the retired are off the form: not stepped over
        index = next(i for i, q in enumerate(ordered) if q.id == question.id)
        target = index + step
        if not 0 <= target < len(ordered):
            return False
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, sibling in enumerate(ordered):
            if sibling.position != position:
                sibling.position = position
                sibling.version += 1
        audit.record("question.move", question, _summary(_owner(question), question), step=step)
    return True


def remove_question(question: Question) -> bool:
    """Delete the question, or retire it if anyone answered it; True if retired. Refused while
    another question is shown on its answer."""
    if question.retired_dt is not None:
        return True  # removed before: its answers stay
    with write_transaction() as session:
        owner = _owner(question)
        dependants = [
            q for q in for_target(owner) if q.show_if and q.show_if.get("question_key") == question.key
        ]
        if dependants:
            raise QuestionError(
                _l(
                    "“%(label)s” is shown on the answer to this question: change or remove it first.",
                    label=label(dependants[0], FALLBACK),
                )
            )
        answered = has_answers(session, question)
        audit.record(
            "question.retire" if answered else "question.delete", question, _summary(owner, question)
        )
        if answered:
            question.retired_dt = utcnow()
            question.version += 1
        else:
            session.delete(question)
    return answered


def _check_dependants_still_shown(owner: Series | Event, question: Question) -> None:
    """A choice another question is shown on stays: removing it would hide that question."""
    offered = dict(choice_options(question, FALLBACK))
    for dependant in for_target(owner):
        condition = dependant.show_if or {}
        if condition.get("question_key") == question.key and condition.get("answer_key") not in offered:
            raise QuestionError(
                _l(
                    "“%(label)s” is shown on a choice removed here: change it first.",
                    label=label(dependant, FALLBACK),
                )
            )


def has_answers(session: OrmSession, question: Question) -> bool:
    """Whether any registration of the question's event(s) holds an answer to it."""
    if question.event_id is not None:
        events = sa.select(sa.literal(question.event_id))
    else:
        events = sa.select(Event.id).where(Event.series_id == question.series_id)
    stored: Iterable[dict | None] = session.scalars(
        sa.select(Registration.answers).where(Registration.event_id.in_(events.scalar_subquery()))
    )
    return any(answers and question.key in answers for answers in stored)


def _owner(question: Question) -> Series | Event:
    owner = (
        db.session.get(Series, question.series_id)
        if question.series_id
        else db.session.get(Event, question.event_id)
    )
    assert owner is not None  # the constraint: one owner, which cascades its questions away
    return owner


def _new_key(owner: Series | Event, english: str) -> str:
    return _free(_slug(english, KEY_MAX - 4, "question"), {question.key for question in for_target(owner)})


def _slug(text: str, length: int, default: str) -> str:
    """A key made of the words of `text`: lowercase ASCII letters and digits joined by "_"."""
    return re.sub(r"[^a-z0-9]+", "_", folded_ascii(text)).strip("_")[:length] or default


def folded_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def _apply(question: Question, details: QuestionDetails, siblings: list[Question]) -> None:
    if not (details.labels.get(FALLBACK) or "").strip():
        raise QuestionError(_l("Give the question in English: it is shown where no translation is given."))
    question.labels = _texts(details.labels)
    question.help = _texts(details.help)
    question.required = details.required
    question.choices = _choices(question, details.choices) if question.kind.has_choices else []
    question.show_if = _condition(question, details.show_if, siblings)


def _texts(texts: Mapping[str, str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in texts.items() if lang in LANGUAGES and (text or "").strip()}


def _choices(question: Question, given: list[dict]) -> list[dict]:
    """The choices given, in order, keeping the keys of existing ones; an existing choice left
    out stays, retired, with its last labels."""
    existing = {choice["key"]: choice for choice in question.choices or []}
    kept: list[dict] = []
    taken = set(existing)
    for item in given:
        labels = _texts(item.get("labels") or {})
        if not labels:
            continue
        if not labels.get(FALLBACK):
            raise QuestionError(_l("Give each choice in English."))
        key = item.get("key") or ""
        if key and key not in existing:
            raise QuestionError(_l("A choice was sent that this question does not have."))
        if not key:
            key = _free(_slug(labels[FALLBACK], 30, "choice"), taken)
            taken.add(key)
        kept.append({"key": key, "labels": labels})
    if len({choice["key"] for choice in kept}) != len(kept):
        raise QuestionError(_l("A choice was given twice."))
    if len(kept) < 2:
        raise QuestionError(_l("Give at least two choices."))
    kept_keys = {choice["key"] for choice in kept}
    retired = [{**choice, "retired": True} for key, choice in existing.items() if key not in kept_keys]
    return kept + retired


def _free(base: str, taken: set[str]) -> str:
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def _condition(question: Question, show_if: dict | None, siblings: list[Question]) -> dict | None:
    """A condition names another current choice or yes/no question of the same form, itself
    always shown (one level: no chains, no cycles), and one of its choices."""
    if not show_if or not show_if.get("question_key"):
        return None
    if any(
        q.show_if and q.show_if.get("question_key") == question.key for q in siblings if q.id != question.id
    ):
        raise QuestionError(_l("Other questions are shown on the answer to this one: it is always shown."))
    candidates = {q.key: q for q in conditions_for(question, siblings)}
    target = candidates.get(show_if["question_key"])
    if target is None:
        raise QuestionError(
            _l("A question can depend only on a choice or yes/no question that is always shown.")
        )
    if show_if.get("answer_key") not in dict(choice_options(target, FALLBACK)):
        raise QuestionError(_l("Choose the answer on which the question is shown."))
    return {"question_key": target.key, "answer_key": show_if["answer_key"]}


def conditions_for(question: Question, siblings: list[Question]) -> list[Question]:
    """The questions `question` may be shown on: current, unconditional choice or yes/no
    questions of its form other than itself (an event's form includes its series')."""
    pool = [q for q in siblings if q.id != question.id or question.id is None]
    if question.event_id is not None:
        event = db.session.get(Event, question.event_id)
        if event is not None and event.series_id is not None:
            series = db.session.get(Series, event.series_id)
            assert series is not None
            pool += owned(series)
    return [
        q
        for q in pool
        if q.retired_dt is None
        and not q.show_if
        and q is not question
        and q.kind in (QuestionKind.ONE_CHOICE, QuestionKind.YES_NO, QuestionKind.SEVERAL_CHOICES)
    ]


def _summary(owner: Series | Event, question: Question) -> str:
    return f"{owner.title}: {label(question, FALLBACK)}"


# --- counting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    """How many people gave each answer to a choice, yes/no or country question."""

    label: str
    counts: list[tuple[str, int]]  # (shown answer, people), most first
    answered: int


def counted(event: Event) -> list[Question]:
    """The event's questions whose answers a summary breaks down (retired ones too)."""
    return [q for q in for_event(event, with_retired=True) if q.kind.is_counted]


def breakdowns(
    questions: list[Question], registrations_answers: Iterable[Mapping | None], locale: str
) -> list[Breakdown]:
    """For each of `questions`, the people per answer among `registrations_answers`."""
    counters: dict[str, Counter[str]] = {question.key: Counter() for question in questions}
    answered: Counter[str] = Counter()
    for answers in registrations_answers:
        for question in questions:
            value = (answers or {}).get(question.key)
            if value in (None, "", []):
                continue
            answered[question.key] += 1
            counters[question.key].update(
                str(item) for item in (value if isinstance(value, list) else [value])
            )
    return [
        Breakdown(
            label(question, locale),
            [
                (shown_value(question, value, locale), count)
                for value, count in sorted(
                    counters[question.key].items(), key=lambda item: (-item[1], item[0])
                )
            ],
            answered[question.key],
        )
        for question in questions
        if answered[question.key]
    ]
