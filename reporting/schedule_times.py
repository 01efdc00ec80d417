"""When a schedule is due, in the org's zone, across DST changes. Pure: `now` is passed in.

A schedule names a local time of day and ISO weekdays. On a local date it is due at that
local time, resolved as Python's zoneinfo does with fold=0:
- a time that does not exist (the spring-forward gap, e.g. 02:30 in New York on
  8 March 2026, when clocks jump from 02:00 to 03:00) is moved forward by the gap (03:30);
- a time that happens twice (the fall-back fold, e.g. 01:30 in New York on 1 November
  2026) is the first of the two.
It is due once per local date: the caller records a run per (schedule, local date), so a
second beat tick, a repeated hour or a catch-up cannot send twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ISO_WEEKDAYS = frozenset(range(1, 8))
WEEKDAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}


@dataclass(frozen=True, slots=True)
class ScheduleTimes:
    time_of_day: time
    weekdays: frozenset[int]
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= ISO_WEEKDAYS:
            raise ValueError("weekdays must be ISO weekdays 1 (Monday) to 7 (Sunday)")


def due_at(local_date: date, time_of_day: time, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a schedule for `time_of_day` is due on `local_date`."""
    return datetime.combine(local_date, time_of_day.replace(tzinfo=None), tzinfo=zone).astimezone(
        UTC
    )


def due_local_date(times: ScheduleTimes, *, now: datetime, catch_up: timedelta) -> date | None:
    """The local date whose run is due at `now`: today's, once its time has come, for at most
    `catch_up` after it and never past the local day. None when nothing is due."""
    today = now.astimezone(times.zone).date()
    if today.isoweekday() not in times.weekdays:
        return None
    due = due_at(today, times.time_of_day, times.zone)
    if due <= now < due + catch_up:
        return today
    return None


def next_due(times: ScheduleTimes, *, after: datetime, horizon_days: int = 8) -> datetime | None:
    """The first due instant strictly after `after` (for showing "next run")."""
    start = after.astimezone(times.zone).date()
    for offset in range(horizon_days + 1):
        day = start + timedelta(days=offset)
        if day.isoweekday() in times.weekdays:
            due = due_at(day, times.time_of_day, times.zone)
            if due > after:
                return due
    return None


def cron_day_of_week(weekdays: Iterable[int]) -> str:
    """ISO weekdays as crontab's day_of_week (0 = Sunday)."""
    return ",".join(str(day) for day in sorted({day % 7 for day in weekdays}))


def weekdays_label(weekdays: Iterable[int]) -> str:
    days = sorted(set(weekdays))
    if days == list(range(1, 8)):
        return "every day"
    if days == list(range(1, 6)):
        return "Monday to Friday"
    return ", ".join(WEEKDAY_NAMES[day] for day in days)
