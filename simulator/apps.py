"""Django app registration, so the simulator's package sits beside the others; it has no models."""

from __future__ import annotations

from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "simulator"
    verbose_name = "WxCC simulator"
