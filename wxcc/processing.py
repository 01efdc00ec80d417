"""Applying stored webhook events to live state, one event at a time and each on its own.

Processing is idempotent and order-tolerant, so a redelivery, a replay or a retry after a
crash changes nothing that was already applied. One event's failure never blocks the others:
its writes roll back to a savepoint, the error is recorded on the event, and after
settings.WXCC_WEBHOOK_MAX_ATTEMPTS failures it is given up (the Django admin lists it; an
admin can retry it once fixed). The sweeper and the per-org drain skip given-up events.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxcc.agent_services import apply_agent_observation
from wxcc.models import RawEvent, Source
from wxcc.observations import AgentObservation
from wxcc.services import apply_task_observation
from wxcc.webhooks import WebhookRejected, observations_for, parse_envelope

logger = logging.getLogger(__name__)

# What an admin reads of an error; the whole traceback is in the worker's log.
_ERROR_MAX_CHARS = 1000


def process_raw_event(raw_event_id: int) -> bool:
    """Apply a stored event to live state once. Returns False when there was nothing to do
    (already applied, given up, or being applied by another worker)."""
    with transaction.atomic():
        raw = (
            # of=self: lock only the event row, never the joined organization row, which
            # other work (token refresh, polls) may hold; skip_locked lets a second worker
            # handed the same event step aside.
            RawEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization")
            .filter(pk=raw_event_id, processed_at__isnull=True, gave_up=False)
            .first()
        )
        if raw is None:
            return False
        raw.attempts += 1
        try:
            # A savepoint: a failure rolls back this event's writes and nothing else.
            with transaction.atomic():
                _apply(raw)
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
        except Exception as exc:
            # Whatever one event's data does (an impossible time, a value too long for its
            # column, a NUL byte), it is recorded here and the others go on.
            _record_failure(raw, exc)
            return True
        raw.processed_at = timezone.now()
        raw.error = ""
        raw.save(update_fields=["attempts", "error", "processed_at"])
    return True


def _apply(raw: RawEvent) -> None:
    envelope = parse_envelope(bytes(raw.body))
    for obs in observations_for(envelope, received_at=raw.received_at, org_id=raw.organization_id):
        if isinstance(obs, AgentObservation):
            apply_agent_observation(
                org=raw.organization, obs=obs, source=Source.WEBHOOK, event_id=raw.event_id
            )
        else:
            apply_task_observation(
                org=raw.organization, obs=obs, source=Source.WEBHOOK, event_id=raw.event_id
            )


def _record_failure(raw: RawEvent, exc: Exception) -> None:
    raw.error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX_CHARS]
    raw.failed_at = timezone.now()
    raw.gave_up = raw.attempts >= int(settings.WXCC_WEBHOOK_MAX_ATTEMPTS)
    raw.save(update_fields=["attempts", "error", "failed_at", "gave_up"])
    logger.warning(
        "event=webhook_apply_failed org_id=%s event_id=%s attempts=%d gave_up=%s error=%s",
        raw.organization_id,
        raw.event_id,
        raw.attempts,
        raw.gave_up,
        type(exc).__name__,
        exc_info=exc,
    )


def pending_raw_event_ids(older_than: datetime, limit: int = 500) -> list[int]:
    """Events accepted but not applied (the broker was down when they came, a worker died,
    or applying them failed and they have attempts left), oldest first."""
    return list(
        RawEvent.objects.filter(
            processed_at__isnull=True, gave_up=False, received_at__lt=older_than
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def drain_org_events(org_id: int, *, limit: int) -> int:
    """Apply the org's other events waiting for their first attempt (a burst of deliveries
    becomes one task's work); events that failed before are left to the sweeper, which
    retries them at its own pace. Returns how many were applied here."""
    ids = list(
        RawEvent.objects.filter(
            organization_id=org_id, processed_at__isnull=True, gave_up=False, attempts=0
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for raw_event_id in ids if process_raw_event(raw_event_id))


def organization_of(raw_event_id: int) -> int | None:
    return (
        RawEvent.objects.filter(pk=raw_event_id).values_list("organization_id", flat=True).first()
    )


def retry_given_up(raw_event_ids: list[int]) -> int:
    """Give given-up events another round of attempts (an admin fixed their cause)."""
    return RawEvent.objects.filter(
        pk__in=raw_event_ids, processed_at__isnull=True, gave_up=True
    ).update(gave_up=False, attempts=0, failed_at=None)


def prune_raw_events(now: datetime) -> int:
    """Delete applied and given-up raw events older than the retention window."""
    cutoff = now - timedelta(days=settings.WXCC_RAW_EVENT_RETENTION_DAYS)
    done = RawEvent.objects.filter(received_at__lt=cutoff).exclude(
        processed_at__isnull=True, gave_up=False
    )
    deleted, _ = done.delete()
    return deleted
