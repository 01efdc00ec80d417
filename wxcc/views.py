"""The webhook receiver as a Django view: a thin edge over wxcc.receiver, which decides every
answer. Stores before it acknowledges; hands the event to a worker without waiting for the
broker; never answers 500. Under ASGI, config.asgi serves the same path with
wxcc.receiver.webhook_app instead (same answers, batched commits, no middleware); this view
serves it everywhere else (WSGI, Django's test client).

Answers (docs/wxcc-contract.md §1.7): 202 accepted, 200 duplicate; 200 "dropped" for a
delivery that cannot be authenticated (unknown subscription, bad signature, replayed or
mis-dated V2 timestamp, another org), so WxCC does not count it as a failure that may disable
the subscription; 429 with Retry-After past the per-address rate limit (wxcc.webhook_limit);
400/413/415 with a reason for a malformed one; 503 when the database is
unavailable (WxCC retries). Every refusal is counted for the org's admin (wxcc.rejections).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wxcc.events import Delivery
from wxcc.receiver import Answer, answer_deliveries, framing_rejection, rate_limited, refused


@csrf_exempt  # authenticated by the HMAC signature, not a browser session
@require_POST
def receive_webhook(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    limited = rate_limited(request.META.get("REMOTE_ADDR", ""), now)
    if limited is not None:
        return _response(limited)
    rejection = framing_rejection(request.headers.get("Content-Length"), request.content_type or "")
    if rejection is not None:
        return _response(refused(rejection, now))
    (answer,) = answer_deliveries([Delivery.from_headers(request.body, request.headers)], now)
    return _response(answer)


def _response(answer: Answer) -> JsonResponse:
    response = JsonResponse(answer.payload, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response
