"""Render a report document to a file: CSV (streamed), PDF (WeasyPrint from an HTML
template, charts as SVG) or the HTML fragment the browser page shows.

Files are written under a temporary name and renamed into place only once complete, so a
file that exists is whole: a half-built report can never be downloaded or sent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from .builders import CENTER_LABEL, ReportDocument
from .charts import interval_chart_svg, svg_data_url
from .csv_render import csv_chunks
from .display import display_table, display_timestamp
from .interval_pdf import interval_pdf_html
from .interval_totals import IntervalChart
from .models import ReportFormat

CONTENT_TYPES = {
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.HTML: "text/html; charset=utf-8",
}
EXTENSIONS = {ReportFormat.CSV: "csv", ReportFormat.PDF: "pdf", ReportFormat.HTML: "html"}


def _context(document: ReportDocument) -> dict[str, Any]:
    return {
        "document": document,
        "table": display_table(document),
        "center_label": CENTER_LABEL,
        "zone_name": str(document.zone),
        "generated_label": display_timestamp(document.generated_at, document.zone),
    }


def chart_data(chart: IntervalChart) -> dict[str, Any]:
    """What static/js/reports.js draws with Chart.js (the same figures as the PDF chart)."""
    return {
        "labels": list(chart.labels),
        "answered": list(chart.answered),
        "abandoned": list(chart.abandoned),
        "shortAbandoned": list(chart.short_abandoned),
        "serviceLevelPct": [None if v is None else round(v, 1) for v in chart.service_level_pct],
    }


def pdf_html(document: ReportDocument) -> str:
    if document.interval_totals is not None and document.chart is not None:
        return interval_pdf_html(document, document.chart, document.interval_totals)
    context = _context(document)
    context["chart_src"] = (
        svg_data_url(interval_chart_svg(document.chart)) if document.chart else ""
    )
    return render_to_string("reporting/report_pdf.html", context)


def browser_fragment(document: ReportDocument) -> str:
    context = _context(document)
    context["chart"] = chart_data(document.chart) if document.chart else None
    return render_to_string("reporting/_report_fragment.html", context)


def render_to_file(document: ReportDocument, fmt: ReportFormat | str, path: Path) -> int:
    """Write the report to `path` (atomically); returns its size in bytes."""
    fmt = ReportFormat(fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if fmt is ReportFormat.CSV:
            with partial.open("wb") as out:
                for chunk in csv_chunks(document):
                    out.write(chunk)
        elif fmt is ReportFormat.PDF:
            from weasyprint import HTML  # heavy import: only where PDFs are made

            HTML(string=pdf_html(document)).write_pdf(str(partial))
        else:
            partial.write_text(browser_fragment(document), encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size
