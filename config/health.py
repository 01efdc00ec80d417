"""Liveness and readiness endpoints for load balancers and orchestrators.

Readiness checks the two things every request path needs: the database and Redis (broker,
channel layer and cache). A failed check answers 503 with the reason, so an operator reading
the probe output knows which dependency is down.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@csrf_exempt  # GET only: another method is a 405, not a CSRF 403 page
@require_GET
def liveness(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"database unavailable: {exc.__class__.__name__}"
    return None


def _check_redis() -> str | None:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"redis unavailable: {exc.__class__.__name__}"
    return None


@csrf_exempt
@require_GET
def readiness(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "redis": _check_redis()}
    failures = {name: reason for name, reason in checks.items() if reason}
    if failures:
        logger.warning("event=readiness_failed %s", " ".join(f"{k}=down" for k in failures))
        return JsonResponse({"status": "unavailable", "failures": failures}, status=503)
    return JsonResponse({"status": "ok", "checks": {name: "ok" for name in checks}})
