"""A contact-center floor for the supervisor tests: teams, queues, logged-in agents in every
state, contacts waiting, on agents and handled today. Built with bulk inserts so 500 agents
take a moment, not a minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import QueueFactory, TeamFactory
from wxcc.models import Agent, AgentSession, AgentState, Queue, Source, Task, TaskStatus, Team

FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Luis",
    "Maya",
    "Nils",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xin",
    "Yara",
)
LAST_NAMES = (
    "Adams",
    "Becker",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Weber",
)
STATES = (
    AgentState.AVAILABLE,
    AgentState.IDLE,
    AgentState.RESERVED,
    AgentState.CONNECTED,
    AgentState.WRAPUP,
)


def agent_name(i: int) -> str:
    """Distinct names for up to 500 agents."""
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last}"


@dataclass
class Floor:
    org: Organization
    teams: list[Team]
    queues: list[Queue]
    agents: list[Agent] = field(default_factory=list)


def build_floor(*, agents: int, now: datetime, org: Organization | None = None) -> Floor:
    """`agents` logged-in agents spread over two teams and the five states (idle ones with
    the code "Lunch"); agent i is in state STATES[i % 5] since i seconds before `now`."""
    org = org or OrganizationFactory.create(timezone="UTC")
    teams = [
        TeamFactory.create(organization=org, name="Alpha Team"),
        TeamFactory.create(organization=org, name="Bravo Team"),
    ]
    queues = [
        QueueFactory.create(organization=org, name="Billing"),
        QueueFactory.create(organization=org, name="Sales"),
    ]
    made = Agent.objects.bulk_create(
        Agent(
            organization=org,
            wxcc_id=f"{org.pk}-agent-{i}",
            name=agent_name(i),
            team=teams[i % 2],
        )
        for i in range(agents)
    )
    sessions = []
    for i, agent in enumerate(made):
        state = STATES[i % len(STATES)]
        since = now - timedelta(seconds=60 + i)
        sessions.append(
            AgentSession(
                organization=org,
                agent=agent,
                team=agent.team,
                state=state,
                idle_code="Lunch" if state == AgentState.IDLE else "",
                state_since=since,
                state_at=since,
                login_at=now - timedelta(hours=1),
                source=Source.POLL,
            )
        )
    AgentSession.objects.bulk_create(sessions)
    return Floor(org=org, teams=teams, queues=queues, agents=list(made))


def add_task(
    floor: Floor,
    *,
    queue: Queue,
    now: datetime,
    status: str,
    agent: Agent | None = None,
    arrived_s_ago: float = 120,
    wait_s: float = 10,
    talk_s: float = 0,
    wrapup_s: float = 0,
) -> Task:
    arrived = now - timedelta(seconds=arrived_s_ago)
    # A contact ringing an agent (offered) is still waiting: only accepted ones are answered.
    answered = (
        arrived + timedelta(seconds=wait_s)
        if agent is not None and status != TaskStatus.OFFERED
        else None
    )
    ended = None
    if status == TaskStatus.ENDED:
        # Answered: ends after talk and wrap-up; unanswered: abandoned after `wait_s`.
        ended = (
            answered + timedelta(seconds=talk_s + wrapup_s)
            if answered is not None
            else arrived + timedelta(seconds=wait_s)
        )
    return Task.objects.create(
        organization=floor.org,
        wxcc_id=f"task-{Task.objects.count()}-{floor.org.pk}",
        channel_type="telephony",
        queue=queue,
        agent=agent,
        status=status,
        status_at=ended or answered or arrived,
        created_at=arrived,
        queued_at=arrived,
        connected_at=answered,
        ended_at=ended,
        contact_handle_type=("normal" if answered else "abandoned") if ended else "",
        queue_duration_ms=int(wait_s * 1000) if answered else None,
        connected_duration_ms=int(talk_s * 1000) if ended else None,
        hold_duration_ms=0 if ended else None,
        wrapup_duration_ms=int(wrapup_s * 1000) if ended else None,
        source=Source.POLL,
    )
