"""The questions organisers add to the registration form of a series (asked for each of its
events) or of one event: add, edit, reorder, remove (a question people answered is retired,
not deleted), and a preview of the form's part they make. Viewers read; organisers change."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import AccountRole, Event, Question, Series
from ..registration.forms import QuestionsPreview
from ..services.registration import questions as service
from . import bp, queries
from .access import requires
from .actions import press
from .forms import ConfirmForm
from .questions_forms import QuestionForm

STEPS = {"up": -1, "down": 1}


def _owner_of(question: Question) -> Series | Event:
    owner = (
        db.session.get(Series, question.series_id)
        if question.series_id
        else db.session.get(Event, question.event_id)
    )
    if owner is None:
        abort(404)
    return owner


def _draft(owner: Series | Event) -> Question:
    """A question not yet added (never in the session): what a new one may be shown on."""
    if isinstance(owner, Event):
        return Question(event_id=owner.id)
    return Question(series_id=owner.id)


def _list_url(owner: Series | Event) -> str:
    if isinstance(owner, Series):
        return url_for("console.series_questions", series_id=owner.id)
    return url_for("console.event_questions", event_id=owner.id)


def _page(
    owner: Series | Event, status: int = 200, problem: str | None = None, form: QuestionForm | None = None
):
    everything = service.owned(owner, with_retired=True)
    asked = [q for q in everything if q.retired_dt is None]
    preview = service.for_event(owner) if isinstance(owner, Event) else asked
    return render_template(
        "console/questions/list.html",
        owner=owner,
        is_series=isinstance(owner, Series),
        questions=asked,
        retired=[q for q in everything if q.retired_dt is not None],
        inherited=[q for q in preview if q.series_id is not None] if isinstance(owner, Event) else [],
        preview=QuestionsPreview(preview),
        form=form or QuestionForm(formdata=None, conditions=service.conditions_for(_draft(owner), asked)),
        can_edit=current_user.can(AccountRole.ORGANISER),
        confirm_form=ConfirmForm(),
        problem=problem,
        service=service,
        locale=str(get_locale()),  # each question's words in the console's language, else English
    ), status


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def event_questions(event_id: int):
    return _list_or_add(queries.event_or_404(event_id))


@bp.route("/series/<int:series_id>/questions", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def series_questions(series_id: int):
    return _list_or_add(queries.series_or_404(series_id))


def _list_or_add(owner: Series | Event):
    """The page; a POST (organisers only: see access.py) adds a question."""
    if request.method != "POST":  # the page builds its own empty form
        return _page(owner)
    form = QuestionForm(conditions=service.conditions_for(_draft(owner), service.owned(owner)))
    status = _save(form, lambda: service.add_question(owner, form.details()))
    if status is None:
        flash(_("The question is added."), "success")
        return redirect(_list_url(owner), 303)
    return _page(owner, status, form=form)


def _save(form: QuestionForm, save) -> int | None:
    """None once saved; else the status of the page shown again with why."""
    if not form.validate_on_submit():
        return 400
    try:
        save()
    except service.QuestionError as error:
        form.form_errors.append(str(error))
        return 400
    return None


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@requires(AccountRole.VIEWER)
def question(question_id: int):
    question = db.get_or_404(Question, question_id)
    owner = _owner_of(question)
    siblings = service.owned(owner, with_retired=True)
    form = QuestionForm(conditions=service.conditions_for(question, siblings), question=question)
    status = 200
    if form.is_submitted():
        if question.retired_dt is not None:
            abort(409)
        refused = _save(form, lambda: service.update_question(question, form.details()))
        if refused is None:
            flash(_("The question is saved."), "success")
            return redirect(_list_url(owner), 303)
        status = refused
    return render_template(
        "console/questions/edit.html",
        owner=owner,
        question=question,
        form=form,
        can_edit=current_user.can(AccountRole.ORGANISER) and question.retired_dt is None,
        languages=service.LANGUAGES,
        service=service,
        locale=str(get_locale()),
    ), status


@bp.route("/questions/<int:question_id>/move/<direction>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def question_move(question_id: int, direction: str):
    if direction not in STEPS:
        abort(404)
    question = db.get_or_404(Question, question_id)
    owner = _owner_of(question)
    return press(
        lambda: service.move_question(question, STEPS[direction]),
        refused=lambda status, why: _page(owner, status, why),
        back=_list_url(owner) + f"#question-{question.id}",
        errors=service.QuestionError,
    )


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@requires(AccountRole.ORGANISER)
def question_delete(question_id: int):
    question = db.get_or_404(Question, question_id)
    owner = _owner_of(question)
    return press(
        lambda: service.remove_question(question),
        refused=lambda status, why: _page(owner, status, why),
        back=_list_url(owner),
        errors=service.QuestionError,
        done=lambda retired: (
            _("People had answered it: the question is off the form, and their answers are kept.")
            if retired
            else _("The question is removed.")
        ),
    )
