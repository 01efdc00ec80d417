"""Celery tasks of the `oauth` app: keep every connected org's access token fresh."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from oauth import services
from oauth.exceptions import NotConnected, ReconsentRequired, TokenRefreshFailed
from oauth.models import ConnectionStatus, WebexConnection

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def refresh_expiring_tokens() -> dict[str, int]:
    """Refresh access tokens that expire within settings.WEBEX_TOKEN_REFRESH_AHEAD_S, well
    before they lapse. One org's failure never stops the others."""
    ahead = timedelta(seconds=settings.WEBEX_TOKEN_REFRESH_AHEAD_S)
    due = (
        WebexConnection.objects.filter(
            status=ConnectionStatus.CONNECTED, access_token_expires_at__lt=timezone.now() + ahead
        )
        .select_related("organization")
        .order_by("access_token_expires_at")
    )
    counts = {"ok": 0, "needs_reconsent": 0, "failed": 0}
    for conn in due:
        org = conn.organization
        try:
            services.refresh_connection(org, min_remaining=ahead)
        except ReconsentRequired:
            counts["needs_reconsent"] += 1
        except (TokenRefreshFailed, NotConnected) as exc:
            counts["failed"] += 1
            logger.warning("event=scheduled_refresh_failed org_id=%s error=%s", org.pk, exc)
        else:
            counts["ok"] += 1
    logger.info(
        "event=scheduled_refresh_done ok=%s needs_reconsent=%s failed=%s",
        counts["ok"],
        counts["needs_reconsent"],
        counts["failed"],
    )
    return counts
