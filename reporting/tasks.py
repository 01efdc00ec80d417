"""Celery edges of reporting: on-demand report jobs, schedules (beat's crontab entries and
the minute sweeper), scheduled runs with retries, and pruning of old report files."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import schedules, services
from .models import ReportJob, ReportSchedule, ScheduleRun

logger = logging.getLogger(__name__)


@shared_task(name="reporting.run_report_job", acks_late=True, ignore_result=True)
def run_report_job(job_id: int) -> str:
    job = ReportJob.objects.select_related("organization").filter(pk=job_id).first()
    if job is None:
        return "missing"
    services.run_job(job)
    return str(job.status)


def _enqueue_runs(runs: list[ScheduleRun]) -> None:
    for run in runs:
        transaction.on_commit(partial(run_schedule_run.delay, run.pk))


@shared_task(name="reporting.fire_schedule", ignore_result=True)
def fire_schedule(schedule_id: int) -> bool:
    """Beat's crontab entry of one schedule (in the org's zone)."""
    schedule = ReportSchedule.objects.select_related("organization").filter(pk=schedule_id).first()
    if schedule is None:
        return False
    run = schedules.fire_schedule(schedule, now=timezone.now())
    if run is not None:
        _enqueue_runs([run])
    return run is not None


@shared_task(name="reporting.fire_due_schedules", ignore_result=True)
def fire_due_schedules() -> int:
    """Every minute: runs a crontab missed (a DST gap, beat down) and runs lost with a worker."""
    runs = schedules.fire_due_schedules(now=timezone.now())
    _enqueue_runs(runs)
    return len(runs)


@shared_task(name="reporting.run_schedule_run", bind=True, acks_late=True, ignore_result=True)
def run_schedule_run(self: Any, run_id: int) -> str:
    """Build and send one local day's report; retry with doubling back-off, then tell the
    org's admins why it failed."""
    run = schedules.claim_run(run_id, now=timezone.now())
    if run is None:
        return "not claimed"
    try:
        schedules.execute_run(run, now=timezone.now())
    except schedules.RunFailed as exc:
        retries = int(self.request.retries or 0)
        if exc.retryable and retries < int(settings.REPORTING_RUN_MAX_RETRIES):
            schedules.record_retry(run, exc.reason)
            countdown = float(settings.REPORTING_RETRY_BASE_S) * 2**retries
            logger.info(
                "event=report_run_retry org_id=%s run_id=%s retry=%d countdown_s=%.0f reason=%s",
                run.schedule.organization_id,
                run.pk,
                retries + 1,
                countdown,
                exc.reason,
            )
            raise self.retry(countdown=countdown, exc=exc, max_retries=None) from exc
        schedules.record_failure(run, exc.reason, now=timezone.now())
        return "failed"
    return "sent"


@shared_task(name="reporting.prune_report_files", ignore_result=True)
def prune_report_files() -> int:
    pruned = schedules.prune_report_files(now=timezone.now())
    if pruned.runs or pruned.jobs:
        logger.info("event=report_files_pruned runs=%d jobs=%d", pruned.runs, pruned.jobs)
    return pruned.runs + pruned.jobs
