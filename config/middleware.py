"""Cross-cutting HTTP middleware: the TV kiosk's frame policy, and a 503 with a reason
(never a 500) while the database is unreachable."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponseBase]


class KioskFramingMiddleware:
    """Every page refuses to be framed (X-Frame-Options DENY, CSP frame-ancestors 'none')
    except the TV page when settings.TV_FRAME_ANCESTORS names the origins that may embed it
    (signage players, portals): then it sends those as its CSP frame-ancestors and no
    X-Frame-Options (which cannot name an origin)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = request.resolver_match
        if settings.TV_FRAME_ANCESTORS and match is not None and match.view_name == "wallboard:tv":
            # XFrameOptionsMiddleware (inside this one) has already answered DENY.
            response.headers.pop("X-Frame-Options", None)
            ancestors = {"frame-ancestors": list(settings.TV_FRAME_ANCESTORS)}
            response._csp_replace = ancestors  # type: ignore[attr-defined]
            response._csp_replace_ro = ancestors  # type: ignore[attr-defined]
        return response
