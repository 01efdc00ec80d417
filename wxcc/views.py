"""The webhook receiver: a thin edge over wxcc.events. Stores before it acknowledges; hands
the event to a worker without waiting for the broker; never answers 500.

Answers (docs/wxcc-contract.md §1.7): 202 accepted, 200 duplicate; 200 "dropped" for a
delivery that cannot be authenticated (unknown subscription, bad signature, replayed or
mis-dated V2 timestamp, another org), so WxCC does not count it as a failure that may disable
the subscription; 429 with Retry-After past the per-address rate limit (wxcc.webhook_limit);
400/413/415 with a reason for a malformed one; 503 when the database is
unavailable (WxCC retries). Every refusal is counted for the org's admin (wxcc.rejections).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wxcc import webhook_limit
from wxcc.events import accept_delivery
from wxcc.handoff import hand_off
from wxcc.models import RejectionReason
from wxcc.rejections import record_rejection
from wxcc.webhooks import DROPPED_STATUS, WebhookRejected

logger = logging.getLogger(__name__)

# Seconds WxCC is asked to wait before retrying when we could not store a delivery.
STORAGE_RETRY_AFTER_S = 30


@csrf_exempt  # authenticated by the HMAC signature, not a browser session
@require_POST
def receive_webhook(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    refusal = webhook_limit.check(request.META.get("REMOTE_ADDR", ""), now_s=now.timestamp())
    if refusal is not None:
        response = JsonResponse({"error": "too many deliveries from this address"}, status=429)
        response["Retry-After"] = str(refusal.retry_after_s)
        return response
    try:
        _check_framing(request)
        accepted = accept_delivery(request.body, request.headers, now=now)
    except WebhookRejected as exc:
        return _refused(exc, now)
    except (OperationalError, InterfaceError) as exc:
        logger.warning("event=webhook_storage_unavailable error=%s", exc.__class__.__name__)
        response = JsonResponse({"error": "storage unavailable, retry later"}, status=503)
        response["Retry-After"] = str(STORAGE_RETRY_AFTER_S)
        return response
    if accepted.duplicate:
        return JsonResponse({"status": "duplicate"}, status=200)
    raw_id = accepted.raw_event_id
    transaction.on_commit(lambda: hand_off(raw_id))
    return JsonResponse({"status": "accepted"}, status=202)


def _check_framing(request: HttpRequest) -> None:
    """What can be refused from the headers alone, before the body is read."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise WebhookRejected(400, "invalid Content-Length") from None
    if declared > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRejected(413, "body too large", RejectionReason.BODY_TOO_LARGE)
    if request.content_type != "application/json":
        raise WebhookRejected(
            415,
            "Content-Type must be application/json",
            RejectionReason.UNSUPPORTED_MEDIA_TYPE,
        )


def _refused(exc: WebhookRejected, now: datetime) -> JsonResponse:
    logger.info(
        "event=webhook_rejected org_id=%s subscription_id=%s status=%s code=%s reason=%s",
        exc.organization_id,
        exc.subscription_id or "-",
        exc.status,
        exc.code,
        exc.reason,
    )
    record_rejection(
        reason=exc.code,
        status_code=exc.status,
        detail=exc.reason,
        now=now,
        subscription_id=exc.subscription_id,
        organization_id=exc.organization_id,
    )
    if exc.status == DROPPED_STATUS:
        return JsonResponse({"status": "dropped", "reason": exc.reason}, status=DROPPED_STATUS)
    return JsonResponse({"error": exc.reason}, status=exc.status)
