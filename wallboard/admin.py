"""Django admin for boards (until the board editor of a later issue): boards with their pages
and tiles, display links (the token shown once, as a link, on creation), queue settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from wallboard.models import Board, BoardPage, QueueSettings, Screen, Tile
from wallboard.services import screen_create, screen_revoke


class BoardPageInline(admin.TabularInline):
    model = BoardPage
    extra = 0
    show_change_link = True


class ScreenInline(admin.TabularInline):
    model = Screen
    extra = 0
    fields = ["name", "created_at", "last_seen_at", "revoked_at"]
    readonly_fields = ["name", "created_at", "last_seen_at", "revoked_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "slug", "theme", "time_zone", "rotation_s"]
    list_filter = ["organization"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["queues", "teams"]
    inlines = [BoardPageInline, ScreenInline]


class TileInline(admin.StackedInline):
    model = Tile
    extra = 0
    raw_id_fields = ["queue", "team"]


@admin.register(BoardPage)
class BoardPageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "board", "position"]
    list_filter = ["board__organization"]
    inlines = [TileInline]


@admin.register(Screen)
class ScreenAdmin(admin.ModelAdmin):
    """Display links. A new link's token is made here and shown once as the TV's URL."""

    list_display = ["name", "board", "created_at", "last_seen_at", "revoked_at"]
    list_filter = ["board__organization", "board"]
    fields = ["board", "name", "created_at", "last_seen_at", "revoked_at"]
    readonly_fields = ["created_at", "last_seen_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: Screen, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        screen, token = screen_create(board=obj.board, name=obj.name)
        obj.pk = screen.pk
        url = request.build_absolute_uri(
            reverse("wallboard:tv", args=[obj.board.slug]) + f"?token={token}"
        )
        messages.info(request, f"TV link (keep it secret): {url}")

    @admin.action(description="Revoke the selected display links (closes their screens)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Screen]) -> None:
        now = timezone.now()
        revoked = sum(screen_revoke(screen=screen, now=now) for screen in queryset)
        messages.info(request, f"Revoked {revoked} display link(s).")


@admin.register(QueueSettings)
class QueueSettingsAdmin(admin.ModelAdmin):
    list_display = ["queue", "service_level_threshold_s"]
    filter_horizontal = ["serving_teams"]
