"""Django admin for ingestion: webhook subscriptions (with a "register" button and a
re-register action), refused webhook deliveries, each org's sync status, and stored
webhook events (the ones given up after failing are listed with their error and can be
retried). Secrets are never shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from oauth.exceptions import OAuthError
from oauth.models import Organization
from wxcc.exceptions import WxccError
from wxcc.models import RawEvent, SyncStatus, WebhookRejection, WebhookSubscription
from wxcc.processing import retry_given_up
from wxcc.subscriptions import default_destination_url, register_subscription


class RegisterWebhooksForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.all())
    destination_url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        help_text="Where WxCC delivers events: https://<public host>/webhooks/wxcc/",
    )


def _register(request: HttpRequest, org: Organization, url: str) -> bool:
    try:
        rows = register_subscription(org, url)
    except (WxccError, OAuthError) as exc:
        messages.error(request, f"{org}: could not register webhooks ({exc}).")
        return False
    messages.success(request, f"{org}: {len(rows)} subscription(s) registered with WxCC.")
    return True


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    exclude = ["secret"]
    list_display = [
        "name",
        "organization",
        "wxcc_subscription_id",
        "resource_version",
        "status",
        "destination_url",
        "created_at",
    ]
    list_filter = ["status", "organization"]
    readonly_fields = [
        "organization",
        "wxcc_subscription_id",
        "name",
        "event_types",
        "destination_url",
        "api_version",
        "resource_version",
        "status",
        "created_at",
    ]
    actions = ["reregister"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # subscriptions are made at WxCC through the register button

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "register/",
                self.admin_site.admin_view(self.register_view),
                name="wxcc_webhooksubscription_register",
            )
        ]
        return custom + super().get_urls()

    def register_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = RegisterWebhooksForm(
            request.POST or None, initial={"destination_url": default_destination_url()}
        )
        if request.method == "POST" and form.is_valid():
            _register(
                request, form.cleaned_data["organization"], form.cleaned_data["destination_url"]
            )
            return HttpResponseRedirect(reverse("admin:wxcc_webhooksubscription_changelist"))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Register WxCC webhooks",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/wxcc/webhooksubscription/register.html", context)

    @admin.action(description="Re-register with WxCC (same URL and secrets)")
    def reregister(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        done: set[int] = set()
        for row in queryset.select_related("organization"):
            if row.organization_id in done:
                continue
            done.add(row.organization_id)
            _register(request, row.organization, row.destination_url)


@admin.register(SyncStatus)
class SyncStatusAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "last_poll_ok_at",
        "consecutive_failures",
        "rate_limited_until",
        "paused",
        "last_error",
    ]
    list_filter = ["paused"]
    readonly_fields = [
        "organization",
        "last_poll_started_at",
        "last_poll_ok_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "rate_limited_until",
    ]


class RawEventStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("given_up", "Given up"),
            ("failing", "Failing (will retry)"),
            ("pending", "Pending"),
            ("applied", "Applied"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        pending = queryset.filter(processed_at__isnull=True, gave_up=False)
        return {
            "given_up": queryset.filter(gave_up=True),
            "failing": pending.filter(failed_at__isnull=False),
            "pending": pending,
            "applied": queryset.filter(processed_at__isnull=False),
        }.get(self.value() or "", queryset)


@admin.register(RawEvent)
class RawEventAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "event_id",
        "organization",
        "received_at",
        "processed_at",
        "attempts",
        "gave_up",
        "short_error",
    ]
    list_filter = [RawEventStateFilter, "event_type", "organization"]
    search_fields = ["event_id", "error"]
    ordering = ["-received_at"]
    exclude = ["body"]
    readonly_fields = [
        "organization",
        "event_id",
        "event_type",
        "event_time",
        "received_at",
        "processed_at",
        "attempts",
        "failed_at",
        "gave_up",
        "error",
        "body_text",
    ]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events come from WxCC only

    @admin.display(description="error")
    def short_error(self, obj: RawEvent) -> str:
        return obj.error[:80]

    @admin.display(description="body")
    def body_text(self, obj: RawEvent) -> str:
        return bytes(obj.body).decode("utf-8", errors="replace")

    @admin.action(description="Retry the selected given-up events")
    def retry(self, request: HttpRequest, queryset: QuerySet[RawEvent]) -> None:
        count = retry_given_up(list(queryset.values_list("pk", flat=True)))
        messages.success(request, f"{count} event(s) will be retried by the next sweep.")


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(admin.ModelAdmin):
    """Refused deliveries, per subscription, reason and minute (read-only: the receiver writes
    them). Rows without an organization named no subscription we know."""

    list_display = [
        "minute",
        "organization",
        "wxcc_subscription_id",
        "reason",
        "status_code",
        "count",
        "last_at",
        "detail",
    ]
    list_filter = ["reason", "organization"]
    date_hierarchy = "minute"
    ordering = ["-minute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
