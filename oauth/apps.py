"""Django app registration for `oauth`."""

from __future__ import annotations

from django.apps import AppConfig


class OauthConfig(AppConfig):
    name = "oauth"
    verbose_name = "Webex connections"
