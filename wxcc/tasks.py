"""Celery edges of the wxcc app: webhook event processing, the poll fan-out and per-org
poll, and pruning of processed raw events."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from wxcc import events, poller
from wxcc.signals import coalesced_notifications

logger = logging.getLogger(__name__)


@shared_task(
    name="wxcc.process_webhook_event",
    acks_late=True,
    # Two events of one agent or task can meet on a row lock or a unique constraint; a
    # retry a moment later applies cleanly (processing is idempotent).
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=1,
    retry_backoff_max=10,
    max_retries=8,
)
def process_webhook_event(raw_event_id: int) -> bool:
    return events.process_raw_event(raw_event_id)


@shared_task(name="wxcc.process_pending_webhook_events")
def process_pending_webhook_events() -> int:
    """Sweep events stored but never processed (a lost enqueue, a crashed worker)."""
    ids = events.pending_raw_event_ids(older_than=timezone.now() - timedelta(seconds=30))
    with coalesced_notifications():
        for raw_event_id in ids:
            events.process_raw_event(raw_event_id)
    if ids:
        logger.info("event=pending_webhooks_swept count=%d", len(ids))
    return len(ids)


@shared_task(name="wxcc.prune_raw_events")
def prune_raw_events() -> int:
    deleted = events.prune_raw_events(timezone.now())
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
