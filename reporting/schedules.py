"""Report schedules: saving them (with their django-celery-beat entry), deciding which local
day is due, running a day's report and emailing it, and telling admins when it fails.

Exactly once per local day: a run row is unique per (schedule, local date) and is created
only by `fire_schedule`, which both beat's crontab entry and the minute sweeper call; the
run is claimed by one worker at a time and records when its email went out, so neither a
double tick, a DST fold, a catch-up nor a redelivered task sends twice. The file is written
whole before any email is built, so a half-built report is never sent.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time as time_module
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from oauth.models import Membership, Organization, Role

from .builders import ReportSpec
from .cache import ReportDataUnavailable
from .models import (
    JobStatus,
    RangeKind,
    ReportFormat,
    ReportJob,
    ReportKind,
    ReportSchedule,
    RunStatus,
    ScheduleRun,
)
from .ranges import DayRange, ReportRangeError, resolve_range
from .render import CONTENT_TYPES
from .schedule_times import ScheduleTimes, cron_day_of_week, due_local_date
from .services import generate_report, org_zone, report_path

logger = logging.getLogger(__name__)

FIRE_TASK = "reporting.fire_schedule"
# A run left "running" this long was lost with its worker: the sweeper queues it again.
STALE_RUN_AGE = timedelta(hours=1)
# Larger files are not attached; the email links to the download instead.
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024


def schedule_times(schedule: ReportSchedule) -> ScheduleTimes:
    return ScheduleTimes(
        time_of_day=schedule.time_of_day,
        weekdays=frozenset(int(d) for d in schedule.weekdays),
        zone=org_zone(schedule.organization),
    )


# --- saving ------------------------------------------------------------------------------------


def schedule_save(
    *,
    org: Organization,
    name: str,
    kind: ReportKind | str,
    range_kind: RangeKind | str,
    fmt: ReportFormat | str,
    recipients: Iterable[str],
    time_of_day: time,
    weekdays: Iterable[int],
    interval_minutes: int = 30,
    enabled: bool = True,
    created_by: AbstractBaseUser | AnonymousUser | None = None,
    schedule: ReportSchedule | None = None,
) -> ReportSchedule:
    """Create or update a schedule and its beat entry (a crontab in the org's zone)."""
    with transaction.atomic():
        schedule = schedule or ReportSchedule(
            organization=org,
            created_by=created_by if isinstance(created_by, User) else None,
        )
        schedule.name = name
        schedule.kind = ReportKind(kind)
        schedule.range_kind = RangeKind(range_kind)
        schedule.format = ReportFormat(fmt)
        schedule.recipients = sorted({r.strip() for r in recipients if r.strip()})
        schedule.time_of_day = time_of_day.replace(second=0, microsecond=0)
        schedule.weekdays = sorted({int(d) for d in weekdays})
        schedule.interval_minutes = interval_minutes
        schedule.enabled = enabled
        schedule.save()
        sync_periodic_task(schedule)
    return schedule


def sync_periodic_task(schedule: ReportSchedule) -> PeriodicTask:
    zone = org_zone(schedule.organization)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(schedule.time_of_day.minute),
        hour=str(schedule.time_of_day.hour),
        day_of_week=cron_day_of_week(schedule.weekdays),
        day_of_month="*",
        month_of_year="*",
        timezone=str(zone),
    )
    task, _ = PeriodicTask.objects.update_or_create(
        name=f"report-schedule-{schedule.pk}",
        defaults={
            "crontab": crontab,
            "interval": None,
            "task": FIRE_TASK,
            "args": json.dumps([schedule.pk]),
            "enabled": schedule.enabled,
            "description": f"Report schedule {schedule.name!r} of org {schedule.organization_id}",
        },
    )
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        schedule.save(update_fields=["periodic_task"])
    return task


def schedule_delete(schedule: ReportSchedule) -> None:
    with transaction.atomic():
        task = schedule.periodic_task
        schedule.delete()
        if task is not None:
            task.delete()


# --- firing ------------------------------------------------------------------------------------


def fire_schedule(schedule: ReportSchedule, *, now: datetime) -> ScheduleRun | None:
    """The run of the local day due at `now`, if it is due and was not made yet."""
    if not schedule.enabled:
        return None
    catch_up = timedelta(hours=float(settings.REPORTING_CATCH_UP_H))
    local_date = due_local_date(schedule_times(schedule), now=now, catch_up=catch_up)
    if local_date is None:
        return None
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(schedule=schedule, local_date=local_date)
    except IntegrityError:
        return None  # this local day's run exists: fired already
    logger.info(
        "event=report_schedule_fired org_id=%s schedule_id=%s local_date=%s",
        schedule.organization_id,
        schedule.pk,
        local_date.isoformat(),
    )
    return run


def fire_due_schedules(*, now: datetime) -> list[ScheduleRun]:
    """Every enabled schedule's due run not made yet (the sweeper beside beat's crontabs),
    plus runs whose worker was lost."""
    runs = [
        run
        for schedule in ReportSchedule.objects.filter(enabled=True).select_related("organization")
        if (run := fire_schedule(schedule, now=now)) is not None
    ]
    stale = ScheduleRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=now - STALE_RUN_AGE)
    for run in stale:
        if ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.RETRYING
        ):
            runs.append(run)
    return runs


# --- running -----------------------------------------------------------------------------------


class RunFailed(Exception):
    """A run that did not produce and send its report; `retryable` when trying later may help."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def claim_run(run_id: int, *, now: datetime) -> ScheduleRun | None:
    """Take the run for this worker; None if it is done, or another worker has it."""
    claimed = ScheduleRun.objects.filter(
        pk=run_id, status__in=[RunStatus.PENDING, RunStatus.RETRYING]
    ).update(status=RunStatus.RUNNING, attempts=F("attempts") + 1, started_at=now)
    if not claimed:
        return None
    return ScheduleRun.objects.select_related("schedule__organization").get(pk=run_id)


def execute_run(run: ScheduleRun, *, now: datetime) -> ScheduleRun:
    """Build the run's report for the range relative to its local date, then email it."""
    schedule = run.schedule
    org = schedule.organization
    if run.sent_at is not None:  # sent by an earlier attempt that died before recording it
        return _finish(run, status=RunStatus.SENT, now=now)
    started = time_module.monotonic()
    days = resolve_range(schedule.range_kind, today=run.local_date)
    spec = ReportSpec(
        kind=ReportKind(schedule.kind), days=days, interval_minutes=schedule.interval_minutes
    )
    fmt = ReportFormat(schedule.format)
    if fmt is ReportFormat.HTML:
        fmt = ReportFormat.PDF
    try:
        result = generate_report(org=org, spec=spec, fmt=fmt, now=now)
    except ReportDataUnavailable as exc:
        raise RunFailed(str(exc), retryable=True) from exc
    except ReportRangeError as exc:
        raise RunFailed(str(exc), retryable=False) from exc
    old_path = run.file_path
    run.first_day, run.last_day = days.first_day, days.last_day
    run.file_path = result.relative_path
    run.size_bytes = result.size_bytes
    run.save(update_fields=["first_day", "last_day", "file_path", "size_bytes"])
    if old_path and old_path != run.file_path:
        report_path(old_path).unlink(missing_ok=True)
    try:
        _send_report(run, fmt, days)
    except (smtplib.SMTPException, OSError) as exc:
        raise RunFailed(f"email could not be sent: {exc}", retryable=True) from exc
    ScheduleRun.objects.filter(pk=run.pk).update(sent_at=now)
    run.sent_at = now
    elapsed_ms = round((time_module.monotonic() - started) * 1000)
    return _finish(run, status=RunStatus.SENT, now=now, duration_ms=elapsed_ms)


def _finish(
    run: ScheduleRun,
    *,
    status: RunStatus,
    now: datetime,
    error: str = "",
    duration_ms: int | None = None,
) -> ScheduleRun:
    """Record how the run ended; its duration is the last attempt's (building and sending)."""
    run.status = status
    run.finished_at = now
    run.error = error[:500]
    if duration_ms is None:
        duration_ms = max(0, round((now - (run.started_at or now)).total_seconds() * 1000))
    run.duration_ms = duration_ms
    run.save(update_fields=["status", "finished_at", "error", "duration_ms"])
    return run


def record_retry(run: ScheduleRun, reason: str) -> None:
    ScheduleRun.objects.filter(pk=run.pk).update(status=RunStatus.RETRYING, error=reason[:500])


def record_failure(run: ScheduleRun, reason: str, *, now: datetime) -> None:
    _finish(run, status=RunStatus.FAILED, now=now, error=reason)
    logger.warning(
        "event=report_schedule_failed org_id=%s schedule_id=%s run_id=%s reason=%s",
        run.schedule.organization_id,
        run.schedule_id,
        run.pk,
        reason,
    )
    _notify_admins(run, reason)


# --- email -------------------------------------------------------------------------------------


def _download_url(run: ScheduleRun) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("reporting:run_download", args=[run.pk])


def _send_report(run: ScheduleRun, fmt: ReportFormat, days: DayRange) -> None:
    schedule = run.schedule
    org = schedule.organization
    range_label = days.label()
    title = ReportKind(schedule.kind).label
    subject = f"{title} · {range_label} · {org.name}"
    path = report_path(run.file_path)
    lines = [
        f"{title} for {org.name}, {range_label} ({org_zone(org)}).",
        f"Schedule: {schedule.name}.",
        "",
    ]
    attach = (run.size_bytes or 0) <= MAX_ATTACHMENT_BYTES
    if attach:
        lines.append("The report is attached.")
    else:
        lines.append(f"The report is too large to attach; download it here: {_download_url(run)}")
    message = EmailMessage(subject=subject, body="\n".join(lines), to=list(schedule.recipients))
    if attach:
        filename = f"{schedule.kind}_{range_label.replace(' to ', '_')}.{fmt.value}"
        message.attach(file_attachment(filename, path.read_bytes(), CONTENT_TYPES[fmt]))
    message.send(fail_silently=False)


def file_attachment(filename: str, content: bytes, content_type: str) -> MIMEBase:
    """An attachment sent byte for byte (base64): mail would otherwise rewrite a CSV's line
    ends and could drop the byte-order mark Excel needs."""
    maintype, _, subtype = content_type.split(";")[0].partition("/")
    part = MIMEBase(maintype, subtype)
    part.set_payload(content)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def admin_emails(org: Organization) -> list[str]:
    return sorted(
        {
            email
            for email in Membership.objects.filter(organization=org, role=Role.ADMIN).values_list(
                "user__email", flat=True
            )
            if email
        }
    )


def _notify_admins(run: ScheduleRun, reason: str) -> None:
    schedule = run.schedule
    recipients = admin_emails(schedule.organization)
    if not recipients:
        return
    body = (
        f"The scheduled report {schedule.name!r} for {run.local_date.isoformat()} failed after "
        f"{run.attempts} attempt(s) and was not sent.\n\nReason: {reason}\n\n"
        "Run history: "
        + settings.PUBLIC_BASE_URL.rstrip("/")
        + reverse("reporting:schedule_detail", args=[schedule.pk])
    )
    message = EmailMessage(
        subject=f"Scheduled report failed: {schedule.name}", body=body, to=recipients
    )
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning(
            "event=report_failure_notice_unsent org_id=%s schedule_id=%s reason=%s",
            schedule.organization_id,
            schedule.pk,
            exc,
        )


# --- retention ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pruned:
    runs: int
    jobs: int


def prune_report_files(*, now: datetime) -> Pruned:
    """Delete report files older than the retention (their rows stay, as history)."""
    cutoff = now - timedelta(days=int(settings.REPORTING_FILE_RETENTION_DAYS))
    runs = 0
    for run in ScheduleRun.objects.filter(finished_at__lt=cutoff, file_deleted=False).exclude(
        file_path=""
    ):
        report_path(run.file_path).unlink(missing_ok=True)
        run.file_deleted = True
        run.save(update_fields=["file_deleted"])
        runs += 1
    jobs = 0
    for job in ReportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    ).exclude(file_path=""):
        report_path(job.file_path).unlink(missing_ok=True)
        job.file_path = ""
        if job.status == JobStatus.SUCCEEDED:
            job.progress_text = "Expired"
        job.save(update_fields=["file_path", "progress_text"])
        jobs += 1
    return Pruned(runs=runs, jobs=jobs)
