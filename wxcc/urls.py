"""HTTP routes of the wxcc app: the webhook receiver."""

from __future__ import annotations

from django.urls import path

from wxcc import views

app_name = "wxcc"

urlpatterns = [
    path("webhooks/wxcc/", views.receive_webhook, name="webhook"),
]
