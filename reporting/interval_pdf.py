"""The interval report's PDF: the center's intervals as charts (the range's, then one per
day) and tables of the totals of each day and of each queue; every interval row only while
there are few (REPORTING_PDF_MAX_INTERVAL_ROWS).

Laying out table rows is what a PDF's time goes on (about a millisecond a cell in
WeasyPrint), so a month of twenty queues' intervals (30,000 rows) is left to the CSV,
and the PDF says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from .builders import CENTER_LABEL, ReportDocument
from .charts import interval_chart_svg, svg_data_url
from .display import display_day, display_table, display_timestamp, totals_table
from .interval_totals import IntervalChart, IntervalTotals

# Three days' charts to a page.
DAY_CHART_HEIGHT_IN = 1.6
DAY_CHART_TIME_LABELS = 8
ALL_DAYS_LABEL = "All days"


@dataclass(frozen=True)
class DaySection:
    label: str
    chart_src: str
    figures: tuple[tuple[str, str], ...]  # (column label, shown value) of the day's totals


def interval_pdf_html(
    document: ReportDocument, chart: IntervalChart, totals: IntervalTotals
) -> str:
    zone = document.zone
    show_detail = totals.interval_rows <= int(settings.REPORTING_PDF_MAX_INTERVAL_ROWS)
    days_table = totals_table(
        "Day",
        [
            *((display_day(day.day), day.center) for day in totals.days),
            (ALL_DAYS_LABEL, totals.range.center),
        ],
        zone,
    )
    queues_table = totals_table(
        "Queue",
        [
            *((row.queue, row.figures) for row in totals.range.queues),
            (CENTER_LABEL, totals.range.center),
        ],
        zone,
    )
    headers = [label for label, _ in days_table.headers[1:]]
    day_sections = [
        DaySection(
            label=label,
            chart_src=svg_data_url(
                interval_chart_svg(
                    day.chart,
                    height_in=DAY_CHART_HEIGHT_IN,
                    max_time_labels=DAY_CHART_TIME_LABELS,
                )
            ),
            figures=tuple(zip(headers, (text for text, _ in cells), strict=True)),
        )
        # The days table's rows, less its last (the range's total), are the days in order.
        for day, ((label, _), *cells) in zip(totals.days, days_table.rows[:-1], strict=True)
        if len(totals.days) > 1  # one day's chart and totals are the range's
    ]
    context = {
        "document": document,
        "center_label": CENTER_LABEL,
        "zone_name": str(zone),
        "generated_label": display_timestamp(document.generated_at, zone),
        "interval_rows": f"{totals.interval_rows:,}",
        "chart_src": svg_data_url(interval_chart_svg(chart)),
        "days_table": days_table,
        "queues_table": queues_table,
        "day_sections": day_sections,
        "detail": display_table(document, limit=totals.interval_rows) if show_detail else None,
    }
    return render_to_string("reporting/intervals_pdf.html", context)
