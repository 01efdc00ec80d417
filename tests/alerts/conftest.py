"""Fixtures for alerts: a bot in the shared simulator's Webex messaging, and a clean slate of
the wallboard's Redis keys (alerts read the snapshots the push keeps there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.simulator import RunningSimulator
from tests.wallboard.conftest import forget_wallboard_redis


@pytest.fixture(autouse=True)
def clean_wallboard_redis() -> Iterator[None]:
    forget_wallboard_redis()
    yield
    forget_wallboard_redis()


def create_bot(sim: RunningSimulator, name: str = "Alerts Bot") -> str:
    """A bot token the simulator's /v1/messages accepts."""
    return str(sim.control("POST", "messaging/bots", {"name": name})["token"])


def received(sim: RunningSimulator, room_id: str) -> list[dict[str, object]]:
    items = sim.control("GET", "messaging/messages")["items"]
    return [m for m in items if m.get("roomId") == room_id]
