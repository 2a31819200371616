"""File responses shared by the pages that offer downloads (the reports behind the console, the
published summaries): each a download named by its filename."""

from __future__ import annotations

from flask import Response, send_file

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
