"""URL routing for HTTP; websockets are routed in config.asgi."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, reverse_lazy

from config import health
from oauth.lockout import SignInView, reset_enabled

# django.contrib.auth.urls, with the sign-in page that states its throttle, and password-reset
# pages that are 404s unless mail works (settings.PASSWORD_RESET_ENABLED): never a form that
# promises an email nobody receives.
auth_patterns: list[URLPattern | URLResolver] = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        reset_enabled(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        reset_enabled(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        reset_enabled(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        reset_enabled(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    # The one-time link an admin hands a new member (members page): always on, since it needs
    # no mail; the same token rules and pages as a reset link.
    path(
        "welcome/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("member_password_set")
        ),
        name="member_set_password",
    ),
    path(
        "welcome/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="member_password_set",
    ),
]

urlpatterns = [
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include(auth_patterns)),
    path("oauth/", include("oauth.urls")),
    path("reports/", include("reporting.urls")),
    path("alerts/", include("alerts.urls")),
    path("members/", include("oauth.member_urls")),
    path("", include("wxcc.urls")),
    path("", include("wallboard.urls")),
]

# A database outage met outside a view is a 503 with the reason, not a 500.
handler500 = "config.middleware.server_error"
# An unknown API or webhook URL is a JSON 404 with the reason, like every other API answer.
handler404 = "config.middleware.not_found"
