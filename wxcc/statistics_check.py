"""The cross-check against WxCC's deprecated statistics APIs: fetched only when
settings.WXCC_STATISTICS_CROSS_CHECK says so, kept beside what we compute, never shown."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings

from oauth.models import Organization
from wxcc import snapshots
from wxcc.client import WxccClient
from wxcc.exceptions import WxccBadRequest

logger = logging.getLogger(__name__)

STATISTICS_INTERVAL = timedelta(minutes=15)


def maybe_fetch_statistics(
    *, org: Organization, client: WxccClient, now: datetime, day_start: datetime
) -> None:
    """Only with settings.WXCC_STATISTICS_CROSS_CHECK: queue and agent statistics (REST,
    15-minute intervals) at most every WXCC_STATISTICS_INTERVAL_S, kept beside what we
    compute to compare. Nothing the product shows depends on them: Cisco deprecates these
    APIs (EOL 31 Mar 2027), so a 4xx is logged and the poll goes on. WxCC counts whole
    15-minute intervals, so in the first one of the org's day there is nothing to ask for."""
    interval_s = float(settings.WXCC_STATISTICS_INTERVAL_S)
    if not settings.WXCC_STATISTICS_CROSS_CHECK or interval_s <= 0:
        return
    if now - day_start < STATISTICS_INTERVAL:
        return
    previous = snapshots.statistics(org.pk)
    if previous is not None and (now - previous.as_of).total_seconds() < interval_s:
        return
    try:
        queues = client.queue_statistics(day_start, now)
        agents = client.agent_statistics(day_start, now)
    except WxccBadRequest as exc:
        logger.info("event=wxcc_statistics_unavailable org_id=%s reason=%s", org.pk, exc)
        queues, agents = [], []
    snapshots.store_statistics(
        org.pk,
        snapshots.StatisticsSnapshot(as_of=now, queues=tuple(queues), agents=tuple(agents)),
    )
