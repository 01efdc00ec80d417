"""Django admin for alerts: rules, settings (the token is never shown) and history."""

from __future__ import annotations

from django.contrib import admin

from alerts.models import AlertEvent, AlertRule, AlertSettings


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("queue", "kind", "threshold", "enabled", "breach_started_at", "announced")
    list_filter = ("organization", "kind", "enabled")


@admin.register(AlertSettings)
class AlertSettingsAdmin(admin.ModelAdmin):
    list_display = ("organization", "repeat_after_min", "webex_enabled", "last_send_error")
    exclude = ("webex_bot_token",)


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    list_display = ("at", "organization", "queue_name", "kind", "outcome", "delivery")
    list_filter = ("organization", "outcome", "delivery")
    readonly_fields = [f.name for f in AlertEvent._meta.fields]
