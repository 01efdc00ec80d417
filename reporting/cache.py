"""The reporting cache: each local day of an org's history read once from WxCC into
PostgreSQL, then every report built from there.

A day is read again only while it is not `final` (today, or a day that ended less than
settings.REPORTING_DAY_SETTLE_MIN ago, which search may still be filling in). Rows are written
page by page under a `DayFetch` that reports cannot see until it is finished, so memory stays
constant however large the day and a failed read leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from oauth.models import Organization
from wallboard.metrics import day_window

from . import search_documents as docs
from .models import DayFetch, ReportStateSpan, ReportTask
from .ranges import DayRange
from .wxcc_source import HistorySearch, read_day, report_client

logger = logging.getLogger(__name__)

# An unfinished fetch older than this was abandoned by a dead worker: its rows go.
STALE_FETCH_AGE = timedelta(hours=6)
BULK_BATCH = 2000

Progress = Callable[[int, int, str], None]  # (days done, days in all, what happens now)


class ReportDataUnavailable(Exception):
    """History could not be read from WxCC; the message says why (never a token)."""


def is_final(day: date, zone: ZoneInfo, now: datetime) -> bool:
    settle = timedelta(minutes=float(settings.REPORTING_DAY_SETTLE_MIN))
    return now >= day_window(day, zone).end + settle


def _latest_fetches(org: Organization, zone_name: str, days: DayRange) -> dict[date, DayFetch]:
    fetches = DayFetch.objects.filter(
        organization=org,
        zone=zone_name,
        day__gte=days.first_day,
        day__lte=days.last_day,
        finished_at__isnull=False,
    ).order_by("day", F("finished_at").desc(), F("pk").desc())
    latest: dict[date, DayFetch] = {}
    for fetch in fetches:
        latest.setdefault(fetch.day, fetch)
    return latest


@dataclass(frozen=True)
class CacheResult:
    fetch_ids: tuple[int, ...]
    days_read: int
    requests: int


def ensure_days(
    *,
    org: Organization,
    days: DayRange,
    zone: ZoneInfo,
    now: datetime,
    on_progress: Progress | None = None,
) -> CacheResult:
    """Make sure every day of `days` is in the cache (reading from WxCC what is missing or
    not final) and return the fetches reports should read, one per day."""
    zone_name = str(zone)
    cached = _latest_fetches(org, zone_name, days)
    missing = [day for day in days.days() if day not in cached or not cached[day].final]
    requests = 0
    if missing:
        with report_client(org) as client:
            search = HistorySearch(client=client, org_id=org.pk)
            for position, day in enumerate(missing):
                if on_progress is not None:
                    on_progress(position, len(missing), f"Reading {day.isoformat()} from WxCC")
                cached[day] = _read_into_cache(org, day, zone, now, search)
            requests = search.requests
        if on_progress is not None:
            on_progress(len(missing), len(missing), "History read")
    return CacheResult(
        fetch_ids=tuple(cached[day].pk for day in days.days()),
        days_read=len(missing),
        requests=requests,
    )


def _read_into_cache(
    org: Organization, day: date, zone: ZoneInfo, now: datetime, search: HistorySearch
) -> DayFetch:
    final = is_final(day, zone, now)
    fetch = DayFetch.objects.create(
        organization=org, day=day, zone=str(zone), started_at=now, final=final
    )
    first_request = search.requests
    try:
        read = read_day(
            search,
            window=day_window(day, zone),
            now=now,
            final=final,
            on_tasks=lambda batch: _store_tasks(fetch, batch),
            on_spans=lambda batch: _store_spans(fetch, batch),
        )
    except BaseException:
        fetch.delete()
        raise
    with transaction.atomic():
        fetch.finished_at = now
        fetch.task_count = read.tasks
        fetch.span_count = read.spans
        fetch.requests = search.requests - first_request
        fetch.save(update_fields=["finished_at", "task_count", "span_count", "requests"])
        # Older reads of the day, and reads abandoned by a dead worker, are superseded.
        DayFetch.objects.filter(organization=org, zone=str(zone), day=day).exclude(
            pk=fetch.pk
        ).filter(Q(finished_at__isnull=False) | Q(started_at__lt=now - STALE_FETCH_AGE)).delete()
    logger.info(
        "event=report_day_cached org_id=%s day=%s zone=%s final=%s tasks=%d spans=%d requests=%d",
        org.pk,
        day.isoformat(),
        zone,
        final,
        read.tasks,
        read.spans,
        fetch.requests,
    )
    return fetch


def _store_tasks(fetch: DayFetch, batch: list[docs.FetchedTask]) -> None:
    ReportTask.objects.bulk_create(
        [
            ReportTask(
                fetch=fetch,
                wxcc_id=t.wxcc_id,
                channel_type=t.channel_type,
                direction=t.direction,
                origin=t.origin,
                queue_id=t.queue_id,
                queue_name=t.queue_name,
                agent_id=t.agent_id,
                agent_name=t.agent_name,
                team_id=t.team_id,
                team_name=t.team_name,
                created_at=t.created_at,
                arrived_at=t.arrived_at,
                answered_at=t.answered_at,
                ended_at=t.ended_at,
                is_open=t.is_open,
                handle_type=t.handle_type,
                termination_type=t.termination_type,
                abandoned_type=t.abandoned_type,
                terminating_end=t.terminating_end,
                queue_ms=t.queue_ms,
                talk_ms=t.talk_ms,
                hold_ms=t.hold_ms,
                wrapup_ms=t.wrapup_ms,
                transfer_count=t.transfer_count,
            )
            for t in batch
        ],
        batch_size=BULK_BATCH,
    )


def _store_spans(fetch: DayFetch, batch: list[docs.FetchedSpan]) -> None:
    ReportStateSpan.objects.bulk_create(
        [
            ReportStateSpan(
                fetch=fetch,
                agent_id=s.agent_id,
                agent_name=s.agent_name,
                team_id=s.team_id,
                team_name=s.team_name,
                session_id=s.session_id,
                state=s.state.value,
                wxcc_state=s.wxcc_state,
                idle_code=s.idle_code,
                start=s.start,
                end=s.end,
            )
            for s in batch
        ],
        batch_size=BULK_BATCH,
    )
