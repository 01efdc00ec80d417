"""The reporting cache: a finished day is read from WxCC once, today every time, a WxCC
error mid-report leaves nothing half-built, and the history search gives agrees with the
tasks ingestion stored for the same hours."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from oauth.models import Organization
from reporting.builders import ReportSpec
from reporting.cache import ReportDataUnavailable, ensure_days
from reporting.models import DayFetch, ReportKind, ReportTask
from reporting.ranges import DayRange
from reporting.selectors import contact_columns_of
from reporting.services import generate_report
from reporting.wxcc_source import split_windows
from tests.fixtures.simulator import RunningSimulator
from tests.reporting.conftest import sim_now
from tests.wxcc.test_backfill import late_morning_zone, poll_until_backfilled
from wallboard.metrics import Outcome, contact_outcome
from wxcc import poller
from wxcc.models import Task, TaskStatus

UTC_ZONE = ZoneInfo("UTC")
MONDAY = date(2026, 3, 9)
TUESDAY = date(2026, 3, 10)  # the simulator's "today" (paused at 10:00 UTC)


@pytest.mark.django_db
def test_a_finished_day_is_read_from_wxcc_once_and_today_every_time(
    history_org: Organization, history_sim: RunningSimulator
) -> None:
    now = sim_now(history_sim)
    days = DayRange(MONDAY, TUESDAY)

    first = ensure_days(org=history_org, days=days, zone=UTC_ZONE, now=now)
    history_sim.set_fault("outage")  # WxCC is gone: only what the cache holds can be used
    with pytest.raises(Exception, match="failed after"):
        ensure_days(org=history_org, days=days, zone=UTC_ZONE, now=now)
    history_sim.clear_faults()
    again = ensure_days(org=history_org, days=DayRange(MONDAY, MONDAY), zone=UTC_ZONE, now=now)
    third = ensure_days(org=history_org, days=days, zone=UTC_ZONE, now=now)

    assert first.days_read == 2
    assert first.requests > 0
    assert (again.days_read, again.requests) == (0, 0)  # Monday from the cache alone
    assert third.days_read == 1  # today again, Monday not
    assert third.fetch_ids[0] == first.fetch_ids[0]
    assert third.fetch_ids[1] != first.fetch_ids[1]
    monday = DayFetch.objects.get(pk=first.fetch_ids[0])
    assert monday.final
    assert monday.task_count > 1000
    # The superseded read of today is gone; one finished read per day remains.
    assert DayFetch.objects.filter(organization=history_org).count() == 2


@pytest.mark.django_db
def test_a_wxcc_error_mid_report_fails_it_and_writes_nothing(
    history_org: Organization, history_sim: RunningSimulator, tmp_path: Path
) -> None:
    out = tmp_path / "week.csv"
    calls: list[str] = []

    def break_wxcc_at_the_second_day(pct: int, text: str) -> None:
        calls.append(text)
        if "2026-03-09" in text:
            history_sim.set_fault("5xx", status_code=503)

    with pytest.raises(ReportDataUnavailable, match="WxCC could not be read"):
        generate_report(
            org=history_org,
            spec=ReportSpec(kind=ReportKind.QUEUE_SUMMARY, days=DayRange(date(2026, 3, 8), MONDAY)),
            fmt="csv",
            now=sim_now(history_sim),
            output=out,
            on_progress=break_wxcc_at_the_second_day,
        )

    assert any("2026-03-08" in text for text in calls)
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))
    fetches = DayFetch.objects.filter(organization=history_org)
    # The day read before the error is kept; the half-read one left nothing behind.
    assert [(f.day, f.finished_at is not None) for f in fetches] == [(date(2026, 3, 8), True)]
    assert not ReportTask.objects.filter(fetch__day=MONDAY).exists()


def test_windows_are_halved_until_each_holds_what_search_can_page_through() -> None:
    start = datetime(2026, 3, 9, tzinfo=UTC_ZONE)
    per_hour = [100 if 9 <= h < 17 else 10 for h in range(24)]

    def count(a: datetime, b: datetime) -> int:
        return sum(
            per_hour[
                int((a - start).total_seconds() // 3600) : int((b - start).total_seconds() // 3600)
            ]
        )

    pieces = split_windows(count, start, start + timedelta(days=1), limit=300)

    assert all(n <= 300 for _, _, n in pieces)
    assert sum(n for _, _, n in pieces) == sum(per_hour)
    assert pieces[0][0] == start
    assert pieces[-1][1] == start + timedelta(days=1)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert len(split_windows(count, start, start + timedelta(days=1), limit=10_000)) == 1


@pytest.fixture
def wall_clock_sim(make_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    """Yesterday's and today's traffic on the wall clock, frozen while we compare."""
    sim = make_simulator(start_time_ms=None, history_days=1, timezone=late_morning_zone())
    sim.quiet()
    sim.pause()
    return sim


@pytest.mark.django_db
def test_history_read_for_a_report_agrees_with_the_tasks_ingestion_stored(
    wall_clock_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Organization],
    report_settings: Any,
) -> None:
    org = connect_org(wall_clock_sim)
    org.timezone = wall_clock_sim.config.timezone
    org.save(update_fields=["timezone"])
    zone = ZoneInfo(org.timezone)
    poll_until_backfilled(org)  # ingestion stores today's finished tasks
    now = timezone.now()
    midnight = poller.org_day_start(org, now)
    today = now.astimezone(zone).date()

    cached = ensure_days(org=org, days=DayRange(today, today), zone=zone, now=now)

    stored = {
        task.wxcc_id: task
        for task in Task.objects.filter(
            organization=org, status=TaskStatus.ENDED, queue__isnull=False, queued_at__gte=midnight
        )
    }
    reported = {
        contact.id: contact
        for contact in contact_columns_of(cached.fetch_ids).contacts()
        if contact.queue_id is not None and not contact.is_open and contact.arrived_at >= midnight
    }
    assert len(stored) > 20
    assert set(reported) == set(stored)
    for task_id, contact in reported.items():
        task = stored[task_id]
        assert contact.queue_id == (task.queue.wxcc_id if task.queue else None)
        assert contact.ended_at == task.ended_at
        if contact.transfer_count:
            # Answered in one queue, then transferred and abandoned in the next: WxCC's
            # contactHandleType (which reports follow) says abandoned; ingestion, which does
            # not store it yet, knows only that an agent answered.
            continue
        outcome = contact_outcome(contact, short_abandon_threshold_ms=5000)
        assert (outcome is Outcome.ANSWERED) == (task.connected_at is not None), task_id
        if task.connected_at is not None:
            assert contact.agent_id == (task.agent.wxcc_id if task.agent else None)
            assert contact.answered_at == task.connected_at
