"""Django admin for ingestion: webhook subscriptions (with a "register" button and a
re-register action) and each org's sync status. Secrets are never shown."""

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
from wxcc.models import SyncStatus, WebhookSubscription
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
