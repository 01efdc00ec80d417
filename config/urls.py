"""URL routing for HTTP; websockets are routed in config.asgi."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oauth/", include("oauth.urls")),
    path("reports/", include("reporting.urls")),
    path("alerts/", include("alerts.urls")),
    path("members/", include("oauth.member_urls")),
    path("", include("wxcc.urls")),
    path("", include("wallboard.urls")),
]
