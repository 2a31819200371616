"""Reporting: the summaries' figures, charts, narrative, the PDF report and the
exports.

Each domain's background work is in its tasks.py, beside its services.
"""
