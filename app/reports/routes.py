"""The summaries in the console: read by everyone signed in, written and published by organisers."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..console.access import requires
from ..console.forms import ConfirmForm
from ..extensions import db
from ..models import AccountRole, Event, Series
from ..periods import PeriodForm
from ..services.reporting import charts, delegations, narrative, summaries
from ..services.reporting.summaries import SummaryError
from . import bp
from .forms import SummaryForm


@bp.route("/events/<int:event_id>")
@requires(AccountRole.VIEWER)
def event_summary(event_id: int):
    event = db.get_or_404(Event, event_id)
    return _event_page(event, SummaryForm(formdata=None))


@bp.route("/events/<int:event_id>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_summary_save(event_id: int):
    event = db.get_or_404(Event, event_id)
    return _save(event, lambda form, status=200: _event_page(event, form, status))


@bp.route("/events/<int:event_id>/figures/publish", methods=["POST"])
@requires(AccountRole.ORGANISER)
def event_figures_publish(event_id: int):
    """The live figures become the public ones (summary pages, PDFs, API)."""
    event = db.get_or_404(Event, event_id)
    if not ConfirmForm().validate_on_submit():
        return _event_page(event, SummaryForm(formdata=None), 400)
    try:
        summaries.publish_figures(event, by=current_user)
    except SummaryError as error:
        flash(str(error), "error")
        return _event_page(event, SummaryForm(formdata=None), 409)
    flash(_("The figures are published: the public summary shows them."), "success")
    return redirect(url_for(".event_summary", event_id=event.id), 303)


@bp.route("/series/<int:series_id>")
@requires(AccountRole.VIEWER)
def series_summary(series_id: int):
    series = db.get_or_404(Series, series_id)
    return _series_page(series, SummaryForm(formdata=None))


@bp.route("/series/<int:series_id>", methods=["POST"])
@requires(AccountRole.ORGANISER)
def series_summary_save(series_id: int):
    series = db.get_or_404(Series, series_id)
    return _save(series, lambda form, status=200: _series_page(series, form, status))


@bp.route("/programme")
@requires(AccountRole.VIEWER)
def programme():
    form = PeriodForm(request.args)
    if not form.validate():
        return render_template("reports/programme.html", form=form, summary=None), 400
    summary = summaries.programme_summary(*form.period())
    return render_template(
        "reports/programme.html",
        form=form,
        summary=summary,
        paragraph=narrative.programme_paragraph(summary),
        exhibits=charts.programme_exhibits(summary),
        chart_url=lambda key, fmt: url_for(
            ".programme_chart",
            key=key,
            fmt=fmt,
            **{"from": form.start.data or None, "to": form.end.data or None},
        ),
    )


def _event_page(event: Event, form: SummaryForm, status: int = 200):
    summary = summaries.event_summary(event)
    generated = narrative.event_paragraph(summary)
    _start_from(form, event.summary_text or generated, generated)
    return render_template(
        "reports/event.html",
        event=event,
        summary=summary,
        publication=summaries.publication(summary),
        publish_form=ConfirmForm(formdata=None),
        form=form,
        exhibits=charts.event_exhibits(summary),
        gender=summaries.gender_figures([event]),
        delegations=delegations.delegation_figures(event),
        answer_breakdowns=summaries.answer_breakdowns(event, str(get_locale())),
        chart_url=lambda key, fmt: url_for(".event_chart", event_id=event.id, key=key, fmt=fmt),
    ), status


def _series_page(series: Series, form: SummaryForm, status: int = 200):
    summary = summaries.series_summary(series)
    generated = narrative.series_paragraph(summary)
    _start_from(form, series.summary_text or generated, generated)
    return render_template(
        "reports/series.html",
        series=series,
        summary=summary,
        to_publish=summaries.to_publish(summary),
        form=form,
        exhibits=charts.series_exhibits(summary),
        gender=summaries.gender_figures([row.figures.event for row in summary.rows]),
        chart_url=lambda key, fmt: url_for(".series_chart", series_id=series.id, key=key, fmt=fmt),
    ), status


def _start_from(form: SummaryForm, saved: str, generated: str) -> None:
    """The text area shows what was sent back, else the saved text, else the generated one;
    "write it again" replaces it with the generated text (saved only when the organiser saves)."""
    if form.regenerate.data:
        form.summary_text.data = generated
    elif form.summary_text.data is None:
        form.summary_text.data = saved


def _save(target: Event | Series, page: Callable):
    form = SummaryForm()
    if not form.validate_on_submit():
        return page(form, 400)
    if form.regenerate.data:
        return page(form)
    publish = form.publishing()
    try:
        summaries.save_summary(target, form.summary_text.data, publish=publish)
    except SummaryError as error:
        form.summary_text.errors.append(str(error))
        return page(form, 409 if error.conflict else 400)
    flash(
        {
            True: _("The summary is saved and published."),
            False: _("The summary is saved and no longer public."),
            None: _("The summary is saved."),
        }[publish],
        "success",
    )
    if isinstance(target, Event):
        return redirect(url_for(".event_summary", event_id=target.id))
    return redirect(url_for(".series_summary", series_id=target.id))
