"""The webhook receiver: a thin edge over wxcc.events. Stores before it acknowledges; every
refusal is a 4xx with a reason, never a 500."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from kombu.exceptions import OperationalError

from wxcc.events import accept_delivery
from wxcc.tasks import process_webhook_event
from wxcc.webhooks import WebhookRejected

logger = logging.getLogger(__name__)


@csrf_exempt  # authenticated by the HMAC signature, not a browser session
@require_POST
def receive_webhook(request: HttpRequest) -> JsonResponse:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return JsonResponse({"error": "invalid Content-Length"}, status=400)
    if declared > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    if request.content_type != "application/json":
        return JsonResponse({"error": "Content-Type must be application/json"}, status=415)
    try:
        accepted = accept_delivery(request.body, request.headers)
    except WebhookRejected as exc:
        logger.info("event=webhook_rejected status=%s reason=%s", exc.status, exc.reason)
        return JsonResponse({"error": exc.reason}, status=exc.status)
    if not accepted.duplicate:
        # Stored and committed: hand it to a worker. If the broker is down the event waits
        # in the database for the sweeper, so acknowledging is still safe.
        raw_id = accepted.raw_event_id
        transaction.on_commit(lambda: _enqueue(raw_id))
    return JsonResponse(
        {"status": "duplicate" if accepted.duplicate else "accepted"},
        status=200 if accepted.duplicate else 202,
    )


def _enqueue(raw_event_id: int) -> None:
    try:
        process_webhook_event.delay(raw_event_id)
    except OperationalError:
        logger.warning("event=webhook_enqueue_failed raw_event_id=%s", raw_event_id)
