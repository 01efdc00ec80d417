"""Applying stored webhook events to live state: a hand-off batch at a time, or one event on
its own.

A batch (`process_raw_events`) is applied in one transaction with a number of queries that
does not grow with its events: lock the batch's pending rows, map every event to its
observations (an unmappable one is recorded as such), sort each org's observations by event
time, merge them through the same batched services a poll uses (`wxcc.services`,
`wxcc.agent_services`), and mark every event applied in the same transaction. If anything in
the batch fails, nothing of it is kept and its events are applied one by one
(`process_raw_event`), where each failure is recorded on its own event.

Processing is idempotent and order-tolerant, so a redelivery, a replay or a retry after a
crash changes nothing that was already applied. One event's failure never blocks the others:
its writes roll back to a savepoint, the error is recorded on the event, and after
settings.WXCC_WEBHOOK_MAX_ATTEMPTS failures it is given up (the Django admin lists it; an
admin can retry it once fixed). The sweeper and the per-org drain skip given-up events.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from oauth.models import Organization
from wxcc.agent_services import apply_agent_observation, apply_agent_observations
from wxcc.models import RawEvent, Source
from wxcc.observations import AgentObservation, TaskObservation
from wxcc.services import apply_task_observation, apply_task_observations
from wxcc.signals import coalesced_notifications
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
            _log_unmappable(raw, exc)
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


def process_raw_events(raw_event_ids: Sequence[int]) -> int:
    """Apply a batch of stored events once each, with one live-state announcement per org.
    Returns how many were handled here (others were already applied, given up, or are being
    applied by another worker)."""
    with coalesced_notifications():
        try:
            return _apply_batch(raw_event_ids)
        except Exception as exc:
            # Whatever failed is rolled back with the whole batch; one by one, each event's
            # failure is recorded on that event and the others are applied.
            logger.warning(
                "event=webhook_batch_failed count=%d error=%s",
                len(raw_event_ids),
                type(exc).__name__,
                exc_info=exc,
            )
            return sum(1 for raw_event_id in raw_event_ids if process_raw_event(raw_event_id))


@dataclass(frozen=True)
class _News:
    """One observation of a batch, with the event that brought it."""

    obs: TaskObservation | AgentObservation
    event_id: str
    order: int  # the event's place in the batch: equal times keep their arrival order


def _apply_batch(raw_event_ids: Sequence[int]) -> int:
    with transaction.atomic():
        raws = list(
            # Locks as process_raw_event does: only the event rows, skipping those another
            # worker holds.
            RawEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization")
            .filter(pk__in=list(raw_event_ids), processed_at__isnull=True, gave_up=False)
            .order_by("received_at", "pk")
        )
        if not raws:
            return 0
        orgs: dict[int, Organization] = {}
        news: dict[int, list[_News]] = defaultdict(list)
        unmappable: list[tuple[RawEvent, WebhookRejected]] = []
        for order, raw in enumerate(raws):
            raw.attempts += 1
            raw.error = ""
            try:
                observations = _observations_of(raw)
            except WebhookRejected as exc:
                # Recorded with the batch (see process_raw_event), logged once it committed.
                raw.error = exc.reason
                unmappable.append((raw, exc))
                continue
            orgs[raw.organization_id] = raw.organization
            news[raw.organization_id] += [_News(obs, raw.event_id, order) for obs in observations]
        # Orgs in one order for every batch, so two batches lock their rows in one order.
        for org_id in sorted(news):
            _apply_news(orgs[org_id], news[org_id])
        now = timezone.now()
        # One plain UPDATE for the applied events (a bulk_update of every row costs more to
        # build than the batch's merge), and the few unmappable ones with their reasons.
        RawEvent.objects.filter(pk__in=[raw.pk for raw in raws if not raw.error]).update(
            attempts=F("attempts") + 1, error="", processed_at=now
        )
        if unmappable:
            for raw, _ in unmappable:
                raw.processed_at = now
            RawEvent.objects.bulk_update(
                [raw for raw, _ in unmappable], ["attempts", "error", "processed_at"]
            )
    for raw, rejected in unmappable:
        _log_unmappable(raw, rejected)
    return len(raws)


def _apply_news(org: Organization, news: list[_News]) -> None:
    """One org's observations, oldest first (so each task's and agent's news folds in
    event-time order), through the batched services."""
    task_news: list[tuple[TaskObservation, str]] = []
    agent_news: list[tuple[AgentObservation, str]] = []
    for item in sorted(news, key=lambda n: (n.obs.at, n.order)):
        if isinstance(item.obs, AgentObservation):
            agent_news.append((item.obs, item.event_id))
        else:
            task_news.append((item.obs, item.event_id))
    apply_agent_observations(
        org=org,
        observations=[obs for obs, _ in agent_news],
        source=Source.WEBHOOK,
        event_ids=[event_id for _, event_id in agent_news],
    )
    apply_task_observations(
        org=org,
        observations=[obs for obs, _ in task_news],
        source=Source.WEBHOOK,
        event_ids=[event_id for _, event_id in task_news],
    )


def _observations_of(raw: RawEvent) -> list[TaskObservation | AgentObservation]:
    envelope = parse_envelope(bytes(raw.body))
    return observations_for(envelope, received_at=raw.received_at, org_id=raw.organization_id)


def _log_unmappable(raw: RawEvent, exc: WebhookRejected) -> None:
    logger.warning(
        "event=webhook_unmappable org_id=%s event_id=%s reason=%s",
        raw.organization_id,
        raw.event_id,
        exc.reason,
    )


def _apply(raw: RawEvent) -> None:
    for obs in _observations_of(raw):
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
    return process_raw_events(ids)


def apply_and_drain(raw_event_ids: Sequence[int], *, drain_limit: int) -> int:
    """Apply these events as one batch, then their orgs' other events waiting for their first
    attempt (behind a backlog one task applies what many hand-offs brought, and the tasks of
    those hand-offs find nothing left to do), with one live-state announcement per org.
    Returns how many were applied here."""
    with coalesced_notifications():
        handled = process_raw_events(raw_event_ids)
        if not handled:
            return 0
        drained = sum(
            drain_org_events(org_id, limit=drain_limit)
            for org_id in _organizations_of(raw_event_ids)
        )
    if drained:
        logger.info("event=webhooks_drained count=%d", drained)
    return handled + drained


def _organizations_of(raw_event_ids: Sequence[int]) -> list[int]:
    return sorted(
        set(
            RawEvent.objects.filter(
                pk__in=list(raw_event_ids), organization_id__isnull=False
            ).values_list("organization_id", flat=True)
        )
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
