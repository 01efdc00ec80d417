"""Making reports: read what the cache lacks from WxCC, build the report, write its file.
Used by the on-demand job task, the schedule runs and the `report` command alike.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from oauth.exceptions import OAuthError
from oauth.models import Organization
from wallboard.metrics.collector import existing_objects_frozen
from wxcc.exceptions import WxccError

from .builders import BuildContext, ReportSpec, build_report
from .cache import ReportDataUnavailable, ensure_days
from .models import JobStatus, ReportFormat, ReportJob
from .ranges import DayRange, ReportRangeError, check_reportable, local_today
from .render import EXTENSIONS, render_to_file

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]  # (percent done, what happens now)


def org_zone(org: Organization) -> ZoneInfo:
    """The org's zone; an unknown name falls back to UTC rather than failing a report."""
    try:
        return ZoneInfo(org.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("event=report_unknown_zone org_id=%s zone=%r", org.pk, org.timezone)
        return ZoneInfo("UTC")


def reports_dir() -> Path:
    return Path(settings.REPORTING_DIR)


def report_path(relative: str) -> Path:
    """The absolute path of a stored report; refuses anything outside the reports folder."""
    root = reports_dir().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("report path outside the reports folder")
    return path


def _new_relative_path(org: Organization, spec: ReportSpec, fmt: ReportFormat) -> str:
    token = secrets.token_urlsafe(8)
    name = f"{spec.kind}_{spec.days.first_day}_{spec.days.last_day}_{token}.{EXTENSIONS[fmt]}"
    return f"org-{org.pk}/{name}"


@dataclass(frozen=True)
class GeneratedReport:
    relative_path: str
    size_bytes: int
    duration_ms: int
    requests: int


def generate_report(
    *,
    org: Organization,
    spec: ReportSpec,
    fmt: ReportFormat | str,
    now: datetime | None = None,
    output: Path | None = None,
    on_progress: Progress | None = None,
) -> GeneratedReport:
    """Build one report into a file (under the reports folder, or `output`).

    Raises `ReportRangeError` for a range WxCC cannot answer and `ReportDataUnavailable`
    when WxCC could not be read; nothing is written then.
    """
    fmt = ReportFormat(fmt)
    started = time.monotonic()
    now = now or timezone.now()
    zone = org_zone(org)
    check_reportable(spec.days, today=local_today(now, zone))

    def days_progress(done: int, total: int, text: str) -> None:
        if on_progress is not None:
            on_progress(5 + (80 * done) // max(1, total), text)

    try:
        cached = ensure_days(org=org, days=spec.days, zone=zone, now=now, on_progress=days_progress)
    except (WxccError, OAuthError) as exc:
        logger.warning(
            "event=report_data_unavailable org_id=%s kind=%s reason=%s", org.pk, spec.kind, exc
        )
        raise ReportDataUnavailable(f"WxCC could not be read: {exc}") from exc
    if on_progress is not None:
        on_progress(90, "Rendering")
    relative = "" if output is not None else _new_relative_path(org, spec, fmt)
    path = output if output is not None else report_path(relative)
    with existing_objects_frozen():
        document = build_report(
            spec, BuildContext(org=org, zone=zone, fetch_ids=cached.fetch_ids, now=now)
        )
        size = render_to_file(document, fmt, path)
    duration_ms = round((time.monotonic() - started) * 1000)
    logger.info(
        "event=report_generated org_id=%s kind=%s format=%s days=%d size_bytes=%d "
        "duration_ms=%d requests=%d",
        org.pk,
        spec.kind,
        fmt,
        spec.days.day_count,
        size,
        duration_ms,
        cached.requests,
    )
    return GeneratedReport(relative, size, duration_ms, cached.requests)


# --- on-demand jobs ---------------------------------------------------------------------------


def _update_job(job: ReportJob, **fields: object) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ReportJob.objects.filter(pk=job.pk).update(**fields)


def run_job(job: ReportJob, *, now: datetime | None = None) -> ReportJob:
    """Build a job's report, recording progress on the row the page polls."""
    _update_job(job, status=JobStatus.RUNNING, progress_pct=1, progress_text="Starting")

    def progress(pct: int, text: str) -> None:
        _update_job(job, progress_pct=min(99, pct), progress_text=text[:200])

    spec = ReportSpec(
        kind=job.kind,  # type: ignore[arg-type]
        days=DayRange(job.first_day, job.last_day),
        interval_minutes=job.interval_minutes,
    )
    try:
        result = generate_report(
            org=job.organization, spec=spec, fmt=job.format, now=now, on_progress=progress
        )
    except (ReportDataUnavailable, ReportRangeError) as exc:
        _update_job(
            job,
            status=JobStatus.FAILED,
            error=str(exc)[:500],
            progress_text="Failed",
            finished_at=timezone.now(),
        )
        return job
    _update_job(
        job,
        status=JobStatus.SUCCEEDED,
        progress_pct=100,
        progress_text="Ready",
        file_path=result.relative_path,
        size_bytes=result.size_bytes,
        finished_at=timezone.now(),
    )
    return job
