"""Django app registration for `wallboard`: connects the live push to ingestion's signal."""

from __future__ import annotations

from django.apps import AppConfig


class WallboardConfig(AppConfig):
    name = "wallboard"
    verbose_name = "Wallboards"

    def ready(self) -> None:
        from wallboard.live import on_live_state_changed
        from wxcc.signals import live_state_changed

        live_state_changed.connect(
            on_live_state_changed, dispatch_uid="wallboard.live.on_live_state_changed"
        )
