"""The published summaries: aggregates only, never a person's data, except the list of
participants who agreed to be on it. Nothing shows before the organisers publish."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from ..downloads import chart_response, pdf_response
from ..periods import PeriodForm
from ..services.reporting import charts, narrative, report_pdf, summaries
from . import bp
from .queries import summary_event_or_404, summary_series_or_404


# The page and its charts' files read the same summary (one function each): a file never
# shows what the page would not.
def _event_summary(event_id: int):
    event = summary_event_or_404(event_id)
    return event, summaries.event_summary(event, published=True)


def _series_summary(series_id: int):
    series = summary_series_or_404(series_id)
    return series, summaries.series_summary(series, published_only=True)


def _programme_summary(form: PeriodForm):
    return summaries.programme_summary(*form.period(), published_only=True)


@bp.route("/events/<int:event_id>/summary")
def event_summary(event_id: int):
    event, summary = _event_summary(event_id)  # summary None: figures never published
    return render_template(
        "public/summary_event.html",
        event=event,
        summary=summary,
        exhibits=charts.event_exhibits(summary) if summary else [],
        chart_url=lambda key, fmt: url_for(".event_chart", event_id=event.id, key=key, fmt=fmt),
    )


@bp.route("/events/<int:event_id>/summary/charts/<key>.<fmt>")
def event_chart(event_id: int, key: str, fmt: str):
    event, summary = _event_summary(event_id)
    if summary is None:  # figures never published: no chart either
        abort(404)
    return chart_response(charts.event_exhibits(summary), key, fmt, f"event-{event.id}")


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
    series, summary = _series_summary(series_id)
    return render_template(
        "public/summary_series.html",
        series=series,
        summary=summary,
        exhibits=charts.series_exhibits(summary),
        chart_url=lambda key, fmt: url_for(".series_chart", series_id=series.id, key=key, fmt=fmt),
    )


@bp.route("/series/<int:series_id>/summary/charts/<key>.<fmt>")
def series_chart(series_id: int, key: str, fmt: str):
    series, summary = _series_summary(series_id)
    return chart_response(charts.series_exhibits(summary), key, fmt, f"series-{series.id}")


@bp.route("/series/<int:series_id>/summary.pdf")
def series_summary_pdf(series_id: int):
    return pdf_response(report_pdf.series_pdf(summary_series_or_404(series_id), public=True))


@bp.route("/programme")
def programme_summary():
    form = PeriodForm(request.args)
    if not form.validate():
        return render_template("public/summary_programme.html", form=form, summary=None), 400
    summary = _programme_summary(form)
    return render_template(
        "public/summary_programme.html",
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


@bp.route("/programme/charts/<key>.<fmt>")
def programme_chart(key: str, fmt: str):
    form = PeriodForm(request.args)
    if not form.validate():
        return render_template("public/summary_programme.html", form=form, summary=None), 400
    return chart_response(charts.programme_exhibits(_programme_summary(form)), key, fmt, "programme")
