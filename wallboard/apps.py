"""Django app registration for `wallboard`."""

from __future__ import annotations

from django.apps import AppConfig


class WallboardConfig(AppConfig):
    name = "wallboard"
    verbose_name = "Wallboards"
