"""A small contact center in the database, with every figure worked out by hand.

UTC board, now 10:00 on T0's day. Queue "Sales" (WxCC threshold 30 s, our override 15 s):
- t1 arrived 09:10:05, answered after 10 s, ended (talk 240 s, hold 30 s, wrap-up 30 s);
- t2 arrived 09:20:00, abandoned after 40 s (not classified by WxCC yet);
- t3 arrived 09:30:00, answered after 20 s, still connected;
- t4 waiting since 09:59:00;
- t5 arrived 09:40:01, ended 2 s later, classified "short" by WxCC;
- an ended task of yesterday, which no figure of today may count.
Today: offered 5, answered 2, abandoned 1, short 1, handled 1; ASA (10 + 20) / 2 = 15 s;
AHT 300 s (270 s without wrap-up); within 15 s: t1 only -> SL 1 / (2 + 1) = 33.3 %
(with WxCC's 30 s: t1 and t3 -> 66.7 %); abandon rate 1 / 3 = 33.3 %; longest wait 60 s.

Agents: Ann (team "Blue") available from 09:00, connected from 09:30:20; Bob (no team) available
from 09:00, idle "Lunch" from 09:50; Cy available 08:30 until logging out at 09:20.
Now: 2 logged in, 1 connected, 1 idle. Last 60 min: on contacts 1,780 s (Ann), available
1,820 + 3,000 + 1,200 s -> occupancy 1,780 / 7,800 = 22.8 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from oauth.models import Organization
from tests.fixtures.wallboard_factories import QueueSettingsFactory
from tests.fixtures.wxcc_factories import (
    T0,
    AgentFactory,
    AgentSessionFactory,
    AgentStateChangeFactory,
    QueueFactory,
    TaskFactory,
    TeamFactory,
)
from wxcc.models import Agent, AgentState, Queue, TaskStatus, Team

NOW = T0 + timedelta(hours=1)


def at(minutes: float, seconds: float = 0) -> datetime:
    """A time after 09:00 on T0's day."""
    return T0 + timedelta(minutes=minutes, seconds=seconds)


@dataclass(frozen=True)
class Center:
    queue: Queue
    team: Team
    ann: Agent
    bob: Agent
    cy: Agent


def build_center(org: Organization, *, override_s: int | None = 15) -> Center:
    queue = QueueFactory.create(organization=org, name="Sales", service_level_threshold_s=30)
    if override_s is not None:
        QueueSettingsFactory.create(queue=queue, service_level_threshold_s=override_s)
    team = TeamFactory.create(organization=org, name="Blue")
    ann = AgentFactory.create(organization=org, name="Ann", team=team)
    bob = AgentFactory.create(organization=org, name="Bob")
    cy = AgentFactory.create(organization=org, name="Cy")
    task = TaskFactory.create
    task(
        organization=org,
        queue=queue,
        agent=ann,
        status=TaskStatus.ENDED,
        created_at=at(10),
        queued_at=at(10, 5),
        connected_at=at(10, 15),
        ended_at=at(15, 15),
        status_at=at(15, 15),
        connected_duration_ms=240_000,
        hold_duration_ms=30_000,
        wrapup_duration_ms=30_000,
        contact_handle_type="normal",
    )
    task(
        organization=org,
        queue=queue,
        status=TaskStatus.ENDED,
        created_at=at(20),
        queued_at=at(20),
        ended_at=at(20, 40),
        status_at=at(20, 40),
        contact_handle_type="",
    )
    task(
        organization=org,
        queue=queue,
        agent=ann,
        status=TaskStatus.CONNECTED,
        created_at=at(30),
        queued_at=at(30),
        connected_at=at(30, 20),
        status_at=at(30, 20),
    )
    task(organization=org, queue=queue, created_at=at(59), queued_at=at(59), status_at=at(59))
    task(
        organization=org,
        queue=queue,
        status=TaskStatus.ENDED,
        created_at=at(40),
        queued_at=at(40, 1),
        ended_at=at(40, 3),
        status_at=at(40, 3),
        contact_handle_type="short",
    )
    yesterday = T0 - timedelta(days=1)
    task(
        organization=org,
        queue=queue,
        status=TaskStatus.ENDED,
        created_at=yesterday,
        queued_at=yesterday,
        ended_at=yesterday + timedelta(minutes=2),
        status_at=yesterday + timedelta(minutes=2),
    )

    ann_session = AgentSessionFactory.create(
        organization=org,
        agent=ann,
        team=team,
        state=AgentState.CONNECTED,
        state_since=at(30, 20),
        state_at=at(30, 20),
        login_at=at(0),
    )
    AgentStateChangeFactory.create(session=ann_session, state=AgentState.AVAILABLE, at=at(0))
    AgentStateChangeFactory.create(session=ann_session, state=AgentState.CONNECTED, at=at(30, 20))
    bob_session = AgentSessionFactory.create(
        organization=org,
        agent=bob,
        state=AgentState.IDLE,
        idle_code="Lunch",
        state_since=at(50),
        state_at=at(50),
        login_at=at(0),
    )
    AgentStateChangeFactory.create(session=bob_session, state=AgentState.AVAILABLE, at=at(0))
    AgentStateChangeFactory.create(
        session=bob_session, state=AgentState.IDLE, idle_code="Lunch", at=at(50)
    )
    cy_session = AgentSessionFactory.create(
        organization=org,
        agent=cy,
        state=AgentState.LOGGED_OUT,
        state_since=at(20),
        state_at=at(20),
        login_at=at(-30),
        logout_at=at(20),
    )
    AgentStateChangeFactory.create(session=cy_session, state=AgentState.AVAILABLE, at=at(-30))
    AgentStateChangeFactory.create(session=cy_session, state=AgentState.LOGGED_OUT, at=at(20))
    return Center(queue=queue, team=team, ann=ann, bob=bob, cy=cy)
