"""CSV export: the abandoned-contacts report (one row per task) of a day holding a million
abandoned tasks, streamed to a file by the `report` command as its own process, as an admin
runs it. `csv_export_rows_per_s` is rows over the report's own duration (what the command
prints, without Django's start-up); `csv_export_peak_rss_mb` is the process's peak resident
memory. Beside it, `csv_ref_rows_per_s`: PostgreSQL's own `COPY (SELECT ...) TO STDOUT WITH
CSV` of the same rows and columns through psycopg, written to a file.

Knob: BENCH_CSV_ROWS.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.bench.knobs import knob_int
from tests.bench.report_data import bench_org, fill_days
from tests.bench.stack import Stack
from tests.foundation.processes import child_database_url

# Runs the command and prints its peak RSS: measured from the (large) bench process, a forked
# child would count the bench's own pages until it execs.
_LAUNCHER = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)
_WROTE = re.compile(r"Wrote .* \((\d+) bytes; (\d+) WxCC requests; (\d+) ms\)")

_REF_SELECT = """
    SELECT arrived_at, ended_at, queue_name, channel_type, origin,
           round(queue_ms / 1000.0, 1), 'abandoned', abandoned_type, terminating_end, wxcc_id
    FROM reporting_reporttask
    WHERE fetch_id = {fetch_id} AND answered_at IS NULL
    ORDER BY arrived_at, wxcc_id
"""


def _day() -> date:
    return timezone.now().date() - timedelta(days=2)


def _reference_rows_per_s(fetch_id: int, out_path: str) -> tuple[float, int]:
    sql = "COPY (" + _REF_SELECT.format(fetch_id=int(fetch_id)) + ") TO STDOUT WITH CSV HEADER"
    started = time.monotonic()
    rows = 0
    with (
        psycopg.connect(child_database_url("bench-csv-ref")) as conn,
        conn.cursor() as cursor,
        open(out_path, "wb") as out,
        cursor.copy(sql) as copy,
    ):
        for block in copy:
            out.write(block)
            rows += bytes(block).count(b"\n")
    elapsed_s = time.monotonic() - started
    return round((rows - 1) / elapsed_s, 1), rows - 1


def csv_export(stack: Stack) -> dict[str, Any]:
    rows = knob_int("BENCH_CSV_ROWS", full=1_000_000, quick=50_000)
    org = bench_org("bench-csv-org", "Bench CSV")
    day = _day()
    # Every task abandoned: one CSV row each.
    fill_days(org, [day], tasks_per_day=rows, queues=200, abandon_every=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reporting_reporttask")
    fetch_id = org_fetch_id(org.pk, day)
    out = stack.workdir / "abandoned.csv"
    command = [sys.executable, "manage.py", "report", "abandoned", "--from", day.isoformat()]
    command += ["--to", day.isoformat(), "--format", "csv", "--output", str(out)]
    command += ["--org", str(org.pk)]
    env = stack.child_env("bench-csv", REPORTING_DIR=str(stack.workdir))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall_s = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"the report command failed:\n{result.stderr[-2000:]}")
    wrote = _WROTE.search(result.stdout)
    if wrote is None:
        raise RuntimeError(f"the report command said nothing of its duration:\n{result.stdout}")
    report_ms = int(wrote.group(3))
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024  # Linux: kilobytes
    with out.open("rb") as handle:
        written = sum(1 for _ in handle) - 1  # the header
    ref_rows_per_s, ref_rows = _reference_rows_per_s(fetch_id, str(stack.workdir / "ref.csv"))
    return {
        "csv_export_rows_per_s": round(written / (report_ms / 1000.0), 1),
        "csv_export_peak_rss_mb": round(peak_mb, 1),
        "csv_ref_rows_per_s": ref_rows_per_s,
        "csv_export_rows": written,
        "csv_ref_rows": ref_rows,
        "csv_export_wall_s": round(wall_s, 2),
        "csv_export_wxcc_requests": int(wrote.group(2)),
        "csv_export_bytes": int(wrote.group(1)),
    }


def org_fetch_id(org_id: int, day: date) -> int:
    from reporting.models import DayFetch

    return DayFetch.objects.get(organization_id=org_id, day=day).pk
