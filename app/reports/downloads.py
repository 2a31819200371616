"""Downloads of the summaries: PDF reports, the figures as CSV/XLSX, and an event's attendance.

Figures are aggregates: every signed-in account may download them. Attendance
names people: organisers only, and each export is recorded in the audit log
(app/services/reporting/figure_exports.py).
"""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request

from ..console.access import requires
from ..downloads import chart_response, download_response, pdf_response
from ..extensions import db
from ..models import AccountRole, Event, Series
from ..periods import PeriodForm
from ..services.reporting import charts, figure_exports, participants_list, report_pdf, summaries
from . import bp


def _period() -> tuple[tuple[date | None, date | None], tuple[str, int] | None]:
    """The programme's period from the query string, or the page with its errors (400)."""
    form = PeriodForm(request.args)
    if not form.validate():
        return (None, None), (render_template("reports/programme.html", form=form, summary=None), 400)
    return form.period(), None


# --- PDF reports ----------------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/report.pdf")
@requires(AccountRole.VIEWER)
def event_pdf(event_id: int):
    return pdf_response(report_pdf.event_pdf(db.get_or_404(Event, event_id)))


@bp.route("/series/<int:series_id>/report.pdf")
@requires(AccountRole.VIEWER)
def series_pdf(series_id: int):
    return pdf_response(report_pdf.series_pdf(db.get_or_404(Series, series_id)))


@bp.route("/programme/report.pdf")
@requires(AccountRole.VIEWER)
def programme_pdf():
    period, refused = _period()
    if refused:
        return refused
    return pdf_response(report_pdf.programme_pdf(*period))


# --- the figures as CSV and XLSX ------------------------------------------------------------------


@bp.route("/events/<int:event_id>/figures.csv", defaults={"fmt": "csv"})
@bp.route("/events/<int:event_id>/figures.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.VIEWER)
def event_figures(event_id: int, fmt: str):
    return download_response(figure_exports.event_figures_export(db.get_or_404(Event, event_id), fmt))


@bp.route("/series/<int:series_id>/figures.csv", defaults={"fmt": "csv"})
@bp.route("/series/<int:series_id>/figures.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.VIEWER)
def series_figures(series_id: int, fmt: str):
    return download_response(figure_exports.series_figures_export(db.get_or_404(Series, series_id), fmt))


@bp.route("/programme/figures.csv", defaults={"fmt": "csv"})
@bp.route("/programme/figures.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.VIEWER)
def programme_figures(fmt: str):
    period, refused = _period()
    if refused:
        return refused
    return download_response(figure_exports.programme_figures_export(*period, fmt))


# --- each chart as SVG, as PNG (for slides) and its figures as CSV: for whoever reads its page ---------


@bp.route("/events/<int:event_id>/charts/<key>.<fmt>")
@requires(AccountRole.VIEWER)
def event_chart(event_id: int, key: str, fmt: str):
    event = db.get_or_404(Event, event_id)
    return chart_response(
        charts.event_exhibits(summaries.event_summary(event)), key, fmt, f"event-{event.id}"
    )


@bp.route("/series/<int:series_id>/charts/<key>.<fmt>")
@requires(AccountRole.VIEWER)
def series_chart(series_id: int, key: str, fmt: str):
    series = db.get_or_404(Series, series_id)
    exhibits = charts.series_exhibits(summaries.series_summary(series))
    return chart_response(exhibits, key, fmt, f"series-{series.id}")


@bp.route("/programme/charts/<key>.<fmt>")
@requires(AccountRole.VIEWER)
def programme_chart(key: str, fmt: str):
    period, refused = _period()
    if refused:
        return refused
    exhibits = charts.programme_exhibits(summaries.programme_summary(*period))
    return chart_response(exhibits, key, fmt, "programme")


# --- attendance: personal data --------------------------------------------------------------------


@bp.route("/events/<int:event_id>/attendance.csv", defaults={"fmt": "csv"})
@bp.route("/events/<int:event_id>/attendance.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.ORGANISER)
def event_attendance_export(event_id: int, fmt: str):
    return download_response(figure_exports.attendance_export(db.get_or_404(Event, event_id), fmt))


# --- the list of participants: names, organisers only ---------------------------------------------


@bp.route("/events/<int:event_id>/participants.pdf", defaults={"fmt": "pdf"})
@bp.route("/events/<int:event_id>/participants.xlsx", defaults={"fmt": "xlsx"})
@requires(AccountRole.ORGANISER)
def event_participants_list(event_id: int, fmt: str):
    """The published list of participants: ?who=attended (the default) or confirmed."""
    event = db.get_or_404(Event, event_id)
    try:
        who = participants_list.Who(request.args.get("who", participants_list.Who.ATTENDED.value))
    except ValueError:
        abort(400)
    listing = participants_list.participants_list(event, who)
    participants_list.record_download(listing, fmt)
    if fmt == "pdf":
        return pdf_response(participants_list.pdf(listing))
    return download_response(participants_list.xlsx(listing))
