"""Reads of stored WxCC state for the other apps (wallboard, reporting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from oauth.models import Organization
from wxcc.models import AgentSession, AgentState, RawEvent, SyncStatus, Task, TaskStatus


@dataclass(frozen=True)
class DataFreshness:
    """How current an org's stored data is, for stale markers and outage banners."""

    last_poll_ok_at: datetime | None
    last_webhook_at: datetime | None
    last_error: str
    consecutive_failures: int
    rate_limited_until: datetime | None
    live_contacts: int
    agents_logged_in: int
    is_stale: bool


def data_freshness(org: Organization, now: datetime, stale_after_s: float) -> DataFreshness:
    """Stale means neither a successful poll nor a webhook within `stale_after_s`."""
    sync = SyncStatus.objects.filter(organization=org).first()
    last_poll = sync.last_poll_ok_at if sync else None
    last_webhook = (
        RawEvent.objects.filter(organization=org)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    newest = max((t for t in (last_poll, last_webhook) if t is not None), default=None)
    return DataFreshness(
        last_poll_ok_at=last_poll,
        last_webhook_at=last_webhook,
        last_error=sync.last_error if sync else "",
        consecutive_failures=sync.consecutive_failures if sync else 0,
        rate_limited_until=sync.rate_limited_until if sync else None,
        live_contacts=Task.objects.filter(organization=org)
        .exclude(status=TaskStatus.ENDED)
        .count(),
        agents_logged_in=AgentSession.objects.filter(organization=org, logout_at__isnull=True)
        .exclude(state=AgentState.LOGGED_OUT)
        .count(),
        is_stale=newest is None or now - newest > timedelta(seconds=stale_after_s),
    )
