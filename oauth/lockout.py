"""The password sign-in page and what a locked-out sign-in sees (django-axes'
AXES_LOCKOUT_CALLABLE): the sign-in page again, saying why and for how long, with 429 Too Many
Requests. Password reset exists only while settings.PASSWORD_RESET_ENABLED (mail works)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render


def describe_duration(duration: timedelta) -> str:
    """`15 minutes`, `1 hour`, `1 hour 30 minutes`: how long a lockout lasts, for people."""
    total_min = max(1, round(duration.total_seconds() / 60))
    hours, minutes = divmod(total_min, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def sign_in_context() -> dict[str, object]:
    """What the sign-in page tells everyone: the throttle, and whether reset exists."""
    return {
        "login_failure_limit": settings.AXES_FAILURE_LIMIT,
        "login_lockout_for": describe_duration(settings.AXES_COOLOFF_TIME),
        "password_reset_enabled": settings.PASSWORD_RESET_ENABLED,
    }


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    context = {
        **sign_in_context(),
        "form": AuthenticationForm(request),
        "locked_out_for": describe_duration(settings.AXES_COOLOFF_TIME),
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


class SignInView(auth_views.LoginView):
    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        # A refused sign-in is a client error: 400 with the form and its reason, not a 200.
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **sign_in_context()}


def reset_enabled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A password-reset view that is a 404 while reset is off (no working mail)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404("Password reset is not available.")
        return view(request, *args, **kwargs)

    return wrapped
