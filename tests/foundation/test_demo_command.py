"""`manage.py demo` is a project-wide command: it lives in its own app, not in wallboard."""

from __future__ import annotations

from django.core.management import get_commands, load_command_class


def test_the_demo_command_belongs_to_the_demo_app() -> None:
    assert get_commands()["demo"] == "demo"
    command = load_command_class("demo", "demo")
    assert "simulator" in command.help.lower()


def test_the_demo_center_is_placed_where_it_is_late_morning_now() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from demo.management.commands.demo import business_hours_timezone

    for utc_hour in range(24):
        now = datetime(2026, 11, 23, utc_hour, 30, tzinfo=UTC)
        local = now.astimezone(ZoneInfo(business_hours_timezone(now)))
        # Whenever the demo starts, its contact center is in business hours.
        assert 8 <= local.hour <= 14, (utc_hour, local)
