"""PDF report: the interval report of 30 days for 20 queues (30-minute intervals), rendered
to PDF through reporting's own path (`generate_report`: the cache, the builder, the charts and
WeasyPrint) in the bench process. The days are in the report cache as final fetches, so no
WxCC call is made (`pdf_report_wxcc_requests` says so) and `pdf_report_s` is reading,
computing and rendering.

Knobs: BENCH_PDF_DAYS, BENCH_PDF_QUEUES, BENCH_PDF_TASKS_PER_DAY.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.utils import timezone

from reporting.builders import ReportSpec
from reporting.models import ReportFormat, ReportKind
from reporting.ranges import DayRange
from reporting.services import generate_report
from tests.bench.knobs import knob_int
from tests.bench.report_data import bench_org, fill_days
from tests.bench.stack import Stack


def pdf_report(stack: Stack) -> dict[str, Any]:
    day_count = knob_int("BENCH_PDF_DAYS", full=30, quick=3)
    queues = knob_int("BENCH_PDF_QUEUES", full=20, quick=3)
    tasks_per_day = knob_int("BENCH_PDF_TASKS_PER_DAY", full=4000, quick=600)
    org = bench_org("bench-pdf-org", "Bench PDF")
    last_day = timezone.now().date() - timedelta(days=1)
    days = [last_day - timedelta(days=n) for n in reversed(range(day_count))]
    tasks = fill_days(org, days, tasks_per_day=tasks_per_day, queues=queues)
    spec = ReportSpec(kind=ReportKind.INTERVALS, days=DayRange(days[0], days[-1]))
    out = stack.workdir / "intervals.pdf"
    started = time.monotonic()
    report = generate_report(org=org, spec=spec, fmt=ReportFormat.PDF, output=out)
    elapsed_s = time.monotonic() - started
    return {
        "pdf_report_s": round(elapsed_s, 2),
        "pdf_report_days": day_count,
        "pdf_report_queues": queues,
        "pdf_report_tasks": tasks,
        "pdf_report_bytes": report.size_bytes,
        "pdf_report_wxcc_requests": report.requests,
    }
