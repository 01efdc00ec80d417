"""Raw webhook events: accept a delivery durably (then it may be acknowledged), and process
stored events into live state. Processing is idempotent and order-tolerant, so a redelivery,
a replay or a retry after a crash changes nothing that was already applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxcc.models import RawEvent, Source, WebhookSubscription
from wxcc.observations import AgentObservation
from wxcc.services import apply_agent_observation, apply_task_observation
from wxcc.webhooks import (
    SIGNATURE_HEADER,
    WebhookRejected,
    observations_for,
    parse_envelope,
    signature_is_valid,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    raw_event_id: int
    duplicate: bool


def accept_delivery(body: bytes, headers: Mapping[str, str]) -> Accepted:
    """Verify and store one delivery. Raises WebhookRejected with a 4xx status and reason.

    `headers` should be case-insensitive (Django's request.headers), as HTTP headers are.
    """
    if len(body) > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        raise WebhookRejected(413, "body too large")
    envelope = parse_envelope(body)
    subscription = (
        WebhookSubscription.objects.select_related("organization")
        .filter(wxcc_subscription_id=envelope.subscription_id)
        .first()
    )
    # Unknown subscription and bad signature answer alike: nothing to tell a forger.
    if subscription is None or not signature_is_valid(
        subscription.secret, body, headers.get(SIGNATURE_HEADER)
    ):
        raise WebhookRejected(401, "missing or invalid signature")
    org = subscription.organization
    if envelope.org_id and org.webex_org_id and envelope.org_id != org.webex_org_id:
        raise WebhookRejected(400, "comciscoorgid does not match the subscription's org")
    try:
        with transaction.atomic():
            raw = RawEvent.objects.create(
                organization=org,
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                event_time=envelope.timestamp,
                body=body,
            )
    except IntegrityError:
        existing = RawEvent.objects.get(organization=org, event_id=envelope.event_id)
        logger.info("event=webhook_duplicate org_id=%s event_id=%s", org.pk, envelope.event_id)
        return Accepted(raw_event_id=existing.pk, duplicate=True)
    logger.info(
        "event=webhook_accepted org_id=%s event_id=%s type=%s",
        org.pk,
        envelope.event_id,
        envelope.event_type,
    )
    return Accepted(raw_event_id=raw.pk, duplicate=False)


def process_raw_event(raw_event_id: int) -> bool:
    """Apply a stored event to live state once. Returns False when it was already applied."""
    with transaction.atomic():
        raw = (
            # of=self: lock only the event row, never the joined organization row, which
            # other work (token refresh, polls) may hold; skip_locked lets a second worker
            # handed the same event step aside.
            RawEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization")
            .filter(pk=raw_event_id, processed_at__isnull=True)
            .first()
        )
        if raw is None:
            return False
        raw.attempts += 1
        try:
            envelope = parse_envelope(bytes(raw.body))
            observations = observations_for(envelope, received_at=raw.received_at)
        except WebhookRejected as exc:
            # Stored events were valid when accepted; a mapping failure is ours to fix and
            # replay, so keep the event with the reason rather than dropping it.
            raw.error = exc.reason
            raw.processed_at = timezone.now()
            raw.save(update_fields=["attempts", "error", "processed_at"])
            logger.warning(
                "event=webhook_unmappable org_id=%s event_id=%s reason=%s",
                raw.organization_id,
                raw.event_id,
                exc.reason,
            )
            return True
        for obs in observations:
            if isinstance(obs, AgentObservation):
                apply_agent_observation(raw.organization, obs, Source.WEBHOOK, raw.event_id)
            else:
                apply_task_observation(raw.organization, obs, Source.WEBHOOK, raw.event_id)
        raw.processed_at = timezone.now()
        raw.error = ""
        raw.save(update_fields=["attempts", "error", "processed_at"])
    return True


def pending_raw_event_ids(older_than: datetime, limit: int = 500) -> list[int]:
    """Events accepted but not processed (say, the broker was down when they came)."""
    return list(
        RawEvent.objects.filter(processed_at__isnull=True, received_at__lt=older_than)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def prune_raw_events(now: datetime) -> int:
    """Delete processed raw events older than the retention window."""
    cutoff = now - timedelta(days=settings.WXCC_RAW_EVENT_RETENTION_DAYS)
    deleted, _ = RawEvent.objects.filter(
        processed_at__isnull=False, received_at__lt=cutoff
    ).delete()
    return deleted
