"""Django app registration for `wxcc`."""

from __future__ import annotations

from django.apps import AppConfig


class WxccConfig(AppConfig):
    name = "wxcc"
    verbose_name = "WxCC ingestion"
