"""Celery edges of the wxcc app."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from wxcc import events

logger = logging.getLogger(__name__)


@shared_task(name="wxcc.process_webhook_event", acks_late=True)
def process_webhook_event(raw_event_id: int) -> bool:
    return events.process_raw_event(raw_event_id)


@shared_task(name="wxcc.process_pending_webhook_events")
def process_pending_webhook_events() -> int:
    """Sweep events stored but never processed (a lost enqueue, a crashed worker)."""
    ids = events.pending_raw_event_ids(older_than=timezone.now() - timedelta(seconds=30))
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
