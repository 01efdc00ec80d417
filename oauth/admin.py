"""Django admin for tenancy and connections. Token columns are never shown or editable."""

from __future__ import annotations

from django.contrib import admin

from oauth.models import Membership, Organization, WebexConnection


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "webex_org_id", "region", "timezone", "created_at"]
    search_fields = ["name", "webex_org_id"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__email"]


@admin.register(WebexConnection)
class WebexConnectionAdmin(admin.ModelAdmin):
    # Tokens are excluded outright: not rendered, not editable, not searchable.
    exclude = ["access_token", "refresh_token"]
    list_display = ["organization", "status", "access_token_expires_at", "last_refreshed_at"]
    list_filter = ["status"]
    readonly_fields = [
        "organization",
        "status",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "scopes",
        "token_generation",
        "connected_by",
        "connected_at",
        "last_refreshed_at",
        "last_error",
        "last_error_at",
        "updated_at",
    ]

    def has_add_permission(self, request: object) -> bool:
        return False  # connections are made through the OAuth flow only
