"""Celery edges of the wxcc app: webhook event processing (with a drain of the org's burst),
the sweeper of events left behind, the poll fan-out and per-org poll, and pruning of applied
raw events."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from wxcc import poller, processing, signals
from wxcc.signals import coalesced_notifications

logger = logging.getLogger(__name__)

# The sweeper leaves events younger than this to the task their delivery enqueued.
_SWEEP_AFTER_S = 30
# The sweeper applies this many events per batch (as a hand-off message carries).
_SWEEP_BATCH = 50


@shared_task(
    name="wxcc.process_webhook_event",
    acks_late=True,
    # Recording an event's failure needs the database; if even that fails, retry later
    # (processing is idempotent).
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=1,
    retry_backoff_max=10,
    max_retries=8,
)
def process_webhook_event(raw_event_id: int) -> bool:
    """Apply one event, then the org's other events waiting for their first attempt, with
    one live-state announcement for all of them."""
    return processing.apply_and_drain([raw_event_id], drain_limit=_drain_limit()) > 0


@shared_task(
    name="wxcc.process_webhook_events",
    acks_late=True,
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=1,
    retry_backoff_max=10,
    max_retries=8,
)
def process_webhook_events(raw_event_ids: list[int]) -> int:
    """Apply a burst of events handed off together, as one batch, then the orgs' other
    events waiting for their first attempt (behind a backlog, one task applies what many
    hand-offs brought, in batches as large as WXCC_WEBHOOK_DRAIN_LIMIT, and the tasks of
    those hand-offs find nothing left to do), with one live-state announcement per org.
    Events are marked applied with their effects, so a retry or a redelivery re-applies
    nothing already applied. Returns how many were applied here."""
    return processing.apply_and_drain(raw_event_ids, drain_limit=_drain_limit())


def _drain_limit() -> int:
    return int(settings.WXCC_WEBHOOK_DRAIN_LIMIT)


@shared_task(name="wxcc.send_pending_live_state", ignore_result=True)
def send_pending_live_state(org_id: int) -> None:
    """Go on sending an org's live-state announcements for a holder of its in-flight lease
    that has sent for long enough (wxcc.signals.send_in_flight)."""
    signals.send_pending(org_id)


@shared_task(name="wxcc.process_pending_webhook_events")
def process_pending_webhook_events() -> int:
    """Sweep events stored but never applied (a lost enqueue, a crashed worker, an earlier
    failure with attempts left), in batches: one event that fails is recorded on its row
    and the sweep goes on."""
    ids = processing.pending_raw_event_ids(
        older_than=timezone.now() - timedelta(seconds=_SWEEP_AFTER_S)
    )
    with coalesced_notifications():
        for start in range(0, len(ids), _SWEEP_BATCH):
            processing.process_raw_events(ids[start : start + _SWEEP_BATCH])
    if ids:
        logger.info("event=pending_webhooks_swept count=%d", len(ids))
    return len(ids)


@shared_task(name="wxcc.prune_raw_events")
def prune_raw_events() -> int:
    deleted = processing.prune_raw_events(timezone.now())
    logger.info("event=raw_events_pruned count=%d", deleted)
    return deleted


@shared_task(name="wxcc.poll_all_orgs", ignore_result=True)
def poll_all_orgs() -> int:
    """Beat, every settings.WXCC_POLL_INTERVAL_S: one poll task per org that is due."""
    org_ids = poller.orgs_due_for_poll(timezone.now())
    # A poll nobody picked up within one interval is stale: the next tick polls fresher.
    expires_s = max(1.0, float(settings.WXCC_POLL_INTERVAL_S))
    for org_id in org_ids:
        poll_org.apply_async(args=(org_id,), expires=expires_s)
    return len(org_ids)


@shared_task(name="wxcc.poll_org", ignore_result=True)
def poll_org(org_id: int) -> dict[str, object]:
    result = poller.poll_org(org_id)
    return {"org_id": org_id, "ok": result.ok, "skipped": result.skipped, "error": result.error}
