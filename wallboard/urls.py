"""HTTP routes for boards and the supervisor pages."""

from __future__ import annotations

from django.urls import path

from wallboard import views

app_name = "wallboard"

urlpatterns = [
    path("", views.home, name="home"),
]
