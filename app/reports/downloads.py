"""Downloads of the summaries: PDF reports, the figures as CSV/XLSX, and an event's attendance.

Figures are aggregates: every signed-in account may download them. Attendance
names people: organisers only, and each export is recorded in the audit log
(app/services/reporting/figure_exports.py).
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, send_file

from ..console.access import requires
from ..extensions import db
from ..models import AccountRole, Event, Series
from ..services.reporting import chart_files, charts, figure_exports, report_pdf, summaries
from ..services.reporting.figure_exports import Download
from ..services.reporting.report_pdf import PdfFile
from . import bp
from .forms import PeriodForm


def attachment(filename: str) -> dict[str, str]:
    # Our filenames are ASCII letters, digits, hyphens and a dot: no quoting issue.
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def pdf_response(pdf: PdfFile) -> Response:
    return Response(pdf.content, mimetype=pdf.mimetype, headers=attachment(pdf.filename))


def download_response(download: Download) -> Response:
    # The chunks need no request context (see figure_exports): a response that is never read
    # to its end leaves no context behind to be popped out of turn.
    if download.chunks is not None:
        return Response(
            download.chunks,
            mimetype=download.mimetype,
            headers=attachment(download.filename),
        )
    return send_file(
        download.file, mimetype=download.mimetype, as_attachment=True, download_name=download.filename
    )


def _period():
    """The programme's period from the query string, or the page with its errors (400)."""
    form = PeriodForm(request.args)
    if not form.validate():
        return None, (render_template("reports/programme.html", form=form, summary=None), 400)
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

CHART_FILES = {
    "svg": ("image/svg+xml", chart_files.svg_file),
    "png": ("image/png", chart_files.png_file),
    "csv": ("text/csv", chart_files.csv_file),
}


def chart_response(exhibits: list[charts.Exhibit], key: str, fmt: str, stem: str) -> Response:
    made = CHART_FILES.get(fmt)
    exhibit = next((exhibit for exhibit in exhibits if exhibit.key == key), None)
    if made is None or exhibit is None:
        abort(404)
    mimetype, make = made
    return Response(make(exhibit), mimetype=mimetype, headers=attachment(f"{stem}-{exhibit.key}.{fmt}"))


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
