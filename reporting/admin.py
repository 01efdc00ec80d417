"""Django admin for the reporting cache, jobs, schedules and runs (read mostly)."""

from __future__ import annotations

from django.contrib import admin

from .models import DayFetch, ReportJob, ReportSchedule, ScheduleRun


@admin.register(DayFetch)
class DayFetchAdmin(admin.ModelAdmin):
    list_display = (
        "organization",
        "day",
        "zone",
        "final",
        "finished_at",
        "task_count",
        "span_count",
        "requests",
    )
    list_filter = ("final", "zone")
    date_hierarchy = "day"


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = (
        "organization",
        "kind",
        "format",
        "first_day",
        "last_day",
        "status",
        "created_at",
    )
    list_filter = ("status", "kind", "format")


class ScheduleRunInline(admin.TabularInline):
    model = ScheduleRun
    extra = 0
    fields = ("local_date", "status", "attempts", "duration_ms", "size_bytes", "sent_at", "error")
    readonly_fields = fields


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "kind",
        "range_kind",
        "format",
        "time_of_day",
        "enabled",
    )
    list_filter = ("enabled", "kind")
    inlines = (ScheduleRunInline,)
