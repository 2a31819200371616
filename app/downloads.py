"""File responses shared by the pages that offer downloads (the reports behind the console, the
published summaries): each a download named by its filename."""

from __future__ import annotations

from flask import Response, abort, send_file

from .services.reporting import chart_files, charts
from .services.reporting.figure_exports import Download
from .services.reporting.report_pdf import PdfFile


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
    assert download.file is not None  # an XLSX, as an open file
    return send_file(
        download.file, mimetype=download.mimetype, as_attachment=True, download_name=download.filename
    )


# Each chart as SVG, as PNG (for slides) and its figures as CSV: for whoever reads its page.
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
