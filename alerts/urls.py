"""HTTP routes of the alerts pages (included at /alerts/ from config.urls)."""

from __future__ import annotations

from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts_page, name="page"),
    path("active/", views.active_fragment, name="active"),
    path("rules/", views.rule_save, name="rule_save"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/", views.settings_save, name="settings"),
]
