"""A schedule fires once per local day at its local time, on the days around DST changes:
a 07:00 schedule keeps to 07:00 local, a 02:30 schedule on the spring-forward day (no 02:30
that day) runs when the clock jumps past it, and a 01:30 schedule on the fall-back day (01:30
happens twice) runs at the first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from oauth.models import Organization
from reporting import schedules
from reporting.models import ReportSchedule, ScheduleRun
from reporting.schedule_times import ScheduleTimes, due_at, due_local_date, next_due
from tests.fixtures.factories import OrganizationFactory

NEW_YORK = ZoneInfo("America/New_York")
CATCH_UP = timedelta(hours=6)


# New York springs forward on Sunday 8 March 2026 (02:00 EST -> 03:00 EDT: no 02:30 that
# day) and falls back on Sunday 1 November 2026 (02:00 EDT -> 01:00 EST: 01:30 twice).


def test_seven_o_clock_is_seven_local_on_both_sides_of_spring_forward() -> None:
    assert due_at(date(2026, 3, 7), time(7), NEW_YORK) == datetime(2026, 3, 7, 12, tzinfo=UTC)
    assert due_at(date(2026, 3, 8), time(7), NEW_YORK) == datetime(2026, 3, 8, 11, tzinfo=UTC)


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    due = due_at(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert due == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_time_in_the_autumn_fold_is_the_first_of_the_two() -> None:
    due = due_at(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert due == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_nothing_is_due_before_the_time_after_the_catch_up_or_on_other_weekdays() -> None:
    times = ScheduleTimes(time(7), frozenset({1, 2, 3, 4, 5}), NEW_YORK)
    monday_7 = datetime(2026, 3, 9, 11, tzinfo=UTC)
    assert due_local_date(times, now=monday_7 - timedelta(seconds=1), catch_up=CATCH_UP) is None
    assert due_local_date(times, now=monday_7, catch_up=CATCH_UP) == date(2026, 3, 9)
    assert due_local_date(times, now=monday_7 + CATCH_UP, catch_up=CATCH_UP) is None
    sunday_7 = datetime(2026, 3, 8, 11, tzinfo=UTC)
    assert due_local_date(times, now=sunday_7, catch_up=CATCH_UP) is None
    assert next_due(times, after=sunday_7) == monday_7


def _minutes(start: datetime, end: datetime, step_min: int = 1) -> Iterator[datetime]:
    moment = start
    while moment < end:
        yield moment
        moment += timedelta(minutes=step_min)


def _new_york_org() -> Organization:
    return OrganizationFactory.create(timezone="America/New_York")


def _schedule(org: Organization, at: time) -> ReportSchedule:
    return schedules.schedule_save(
        org=org,
        name=f"Daily at {at:%H:%M}",
        kind="queue-summary",
        range_kind="yesterday",
        fmt="pdf",
        recipients=["manager@example.com"],
        time_of_day=at,
        weekdays=range(1, 8),
    )


def _tick_every_minute(start: datetime, end: datetime, step_min: int = 1) -> dict[date, datetime]:
    """Beat's minute sweeper over [start, end); returns when each local day's run was made."""
    made: dict[date, datetime] = {}
    for moment in _minutes(start, end, step_min):
        with time_machine.travel(moment, tick=False):
            for run in schedules.fire_due_schedules(now=timezone.now()):
                assert run.local_date not in made, "a local day fired twice"
                made[run.local_date] = timezone.now()
    return made


@pytest.mark.django_db
def test_a_seven_o_clock_schedule_fires_once_a_day_at_seven_local_across_spring_forward() -> None:
    schedule = _schedule(_new_york_org(), time(7))

    made = _tick_every_minute(
        datetime(2026, 3, 7, 9, tzinfo=UTC), datetime(2026, 3, 9, 14, tzinfo=UTC)
    )

    assert made == {
        date(2026, 3, 7): datetime(2026, 3, 7, 12, tzinfo=UTC),  # 07:00 EST
        date(2026, 3, 8): datetime(2026, 3, 8, 11, tzinfo=UTC),  # 07:00 EDT
        date(2026, 3, 9): datetime(2026, 3, 9, 11, tzinfo=UTC),
    }
    assert ScheduleRun.objects.filter(schedule=schedule).count() == 3


@pytest.mark.django_db
def test_a_schedule_in_the_spring_gap_runs_once_when_the_clock_jumps_past_it() -> None:
    schedule = _schedule(_new_york_org(), time(2, 30))

    made = _tick_every_minute(
        datetime(2026, 3, 8, 4, tzinfo=UTC), datetime(2026, 3, 8, 18, tzinfo=UTC)
    )

    assert made == {date(2026, 3, 8): datetime(2026, 3, 8, 7, 30, tzinfo=UTC)}  # 03:30 EDT
    assert schedule.runs.get().local_date == date(2026, 3, 8)


@pytest.mark.django_db
def test_a_schedule_in_the_autumn_fold_runs_at_the_first_one_thirty_only() -> None:
    schedule = _schedule(_new_york_org(), time(1, 30))

    made = _tick_every_minute(
        datetime(2026, 11, 1, 3, tzinfo=UTC), datetime(2026, 11, 1, 13, tzinfo=UTC)
    )
    # Beat's crontab in the org's zone may also fire at the second 01:30 (01:30 EST).
    with time_machine.travel(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), tick=False):
        assert schedules.fire_schedule(schedule, now=timezone.now()) is None

    assert made == {date(2026, 11, 1): datetime(2026, 11, 1, 5, 30, tzinfo=UTC)}  # 01:30 EDT
    assert schedule.runs.count() == 1


@pytest.mark.django_db
def test_a_double_beat_tick_makes_one_run() -> None:
    schedule = _schedule(_new_york_org(), time(7))
    due = datetime(2026, 6, 1, 11, tzinfo=UTC)  # 07:00 EDT

    with time_machine.travel(due, tick=False):
        first = schedules.fire_schedule(schedule, now=timezone.now())
        second = schedules.fire_schedule(schedule, now=timezone.now())
        swept = schedules.fire_due_schedules(now=timezone.now())

    assert first is not None
    assert second is None
    assert swept == []


@pytest.mark.django_db
def test_a_schedule_is_stored_as_a_crontab_in_the_org_s_zone() -> None:
    org = _new_york_org()
    schedule = schedules.schedule_save(
        org=org,
        name="Weekdays",
        kind="agents",
        range_kind="last_week",
        fmt="csv",
        recipients=["a@example.com", " b@example.com ", "a@example.com"],
        time_of_day=time(7, 15),
        weekdays=[1, 2, 3, 4, 5],
    )

    task = PeriodicTask.objects.get(pk=schedule.periodic_task_id)
    assert task.task == "reporting.fire_schedule"
    assert task.args == f"[{schedule.pk}]"
    assert task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("15", "7")
    assert task.crontab.day_of_week == "1,2,3,4,5"
    assert str(task.crontab.timezone) == "America/New_York"
    assert schedule.recipients == ["a@example.com", "b@example.com"]

    schedules.schedule_save(
        org=org,
        name="Weekends",
        kind="agents",
        range_kind="last_week",
        fmt="csv",
        recipients=["a@example.com"],
        time_of_day=time(9),
        weekdays=[6, 7],
        enabled=False,
        schedule=schedule,
    )
    task.refresh_from_db()
    assert task.crontab is not None
    assert task.crontab.day_of_week == "0,6"
    assert task.enabled is False
    schedules.schedule_delete(schedule)
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()
