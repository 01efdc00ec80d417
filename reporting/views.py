"""Report pages: ask for a report (built by a Celery task while the page shows progress),
download or read it, and, for admins, schedules with their run history and the demo's
outbox. Thin edges: forms validate, services do the work."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from oauth.models import Organization
from oauth.permissions import admin_required, current_org, get_for_org_or_404, org_member_required

from . import outbox, schedules
from .forms import ReportRequestForm, ScheduleForm
from .models import JobStatus, ReportFormat, ReportJob, ReportSchedule, ScheduleRun
from .ranges import local_today
from .render import CONTENT_TYPES, EXTENSIONS
from .schedule_times import next_due, weekdays_label
from .services import org_zone, report_path
from .tasks import run_report_job

RECENT_JOBS = 15
RECENT_RUNS = 60


def _org(request: HttpRequest) -> Organization:
    org = current_org(request)
    if org is None:
        raise Http404
    return org


@org_member_required
@require_http_methods(["GET", "POST"])
def report_home(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    zone = org_zone(org)
    today = local_today(timezone.now(), zone)
    form = ReportRequestForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid() and form.days is not None:
        data = form.cleaned_data
        job = ReportJob.objects.create(
            organization=org,
            requested_by=request.user if request.user.is_authenticated else None,
            kind=data["kind"],
            format=data["format"],
            first_day=form.days.first_day,
            last_day=form.days.last_day,
            interval_minutes=data["interval_minutes"],
        )
        transaction.on_commit(lambda: run_report_job.delay(job.pk))
        return redirect("reporting:job", job_id=job.pk)
    jobs = ReportJob.objects.filter(organization=org)[:RECENT_JOBS]
    context = {"form": form, "jobs": jobs, "zone": zone, "today": today}
    status = 400 if request.method == "POST" else 200
    return render(request, "reporting/home.html", context, status=status)


def _job_context(job: ReportJob) -> dict[str, object]:
    fragment = ""
    if job.status == JobStatus.SUCCEEDED and job.format == ReportFormat.HTML and job.file_path:
        path = report_path(job.file_path)
        fragment = path.read_text(encoding="utf-8") if path.exists() else ""
    return {
        "job": job,
        "finished": job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        "report_html": fragment,
    }


@org_member_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_for_org_or_404(ReportJob.objects.all(), request, pk=job_id)
    return render(request, "reporting/job.html", _job_context(job))


@org_member_required
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_for_org_or_404(ReportJob.objects.all(), request, pk=job_id)
    return render(request, "reporting/job.html#job-status", _job_context(job))


def _file_response(relative: str, fmt: str, filename: str) -> HttpResponse:
    """A stored report, streamed. (Typed as HttpResponse because oauth's view decorators are;
    Django serves a FileResponse like any response.)"""
    if not relative:
        raise Http404("This report's file has expired.")
    path = report_path(relative)
    if not path.exists():
        raise Http404("This report's file has expired.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=fmt != ReportFormat.HTML,
        filename=filename,
        content_type=CONTENT_TYPES[ReportFormat(fmt)],
    )
    return cast(HttpResponse, response)


@org_member_required
def job_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_for_org_or_404(ReportJob.objects.all(), request, pk=job_id)
    if job.status != JobStatus.SUCCEEDED:
        raise Http404("This report is not ready.")
    fmt = ReportFormat(job.format)
    filename = f"{job.kind}_{job.first_day}_{job.last_day}.{EXTENSIONS[fmt]}"
    return _file_response(job.file_path, job.format, filename)


# --- schedules (admins) ------------------------------------------------------------------------


def _schedule_initial(schedule: ReportSchedule) -> dict[str, object]:
    return {
        "name": schedule.name,
        "kind": schedule.kind,
        "range_kind": schedule.range_kind,
        "format": schedule.format,
        "interval_minutes": schedule.interval_minutes,
        "recipients": ", ".join(schedule.recipients),
        "time_of_day": schedule.time_of_day,
        "weekdays": schedule.weekdays,
        "enabled": schedule.enabled,
    }


def _save_schedule(
    request: HttpRequest, form: ScheduleForm, schedule: ReportSchedule | None
) -> ReportSchedule:
    data = form.cleaned_data
    return schedules.schedule_save(
        org=_org(request),
        name=data["name"],
        kind=data["kind"],
        range_kind=data["range_kind"],
        fmt=data["format"],
        recipients=data["recipients"],
        time_of_day=data["time_of_day"],
        weekdays=data["weekdays"],
        interval_minutes=data["interval_minutes"],
        enabled=data["enabled"],
        created_by=request.user,
        schedule=schedule,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def schedule_list(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        schedule = _save_schedule(request, form, None)
        return redirect("reporting:schedule_detail", schedule_id=schedule.pk)
    now = timezone.now()
    rows = [
        {
            "schedule": schedule,
            "days": weekdays_label(schedule.weekdays),
            "next_due": next_due(schedules.schedule_times(schedule), after=now)
            if schedule.enabled
            else None,
            "last_run": schedule.runs.first(),
        }
        for schedule in ReportSchedule.objects.filter(organization=org).select_related(
            "organization"
        )
    ]
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "rows": rows, "zone": org_zone(org)}
    return render(request, "reporting/schedules.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def schedule_detail(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_for_org_or_404(
        ReportSchedule.objects.select_related("organization"), request, pk=schedule_id
    )
    form = ScheduleForm(request.POST or None, initial=_schedule_initial(schedule))
    if request.method == "POST" and form.is_valid():
        _save_schedule(request, form, schedule)
        return redirect("reporting:schedule_detail", schedule_id=schedule.pk)
    context = {
        "schedule": schedule,
        "form": form,
        "runs": schedule.runs.all()[:RECENT_RUNS],
        "zone": org_zone(schedule.organization),
        "days": weekdays_label(schedule.weekdays),
        "next_due": next_due(schedules.schedule_times(schedule), after=timezone.now())
        if schedule.enabled
        else None,
        "retention_days": settings.REPORTING_FILE_RETENTION_DAYS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "reporting/schedule_detail.html", context, status=status)


@admin_required
@require_POST
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_for_org_or_404(ReportSchedule.objects.all(), request, pk=schedule_id)
    schedules.schedule_delete(schedule)
    return redirect("reporting:schedules")


@org_member_required
def run_download(request: HttpRequest, run_id: int) -> HttpResponse:
    org = _org(request)
    run = (
        ScheduleRun.objects.select_related("schedule")
        .filter(pk=run_id, schedule__organization=org)
        .first()
    )
    if run is None or run.file_deleted:
        raise Http404("This report's file has expired.")
    fmt = ReportFormat(run.schedule.format if run.schedule.format != "html" else "pdf")
    filename = f"{run.schedule.kind}_{run.first_day}_{run.last_day}.{EXTENSIONS[fmt]}"
    return _file_response(run.file_path, fmt, filename)


# --- the demo's outbox (admins) -----------------------------------------------------------------


@admin_required
def outbox_page(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    messages = outbox.messages_for(org) if outbox.enabled() else []
    return render(
        request,
        "reporting/outbox.html",
        {"messages": messages, "enabled": outbox.enabled(), "folder": outbox.folder()},
    )


@admin_required
def outbox_attachment(request: HttpRequest, message_id: str, index: int) -> HttpResponse:
    org = _org(request)
    attachment = outbox.attachment_for(org, message_id, index) if outbox.enabled() else None
    if attachment is None:
        raise Http404
    response = HttpResponse(attachment.content, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{Path(attachment.filename).name}"'
    return response
