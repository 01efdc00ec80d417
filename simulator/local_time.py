"""The simulated contact center's local day: the hour that shapes arrivals and the
midnights and wall-clock times that plan agents' shifts, in the center's time zone.

A real center is busy in its own business hours, so traffic follows local time, not UTC
(with UTC, the default, every answer is the same as a plain `ms // HOUR_MS % 24`). Times
stay epoch ms everywhere else in the model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


class LocalDay:
    """Local hours, midnights and wall times of one IANA time zone, on epoch ms."""

    def __init__(self, zone_name: str) -> None:
        self.zone = ZoneInfo(zone_name)
        self._utc = zone_name == "UTC"

    def hour(self, at_ms: int) -> int:
        """The local hour of day (0..23) at `at_ms`."""
        if self._utc:
            return int(at_ms // HOUR_MS) % 24
        return self._local(at_ms).hour

    def midnight(self, at_ms: int) -> int:
        """The local midnight at or before `at_ms`, as epoch ms."""
        if self._utc:
            return int(at_ms // DAY_MS * DAY_MS)
        local = self._local(at_ms)
        return _ms(local.replace(hour=0, minute=0, second=0, microsecond=0))

    def next_midnight(self, midnight_ms: int) -> int:
        """The local midnight after the one at `midnight_ms` (23 or 25 hours on DST days)."""
        if self._utc:
            return midnight_ms + DAY_MS
        day = self._local(midnight_ms).date() + timedelta(days=1)
        return _ms(datetime(day.year, day.month, day.day, tzinfo=self.zone))

    def wall_time(self, midnight_ms: int, hours: float) -> int:
        """Epoch ms of the local wall-clock time `hours` after the day's midnight (08:30 is
        8.5), so a shift starts at 08:30 local also on a DST day."""
        if self._utc:
            return int(midnight_ms + hours * HOUR_MS)
        day = self._local(midnight_ms).date()
        wall = datetime(day.year, day.month, day.day) + timedelta(hours=hours)
        return _ms(wall.replace(tzinfo=self.zone))

    def _local(self, at_ms: int) -> datetime:
        return datetime.fromtimestamp(at_ms / 1000, tz=UTC).astimezone(self.zone)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)
