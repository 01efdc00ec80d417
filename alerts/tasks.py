"""Celery edges of alerts: the beat evaluation (waits grow and repeats fall due without any
change in WxCC) and the delivery of each announcement to Webex, with retries."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from alerts import selectors, services, webex

logger = logging.getLogger(__name__)


@shared_task(name="alerts.evaluate_all", ignore_result=True)
def evaluate_all() -> int:
    """Evaluate every org with enabled rules; returns how many were evaluated."""
    done = 0
    for org_id in selectors.org_ids_with_rules():
        try:
            services.evaluate_org(org_id=org_id)
            done += 1
        except Exception:
            # One org's failure must not stop the others; the next tick tries again.
            logger.exception("event=alerts_evaluate_failed org_id=%s", org_id)
    return done


@shared_task(bind=True, name="alerts.send_event", ignore_result=True, max_retries=None)
def send_event(self: Any, event_id: int) -> None:
    """Post one announcement; a rate limit waits Retry-After, an outage backs off, and after
    ALERTS_SEND_MAX_ATTEMPTS the failure is recorded for the admins to see."""
    try:
        services.deliver_event(event_id=event_id)
    except (webex.WebexRateLimited, webex.WebexUnavailable) as exc:
        attempt = self.request.retries + 1
        if attempt >= int(settings.ALERTS_SEND_MAX_ATTEMPTS):
            services.record_delivery_failure(event_id=event_id, reason=exc.reason)
            return
        if isinstance(exc, webex.WebexRateLimited):
            countdown_s = exc.retry_after_s
        else:
            countdown_s = float(settings.ALERTS_SEND_BACKOFF_S) * 2 ** (attempt - 1)
        logger.warning(
            "event=alert_send_retry event_id=%s attempt=%s countdown_s=%s reason=%r",
            event_id,
            attempt,
            countdown_s,
            exc.reason,
        )
        raise self.retry(countdown=countdown_s, exc=exc) from None
