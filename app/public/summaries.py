"""The published summaries: aggregates only, never a person's data, except the list of
participants who agreed to be on it. Nothing shows before the organisers publish."""

from __future__ import annotations

from flask import render_template, request

from ..downloads import pdf_response
from ..periods import PeriodForm
from ..services.reporting import charts, narrative, report_pdf, summaries
from . import bp
from .queries import summary_event_or_404, summary_series_or_404


@bp.route("/events/<int:event_id>/summary")
def event_summary(event_id: int):
    event = summary_event_or_404(event_id)
    summary = summaries.event_summary(event)
    return render_template(
        "public/summary_event.html", event=event, summary=summary, exhibits=charts.event_exhibits(summary)
    )


@bp.route("/events/<int:event_id>/summary.pdf")
def event_summary_pdf(event_id: int):
    return pdf_response(report_pdf.event_pdf(summary_event_or_404(event_id), public=True))


@bp.route("/events/<int:event_id>/participants")
def participants(event_id: int):
    event = summary_event_or_404(event_id)
    return render_template(
        "public/participants.html", event=event, participants=summaries.participant_list(event)
    )


@bp.route("/series/<int:series_id>/summary")
def series_summary(series_id: int):
    series = summary_series_or_404(series_id)
    summary = summaries.series_summary(series, published_only=True)
    return render_template(
        "public/summary_series.html", series=series, summary=summary, exhibits=charts.series_exhibits(summary)
    )


@bp.route("/series/<int:series_id>/summary.pdf")
def series_summary_pdf(series_id: int):
    return pdf_response(report_pdf.series_pdf(summary_series_or_404(series_id), public=True))


@bp.route("/programme")
def programme_summary():
    form = PeriodForm(request.args)
    if not form.validate():
        return render_template("public/summary_programme.html", form=form, summary=None), 400
    summary = summaries.programme_summary(*form.period(), published_only=True)
    return render_template(
        "public/summary_programme.html",
        form=form,
        summary=summary,
        paragraph=narrative.programme_paragraph(summary),
        exhibits=charts.programme_exhibits(summary),
    )
