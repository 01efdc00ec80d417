"""Small builders for the metrics engine's inputs, so each test states only what matters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from wallboard.metrics import AgentState, AgentStateSpan, AgentStatus, Contact

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# A Tuesday in London winter time (UTC+0), so local and UTC clocks agree.
DAY = datetime(2026, 3, 10, tzinfo=UTC)


def at(hours: int, minutes: int = 0, seconds: float = 0, *, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


_BASE = Contact(
    id="c",
    queue_id="q1",
    agent_id=None,
    team_id=None,
    channel_type="telephony",
    arrived_at=at(9),
)


def contact(**overrides: Any) -> Contact:
    return replace(_BASE, **overrides)


def answered(
    contact_id: str,
    *,
    arrived: datetime,
    wait_s: float,
    talk_s: float,
    hold_s: float = 0,
    wrapup_s: float = 0,
    queue_id: str = "q1",
    agent_id: str = "a1",
    team_id: str | None = "t1",
    transfers: int = 0,
    ended: bool = True,
) -> Contact:
    """An answered contact; ended after talk and hold unless `ended` is False."""
    answered_at = arrived + s(wait_s)
    return contact(
        id=contact_id,
        queue_id=queue_id,
        agent_id=agent_id,
        team_id=team_id,
        arrived_at=arrived,
        answered_at=answered_at,
        ended_at=answered_at + s(talk_s + hold_s) if ended else None,
        talk_ms=round(talk_s * 1000) if ended else None,
        hold_ms=round(hold_s * 1000) if ended else None,
        wrapup_ms=round(wrapup_s * 1000) if ended else None,
        transfer_count=transfers,
        is_open=not ended,
    )


def abandoned(
    contact_id: str, *, arrived: datetime, wait_s: float, queue_id: str = "q1"
) -> Contact:
    """Ended without an answer; WxCC has not classified it yet."""
    return contact(
        id=contact_id, queue_id=queue_id, arrived_at=arrived, ended_at=arrived + s(wait_s)
    )


def waiting(contact_id: str, *, arrived: datetime, queue_id: str = "q1") -> Contact:
    return contact(
        id=contact_id, queue_id=queue_id, arrived_at=arrived, is_open=True, is_waiting=True
    )


def agent(
    agent_id: str,
    state: AgentState,
    *,
    since: datetime,
    team_id: str | None = "t1",
    idle_code: str = "",
    on_hold: bool = False,
) -> AgentStatus:
    return AgentStatus(
        id=agent_id,
        team_id=team_id,
        state=state,
        state_since=since,
        idle_code=idle_code,
        login_at=since,
        on_hold=on_hold,
    )


def span(
    agent_id: str,
    state: AgentState,
    start: datetime,
    end: datetime | None,
    idle_code: str = "",
) -> AgentStateSpan:
    return AgentStateSpan(agent_id, state, start, end, idle_code)
