"""The shared core of the traffic model: its state, its event heap and clock, and the
announcing of events. The task and agent behaviours (taskflow.py, agentflow.py) build on it;
model.py assembles them into TrafficModel."""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.config import SimConfig
from simulator.local_time import LocalDay
from simulator.records import (
    LOGGED_OUT,
    Activity,
    AgentSession,
    ModelEvent,
    Task,
)
from simulator.topology import (
    Agent,
    IdleCode,
    Queue,
    build_topology,
)

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

# Behaviour probabilities. Small enough that most tasks are plain, large enough that every
# path shows up in a day of traffic.
P_RONA = 0.03
P_HOLD = 0.20
P_TRANSFER = 0.06
P_CALLBACK = 0.15  # impatient telephony callers who ask for a callback instead of hanging up
# Longest a task can stay open; bounds the look-back of time-range queries.
MAX_TASK_LIFETIME_MS = 3 * DAY_MS

EventListener = Callable[[ModelEvent], None]


@dataclass
class AgentRuntime:
    """An agent's live state in the model."""

    profile: Agent
    state: str = LOGGED_OUT
    state_since_ms: int = 0
    session: AgentSession | None = None
    activity: Activity | None = None
    task_id: str | None = None
    idle_code: IdleCode | None = None
    idle_token: int = 0
    pending_logout: bool = False
    pending_idle: tuple[IdleCode, float] | None = None
    sessions: list[AgentSession] = field(default_factory=list)


class ModelBase:
    """State and event machinery shared by the behaviours. Not thread-safe: drive it from
    one event loop."""

    def __init__(self, config: SimConfig, start_ms: int) -> None:
        self.config = config
        self.local_day = LocalDay(config.timezone)
        self.topology = build_topology(config.seed, config.agent_count, config.queue_count)
        self.org_id = config.org_id
        self.start_ms = start_ms
        self._rng = random.Random(f"model/{config.seed}")
        self._ids = random.Random(f"ids/{config.seed}")
        self._heap: list[tuple[int, int, Callable[..., None], tuple[object, ...]]] = []
        self._seq = itertools.count()
        self.tasks: dict[str, Task] = {}
        self.task_list: list[Task] = []
        self._task_created_ms: list[int] = []
        self.sessions: list[AgentSession] = []
        self._session_start_ms: list[int] = []
        self.agents: dict[str, AgentRuntime] = {
            agent.id: AgentRuntime(agent) for agent in self.topology.agents
        }
        self._queues: dict[str, Queue] = {queue.id: queue for queue in self.topology.queues}
        self._waiting: dict[str, list[Task]] = {queue_id: [] for queue_id in self._queues}
        self._queue_teams: dict[str, set[str]] = {queue_id: set() for queue_id in self._queues}
        for team in self.topology.teams:
            for queue_id in team.queue_ids:
                self._queue_teams[queue_id].add(team.id)
        self._agent_queues: dict[str, tuple[str, ...]] = {
            agent.id: self.topology.team(agent.team_id).queue_ids for agent in self.topology.agents
        }
        # Arrival rate overrides (tasks per hour): per queue id, or None for every queue.
        self._rate_override: dict[str | None, float] = {}
        self._arrival_generation: dict[str, int] = {queue_id: 0 for queue_id in self._queues}
        self.breaks_enabled = config.agent_breaks
        self.shifts_enabled = True
        self._listeners: list[EventListener] = []
        self.emitting = False
        if config.history_days > 0:
            begin_ms = self.local_day.midnight(start_ms - config.history_days * DAY_MS)
        else:
            begin_ms = start_ms
        self.begin_ms = begin_ms
        self.now_ms = begin_ms
        first_day_ms = self.local_day.midnight(begin_ms)
        self._push(first_day_ms, self._plan_day, first_day_ms)
        for queue_id in self._queues:
            self._schedule_arrival(queue_id)

    # --- driving the model -------------------------------------------------------------

    def generate_history(self) -> None:
        """Run silently up to the start time; afterwards events are announced to listeners."""
        self.advance_to(self.start_ms)
        self.emitting = True

    def advance_to(self, time_ms: int) -> None:
        heap = self._heap
        while heap and heap[0][0] <= time_ms:
            event_ms, _, handler, args = heapq.heappop(heap)
            self.now_ms = event_ms
            handler(*args)
        if time_ms > self.now_ms:
            self.now_ms = time_ms

    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def _push(self, at_ms: float, handler: Callable[..., None], *args: object) -> None:
        heapq.heappush(self._heap, (int(at_ms), next(self._seq), handler, args))

    def _emit(self, event_type: str, data: dict[str, object]) -> None:
        if not self.emitting:
            return
        event = ModelEvent(event_type, self.now_ms, data)
        for listener in self._listeners:
            listener(event)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    # --- behaviour provided by the mixins (declared here so each can call the other) ----

    def _offer(self, task: Task, agent: AgentRuntime) -> None:
        raise NotImplementedError

    def _next_task_for(self, agent: AgentRuntime) -> Task | None:
        raise NotImplementedError

    def _schedule_arrival(self, queue_id: str) -> None:
        raise NotImplementedError

    def _plan_day(self, day_ms: int) -> None:
        raise NotImplementedError

    def _set_state(
        self,
        agent: AgentRuntime,
        state: str,
        task: Task | None = None,
        idle_code: IdleCode | None = None,
        is_login: bool = False,
        announce: bool = True,
    ) -> None:
        raise NotImplementedError

    def _go_idle(self, agent: AgentRuntime, idle_code: IdleCode, duration_s: float | None) -> None:
        raise NotImplementedError

    def _relabel_state(self, agent: AgentRuntime, state: str) -> None:
        raise NotImplementedError

    def _agent_free(self, agent: AgentRuntime) -> None:
        raise NotImplementedError
