"""Django app registration for `alerts`: evaluates the org's rules after each live-state
change (the same signal the wallboard's push receives; connected after it)."""

from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts.services import on_live_state_changed
        from wxcc.signals import live_state_changed

        live_state_changed.connect(
            on_live_state_changed, dispatch_uid="alerts.services.on_live_state_changed"
        )
