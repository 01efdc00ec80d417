"""What reporting stores: a cache of WxCC's history per org and local day (tasks and agent
state spans, read from search), on-demand report jobs, and report schedules with their runs.

The cache is the only thing reports are built from (docs/reports.md "Data"). Each read of
one local day from WxCC is a `DayFetch`; its rows become visible to reports only once the
fetch has finished, so a half-read day is never reported. A day whose end lies far enough
behind is `final`: it is never read from WxCC again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from oauth.models import Organization


class DayFetch(models.Model):
    """One read of one local day of an org's history from WxCC search."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # The zone the day was cut in: a change of the org's zone makes other days.
    zone = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # The day had ended (and settled) before the read began: never read again.
    final = models.BooleanField(default=False)
    task_count = models.PositiveIntegerField(default=0)
    span_count = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "zone", "day", "-finished_at"], name="dayfetch_lookup_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} ({self.zone}) of org {self.organization_id}"


class ReportTask(models.Model):
    """One WxCC task (CSR) as a day's fetch read it. A task that lasts past midnight is read
    by each day it touches; reports take the newest read of each task."""

    fetch = models.ForeignKey(DayFetch, on_delete=models.CASCADE, related_name="tasks")
    wxcc_id = models.CharField(max_length=64)
    channel_type = models.CharField(max_length=32, blank=True)
    direction = models.CharField(max_length=16, blank=True)
    origin = models.CharField(max_length=200, blank=True)
    queue_id = models.CharField(max_length=64, blank=True)
    queue_name = models.CharField(max_length=200, blank=True)
    agent_id = models.CharField(max_length=64, blank=True)
    agent_name = models.CharField(max_length=200, blank=True)
    team_id = models.CharField(max_length=64, blank=True)
    team_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    arrived_at = models.DateTimeField()  # entered the queue (created + self-service)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=False)
    handle_type = models.CharField(max_length=16, blank=True)  # CSR contactHandleType
    termination_type = models.CharField(max_length=64, blank=True)
    abandoned_type = models.CharField(max_length=64, blank=True)
    terminating_end = models.CharField(max_length=32, blank=True)
    queue_ms = models.BigIntegerField(null=True, blank=True)
    talk_ms = models.BigIntegerField(null=True, blank=True)
    hold_ms = models.BigIntegerField(null=True, blank=True)
    wrapup_ms = models.BigIntegerField(null=True, blank=True)
    transfer_count = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["fetch", "wxcc_id"], name="reporttask_fetch_idx"),
            models.Index(fields=["wxcc_id"], name="reporttask_wxcc_idx"),
            # A fetch's tasks in the order lists show them (arrival, then id): a day's list
            # streams from its first row instead of waiting for a sort of the whole day.
            models.Index(fields=["fetch", "arrived_at", "wxcc_id"], name="reporttask_arrival_idx"),
        ]

    def __str__(self) -> str:
        return f"task {self.wxcc_id}"


class ReportStateSpan(models.Model):
    """One stretch of one agent in one state (from WxCC's agent activity records), as a day's
    fetch read it; `end` None while it lasts."""

    fetch = models.ForeignKey(DayFetch, on_delete=models.CASCADE, related_name="spans")
    agent_id = models.CharField(max_length=64)
    agent_name = models.CharField(max_length=200, blank=True)
    team_id = models.CharField(max_length=64, blank=True)
    team_name = models.CharField(max_length=200, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16)  # wallboard.metrics.AgentState values
    wxcc_state = models.CharField(max_length=32, blank=True)  # the AAR word, as WxCC said it
    idle_code = models.CharField(max_length=100, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["fetch", "start"], name="reportspan_fetch_idx"),
            # Finding the newest read of a span that two days' fetches hold.
            models.Index(fields=["agent_id", "start"], name="reportspan_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} at {self.start.isoformat()}"


class ReportKind(models.TextChoices):
    QUEUE_SUMMARY = "queue-summary", "Queue summary"
    INTERVALS = "intervals", "Interval report"
    AGENTS = "agents", "Agent performance"
    ABANDONED = "abandoned", "Abandoned contacts"
    AGENT_STATES = "agent-states", "Agent state timeline"


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"
    HTML = "html", "In the browser"


class RangeKind(models.TextChoices):
    TODAY = "today", "Today"
    YESTERDAY = "yesterday", "Yesterday"
    THIS_WEEK = "this_week", "This week"
    LAST_WEEK = "last_week", "Last week"
    THIS_MONTH = "this_month", "This month"
    LAST_MONTH = "last_month", "Last month"
    CUSTOM = "custom", "Custom"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"


class ReportJob(models.Model):
    """A report someone asked for; a Celery task builds it and keeps the file."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    interval_minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_pct = models.PositiveSmallIntegerField(default=0)
    progress_text = models.CharField(max_length=200, blank=True)
    file_path = models.CharField(max_length=500, blank=True)  # relative to the reports folder
    size_bytes = models.BigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="reportjob_org_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_day}..{self.last_day} ({self.status})"


class ReportSchedule(models.Model):
    """A report emailed on chosen days at a local time of the org's zone.

    Beat fires it through its django-celery-beat `PeriodicTask` (a crontab in the org's
    zone); a run record unique per (schedule, local date) makes each local day send once.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="report_schedules"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    range_kind = models.CharField(max_length=16, choices=RangeKind.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    interval_minutes = models.PositiveSmallIntegerField(default=30)
    recipients = models.JSONField(default=list)  # email addresses
    time_of_day = models.TimeField()
    # ISO weekdays 1 (Monday) .. 7 (Sunday) on which it runs.
    weekdays = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ScheduleRun(models.Model):
    """One local day's run of a schedule: at most one per (schedule, local date)."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    local_date = models.DateField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    file_deleted = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "local_date"], name="one_run_per_schedule_and_local_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["finished_at"],
                name="schedulerun_files_idx",
                condition=Q(file_deleted=False) & ~Q(file_path=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} on {self.local_date} ({self.status})"
