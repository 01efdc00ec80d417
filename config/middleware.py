"""Cross-cutting HTTP middleware: the TV kiosk's frame policy, and a 503 with a reason
(never a 500) while the database is unreachable."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views import defaults

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponseBase]


class KioskFramingMiddleware:
    """Every page refuses to be framed (X-Frame-Options DENY, CSP frame-ancestors 'none'),
    except a view marked @xframe_options_sameorigin (its own site may frame it: 'self'), and
    the TV page when settings.TV_FRAME_ANCESTORS names the origins that may embed it (signage
    players, portals): then it sends those as its CSP frame-ancestors and no X-Frame-Options
    (which cannot name an origin)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.headers.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
            # A view that allows its own site to frame it (@xframe_options_sameorigin, e.g. a
            # preview in an iframe) gets the same from the CSP, which browsers obey first.
            self_only = {"frame-ancestors": ["'self'"]}
            response._csp_replace = self_only  # type: ignore[attr-defined]
            response._csp_replace_ro = self_only  # type: ignore[attr-defined]
            return response
        match = request.resolver_match
        if settings.TV_FRAME_ANCESTORS and match is not None and match.view_name == "wallboard:tv":
            # XFrameOptionsMiddleware (inside this one) has already answered DENY.
            response.headers.pop("X-Frame-Options", None)
            ancestors = {"frame-ancestors": list(settings.TV_FRAME_ANCESTORS)}
            response._csp_replace = ancestors  # type: ignore[attr-defined]
            response._csp_replace_ro = ancestors  # type: ignore[attr-defined]
        return response


DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_RETRY_AFTER_S = 30


def database_unavailable_response(request: HttpRequest) -> HttpResponseBase:
    """503 with the reason and Retry-After: JSON for API and webhook callers, a short page
    for people. Renders no template and touches no database or session."""
    reason = "The database is unavailable; this page will work again once it is back."
    if _wants_json(request) or "json" in request.headers.get("Accept", ""):
        response: HttpResponseBase = JsonResponse(
            {"error": "database unavailable, retry later"}, status=503
        )
    else:
        response = HttpResponse(
            "<!doctype html><title>Temporarily unavailable</title>"
            f"<h1>Temporarily unavailable</h1><p>{reason}</p>",
            status=503,
        )
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach PostgreSQL answers 503 with the reason, never 500. (What
    fails outside a view, in another middleware, is caught by `server_error` below.)"""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning(
                "event=database_unavailable path=%s error=%s",
                request.path,
                exception.__class__.__name__,
            )
            return database_unavailable_response(request)
        return None


def server_error(request: HttpRequest) -> HttpResponseBase:
    """handler500: a database outage met outside a view (a middleware reading the session or
    the user) is still a 503 with the reason; anything else is Django's plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable_response(request)
    return defaults.server_error(request)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    """handler404: API and webhook callers get JSON with the reason, people the usual page."""
    if _wants_json(request):
        return JsonResponse({"error": "not found"}, status=404)
    return defaults.page_not_found(request, exception)
