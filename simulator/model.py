"""The traffic model: a discrete-event simulation of one contact center.

It owns every task, agent session and agent activity the simulator will ever answer with.
History is produced by running this same model fast from `history_days` ago up to the start
time; after that the app advances it along the simulated clock. Poisson arrivals (thinned
against a daily curve), skills-based routing to the longest-available agent, an agent state
machine, abandonment by caller patience, RONA, hold, transfers, callbacks and wrap-up.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from simulator.config import SimConfig
from simulator.records import (
    AGENT_CHANNEL_STATE,
    AVAILABLE,
    BUSY_STATES,
    CONNECTED,
    DIRECTION_INBOUND,
    HOLD,
    IDLE,
    LOGGED_OUT,
    OUTBOUND_TYPE_CALLBACK,
    REASON_AGENT_LEFT,
    REASON_CUSTOMER_LEFT,
    RESERVED,
    STATUS_CONNECTED,
    STATUS_ENDED,
    STATUS_OFFERED,
    STATUS_PARKED,
    TERMINATING_AGENT,
    TERMINATING_CUSTOMER,
    TERMINATION_ABANDONED,
    TERMINATION_NORMAL,
    WEBHOOK_DIRECTION_INBOUND,
    WEBHOOK_DIRECTION_OUTBOUND,
    WRAPUP,
    Activity,
    AgentSession,
    ModelEvent,
    Offer,
    QueueLeg,
    Task,
)
from simulator.topology import (
    CHAT,
    DAILY_CURVE,
    DAILY_CURVE_MAX,
    DAILY_CURVE_SUM,
    EMAIL,
    TELEPHONY,
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

AgentStateListener = Callable[[ModelEvent], None]


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


class TrafficModel:
    """The simulated contact center. Not thread-safe: drive it from one event loop."""

    def __init__(self, config: SimConfig, start_ms: int) -> None:
        self.config = config
        self.topology = build_topology(config.seed, config.agent_count)
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
        self._listeners: list[AgentStateListener] = []
        self.emitting = False
        if config.history_days > 0:
            begin_ms = (start_ms - config.history_days * DAY_MS) // DAY_MS * DAY_MS
        else:
            begin_ms = start_ms
        self.begin_ms = begin_ms
        self.now_ms = begin_ms
        self._push(begin_ms // DAY_MS * DAY_MS, self._plan_day, begin_ms // DAY_MS * DAY_MS)
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

    def subscribe(self, listener: AgentStateListener) -> None:
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

    # --- arrivals ----------------------------------------------------------------------

    def _rate_per_ms(self, queue: Queue, at_ms: int) -> float:
        override = self._rate_override.get(queue.id, self._rate_override.get(None))
        if override is not None:
            return override / HOUR_MS
        hour = (at_ms // HOUR_MS) % 24
        per_hour = self.config.tasks_per_day * queue.volume_share * DAILY_CURVE[hour]
        return per_hour / DAILY_CURVE_SUM / HOUR_MS

    def _max_rate_per_ms(self, queue: Queue) -> float:
        override = self._rate_override.get(queue.id, self._rate_override.get(None))
        if override is not None:
            return override / HOUR_MS
        peak = self.config.tasks_per_day * queue.volume_share * DAILY_CURVE_MAX
        return peak / DAILY_CURVE_SUM / HOUR_MS

    def _schedule_arrival(self, queue_id: str) -> None:
        # Thinning (Lewis-Shedler): candidates at the peak rate, each kept with probability
        # rate(t)/peak, which gives a non-homogeneous Poisson process following the curve.
        queue = self._queues[queue_id]
        peak = self._max_rate_per_ms(queue)
        if peak <= 0:
            return
        at_ms = float(self.now_ms)
        rng = self._rng
        while True:
            at_ms += rng.expovariate(peak)
            if rng.random() * peak <= self._rate_per_ms(queue, int(at_ms)):
                break
        self._push(at_ms, self._on_arrival, queue_id, self._arrival_generation[queue_id])

    def set_arrival_rate(self, queue_id: str | None, per_hour: float | None) -> None:
        """Override the arrival rate of one queue (or all, with None); None per_hour restores
        the daily curve."""
        if queue_id is not None and queue_id not in self._queues:
            raise KeyError(queue_id)
        if queue_id is None:
            self._rate_override.clear()
        if per_hour is None:
            self._rate_override.pop(queue_id, None)
        else:
            self._rate_override[queue_id] = max(0.0, float(per_hour))
        for qid in [queue_id] if queue_id else list(self._queues):
            self._arrival_generation[qid] += 1
            self._schedule_arrival(qid)

    def arrival_rate_per_hour(self, queue_id: str) -> float:
        return self._rate_per_ms(self._queues[queue_id], self.now_ms) * HOUR_MS

    def _on_arrival(self, queue_id: str, generation: int) -> None:
        if generation != self._arrival_generation[queue_id]:
            return
        self._schedule_arrival(queue_id)
        self._create_task(self._queues[queue_id])

    def _origin(self, channel_type: str) -> str:
        number = self._rng.randrange(10**9, 10**10)
        if channel_type == TELEPHONY:
            return f"+1{number}"
        return f"customer{number % 100000}@example.org"

    def _create_task(self, queue: Queue, **scripted: float | None) -> Task:
        entry_point = self.topology.entry_point(queue.entry_point_id)
        task = Task(
            id=self._uuid(),
            channel_type=queue.channel_type,
            direction=DIRECTION_INBOUND,
            origin=self._origin(queue.channel_type),
            destination=entry_point.address,
            entry_point_id=entry_point.id,
            created_ms=self.now_ms,
            capture_requested=queue.channel_type == TELEPHONY,
        )
        if scripted:
            task.scripted = True
            task.handle_s = scripted.get("handle_s")
            task.wrapup_s = scripted.get("wrapup_s")
            task.patience_s = scripted.get("patience_s")
            task.ring_s = scripted.get("ring_s")
            selfservice_s = scripted.get("selfservice_s") or 0.0
        else:
            selfservice_s = {
                TELEPHONY: self._rng.uniform(8, 45),
                CHAT: self._rng.uniform(3, 15),
                EMAIL: self._rng.uniform(0.5, 2),
            }[queue.channel_type]
        self.tasks[task.id] = task
        self.task_list.append(task)
        self._task_created_ms.append(task.created_ms)
        task.queue_id = queue.id
        self._emit("task:new", self._task_data(task))
        task.selfservice_ms = int(selfservice_s * SECOND_MS)
        self._push(self.now_ms + task.selfservice_ms, self._on_queue_enter, task.id, queue.id)
        return task

    def inject_task(
        self,
        queue_id: str,
        handle_s: float = 60.0,
        wrapup_s: float = 10.0,
        patience_s: float | None = None,
        ring_s: float = 2.0,
        selfservice_s: float = 0.0,
    ) -> Task:
        """Create one task now with fixed durations and no random detours (no RONA, hold,
        transfer or callback); patience None means the caller never hangs up."""
        queue = self._queues[queue_id]
        return self._create_task(
            queue,
            handle_s=handle_s,
            wrapup_s=wrapup_s,
            patience_s=patience_s,
            ring_s=ring_s,
            selfservice_s=selfservice_s,
        )

    # --- queueing and routing ----------------------------------------------------------

    def _on_queue_enter(self, task_id: str, queue_id: str) -> None:
        task = self.tasks[task_id]
        queue = self._queues[queue_id]
        task.queue_id = queue_id
        leg = QueueLeg(queue_id, self.now_ms)
        task.legs.append(leg)
        if task.scripted:
            patience_s = task.patience_s
        else:
            patience_s = self._rng.expovariate(1 / queue.patience_mean_s)
        agent = self._free_agent_for(queue_id)
        if patience_s is not None:
            deadline = self.now_ms + int(patience_s * SECOND_MS)
            self._push(deadline, self._on_patience_end, task.id, len(task.legs) - 1)
        if agent is not None:
            self._offer(task, agent)
        else:
            self._park(task)

    def _park(self, task: Task) -> None:
        leg = task.legs[-1]
        if not leg.parked:
            leg.parked = True
            leg.parked_ms = self.now_ms
        task.status = STATUS_PARKED
        waiting = self._waiting[leg.queue_id]
        # Kept in order of arrival in the queue: a RONA'd task goes back to its place.
        bisect.insort(waiting, task, key=lambda t: t.legs[-1].enqueued_ms)
        self._emit("task:parked", self._task_data(task))

    def _free_agent_for(self, queue_id: str) -> AgentRuntime | None:
        teams = self._queue_teams[queue_id]
        best: AgentRuntime | None = None
        for agent in self.agents.values():
            if agent.state != AVAILABLE or agent.profile.team_id not in teams:
                continue
            if best is None or agent.state_since_ms < best.state_since_ms:
                best = agent
        return best

    def _next_task_for(self, agent: AgentRuntime) -> Task | None:
        best: Task | None = None
        for queue_id in self._agent_queues[agent.profile.id]:
            waiting = self._waiting[queue_id]
            if waiting and (
                best is None or waiting[0].legs[-1].enqueued_ms < best.legs[-1].enqueued_ms
            ):
                best = waiting[0]
        return best

    def _offer(self, task: Task, agent: AgentRuntime) -> None:
        leg = task.legs[-1]
        waiting = self._waiting[leg.queue_id]
        if task in waiting:
            waiting.remove(task)
        leg.offers.append(Offer(agent.profile.id, agent.profile.team_id, self.now_ms))
        task.status = STATUS_OFFERED
        task.agent_id = agent.profile.id
        task.team_id = agent.profile.team_id
        agent.task_id = task.id
        self._emit("task:connect", self._task_data(task))
        self._set_state(agent, RESERVED, task=task)
        if task.scripted:
            ring_s = task.ring_s or 0.0
        elif task.channel_type == TELEPHONY:
            ring_s = self._rng.uniform(2, 10)
        else:
            ring_s = self._rng.uniform(1, 5)
        self._push(self.now_ms + ring_s * SECOND_MS, self._on_ring_end, task.id, agent.profile.id)

    def _on_ring_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        leg = task.legs[-1]
        offer = leg.offers[-1]
        offer.answered_ms = self.now_ms
        task.ringing_ms += self.now_ms - offer.offered_ms
        if not task.scripted and self._rng.random() < P_RONA:
            # Redirection on no answer: the agent is made idle and the task goes back.
            agent.task_id = None
            self._go_idle(agent, self.topology.idle_code("RONA"), self._rng.uniform(30, 90))
            self._park(task)
            self._dispatch_queue(leg.queue_id)
            return
        offer.accepted = True
        leg.accepted_ms = self.now_ms
        rejected_ring_ms = sum(
            (o.answered_ms or o.offered_ms) - o.offered_ms for o in leg.offers if not o.accepted
        )
        task.queue_ms += offer.offered_ms - leg.enqueued_ms - rejected_ring_ms
        task.status = STATUS_CONNECTED
        self._emit("task:connected", self._task_data(task))
        self._set_state(agent, CONNECTED, task=task)
        queue = self._queues[leg.queue_id]
        if task.scripted:
            talk_s = task.handle_s or 0.0
            hold_s = 0.0
        else:
            talk_s = max(15.0, self._rng.gammavariate(2.0, queue.handle_mean_s / 2))
            hold_s = 0.0
            if queue.channel_type == TELEPHONY and self._rng.random() < P_HOLD:
                hold_s = 5 + self._rng.expovariate(1 / 45)
                hold_at_ms = self.now_ms + talk_s * self._rng.uniform(0.3, 0.7) * SECOND_MS
                self._push(hold_at_ms, self._on_hold, task.id, agent_id, hold_s)
        self._push(
            self.now_ms + (talk_s + hold_s) * SECOND_MS, self._on_handle_end, task.id, agent_id
        )

    def _on_hold(self, task_id: str, agent_id: str, hold_s: float) -> None:
        task = self.tasks[task_id]
        task.hold_count += 1
        self._set_state(self.agents[agent_id], HOLD, task=task)
        self._push(self.now_ms + hold_s * SECOND_MS, self._on_unhold, task_id, agent_id)

    def _on_unhold(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        held_ms = agent.activity.duration_ms(self.now_ms) if agent.activity else 0
        task.hold_ms += held_ms
        task.legs[-1].hold_ms += held_ms
        self._set_state(agent, CONNECTED, task=task)

    def _on_handle_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        leg = task.legs[-1]
        leg.connected_end_ms = self.now_ms
        task.connected_ms += self.now_ms - (leg.accepted_ms or self.now_ms) - leg.hold_ms
        queue = self._queues[leg.queue_id]
        transfer_to = None
        if not task.scripted and self._rng.random() < P_TRANSFER:
            targets = [
                q.id
                for q in self.topology.queues
                if q.channel_type == task.channel_type and q.id != queue.id
            ]
            if targets:
                transfer_to = self._rng.choice(targets)
        if transfer_to is not None:
            leg.transferred = True
            task.transfer_count += 1
            self._push(self.now_ms, self._on_queue_enter, task.id, transfer_to)
        else:
            task.ended_ms = self.now_ms
            task.status = STATUS_ENDED
            task.termination_type = TERMINATION_NORMAL
            # Who hangs up first: mostly the customer.
            agent_ends = not task.scripted and self._rng.random() < 0.3
            task.terminating_party = TERMINATING_AGENT if agent_ends else TERMINATING_CUSTOMER
            self._emit("task:ended", self._task_data(task))
        self._set_state(agent, WRAPUP, task=task)
        if task.scripted:
            wrapup_s = task.wrapup_s or 0.0
        else:
            wrapup_s = max(5.0, self._rng.gammavariate(2.0, queue.wrapup_mean_s / 2))
        self._push(self.now_ms + wrapup_s * SECOND_MS, self._on_wrapup_end, task.id, agent_id)

    def _on_wrapup_end(self, task_id: str, agent_id: str) -> None:
        task = self.tasks[task_id]
        agent = self.agents[agent_id]
        wrapped_ms = agent.activity.duration_ms(self.now_ms) if agent.activity else 0
        task.wrapup_ms += wrapped_ms
        # The leg this agent wrapped up is the last accepted one.
        for leg in reversed(task.legs):
            if leg.accepted_ms is not None:
                leg.wrapup_ms += wrapped_ms
                break
        agent.task_id = None
        self._agent_free(agent)

    def _on_patience_end(self, task_id: str, leg_index: int) -> None:
        task = self.tasks[task_id]
        if task.status != STATUS_PARKED or len(task.legs) - 1 != leg_index or task.callback:
            return
        leg = task.legs[-1]
        if not task.scripted and task.channel_type == TELEPHONY and self._rng.random() < P_CALLBACK:
            task.callback = True  # keeps its place and waits for an agent to call back
            return
        self._waiting[leg.queue_id].remove(task)
        leg.abandoned_ms = self.now_ms
        rejected_ring_ms = sum(
            (o.answered_ms or o.offered_ms) - o.offered_ms for o in leg.offers if not o.accepted
        )
        task.queue_ms += self.now_ms - leg.enqueued_ms - rejected_ring_ms
        task.ended_ms = self.now_ms
        task.status = STATUS_ENDED
        task.termination_type = TERMINATION_ABANDONED
        task.terminating_party = TERMINATING_CUSTOMER
        self._emit("task:ended", self._task_data(task))

    def _dispatch_queue(self, queue_id: str) -> None:
        while self._waiting[queue_id]:
            agent = self._free_agent_for(queue_id)
            if agent is None:
                return
            self._offer(self._waiting[queue_id][0], agent)

    # --- agents ------------------------------------------------------------------------

    def _plan_day(self, day_ms: int) -> None:
        self._push(day_ms + DAY_MS, self._plan_day, day_ms + DAY_MS)
        if not self.shifts_enabled:
            return
        rng = self._rng
        for agent in self.topology.agents:
            login_ms = day_ms + agent.shift_start_h * HOUR_MS + rng.uniform(-10, 10) * MINUTE_MS
            logout_ms = login_ms + agent.shift_length_h * HOUR_MS
            if logout_ms <= self.now_ms:
                continue
            login_ms = max(login_ms, self.now_ms)
            self._push(login_ms, self._on_login, agent.id, logout_ms)

    def _on_login(self, agent_id: str, logout_ms: float | None) -> None:
        agent = self.agents[agent_id]
        if agent.session is not None or not (self.shifts_enabled or logout_ms is None):
            return
        profile = agent.profile
        session = AgentSession(
            id=self._uuid(),
            agent_id=profile.id,
            team_id=profile.team_id,
            site_id=self.topology.team(profile.team_id).site_id,
            start_ms=self.now_ms,
        )
        agent.session = session
        agent.sessions.append(session)
        self.sessions.append(session)
        self._session_start_ms.append(session.start_ms)
        agent.pending_logout = False
        agent.pending_idle = None
        self._set_state(agent, AVAILABLE, is_login=True, announce=False)
        self._emit("agent:login", self._agent_data(agent))
        if logout_ms is not None:
            self._push(logout_ms, self._on_logout, agent_id, session.id)
            if self.breaks_enabled:
                self._plan_breaks(agent, session.id, logout_ms)
        self._agent_free(agent)

    def _plan_breaks(self, agent: AgentRuntime, session_id: str, logout_ms: float) -> None:
        rng = self._rng
        start = self.now_ms
        for offset_h, code, minutes in ((2.0, "Break", 15), (4.0, "Lunch", 30), (6.5, "Break", 15)):
            at_ms = start + (offset_h + rng.uniform(-0.25, 0.25)) * HOUR_MS
            if at_ms < logout_ms:
                self._push(at_ms, self._on_idle_start, agent.profile.id, session_id, code, minutes)
        if rng.random() < 0.15:
            at_ms = start + rng.uniform(1, 7) * HOUR_MS
            if at_ms < logout_ms:
                self._push(at_ms, self._on_idle_start, agent.profile.id, session_id, "Meeting", 30)

    def _on_logout(self, agent_id: str, session_id: str | None) -> None:
        agent = self.agents[agent_id]
        if agent.session is None or (session_id is not None and agent.session.id != session_id):
            return
        if agent.state in BUSY_STATES:
            agent.pending_logout = True
            return
        self._logout(agent)

    def _logout(self, agent: AgentRuntime) -> None:
        session = agent.session
        assert session is not None
        self._set_state(agent, LOGGED_OUT, announce=False)
        session.end_ms = self.now_ms
        agent.session = None
        agent.pending_logout = False
        agent.pending_idle = None
        self._emit("agent:logout", self._agent_data(agent))

    def _on_idle_start(self, agent_id: str, session_id: str, code: str, minutes: float) -> None:
        agent = self.agents[agent_id]
        if not self.breaks_enabled or agent.session is None or agent.session.id != session_id:
            return
        duration_s = minutes * 60 * self._rng.uniform(0.8, 1.3)
        idle_code = self.topology.idle_code(code)
        if agent.state == AVAILABLE:
            self._go_idle(agent, idle_code, duration_s)
        elif agent.state in BUSY_STATES:
            agent.pending_idle = (idle_code, duration_s)

    def _go_idle(self, agent: AgentRuntime, idle_code: IdleCode, duration_s: float | None) -> None:
        agent.idle_token += 1
        self._set_state(agent, IDLE, idle_code=idle_code)
        if duration_s is not None:
            self._push(
                self.now_ms + duration_s * SECOND_MS,
                self._on_idle_end,
                agent.profile.id,
                agent.idle_token,
            )

    def _on_idle_end(self, agent_id: str, token: int) -> None:
        agent = self.agents[agent_id]
        if agent.state == IDLE and agent.idle_token == token:
            self._agent_free(agent)

    def _agent_free(self, agent: AgentRuntime) -> None:
        """The agent has nothing to do: log out, take a pending break, or take the next task."""
        if agent.pending_logout:
            self._logout(agent)
            return
        if agent.pending_idle is not None:
            idle_code, duration_s = agent.pending_idle
            agent.pending_idle = None
            self._go_idle(agent, idle_code, duration_s)
            return
        if agent.state != AVAILABLE:
            self._set_state(agent, AVAILABLE)
        task = self._next_task_for(agent)
        if task is not None:
            self._offer(task, agent)

    def _set_state(
        self,
        agent: AgentRuntime,
        state: str,
        task: Task | None = None,
        idle_code: IdleCode | None = None,
        is_login: bool = False,
        announce: bool = True,
    ) -> None:
        previous_state = agent.state
        previous_code = agent.idle_code
        if agent.activity is not None:
            agent.activity.end_ms = self.now_ms
        agent.state = state
        agent.state_since_ms = self.now_ms
        agent.idle_code = idle_code
        if state == LOGGED_OUT or agent.session is None:
            agent.activity = None
        else:
            queue_id = task.legs[-1].queue_id if task is not None and task.legs else None
            agent.activity = Activity(
                agent_id=agent.profile.id,
                session_id=agent.session.id,
                state=state,
                start_ms=self.now_ms,
                task_id=task.id if task else None,
                queue_id=queue_id,
                channel_type=task.channel_type if task else None,
                idle_code_id=idle_code.id if idle_code else None,
                is_login=is_login,
            )
            agent.session.activities.append(agent.activity)
        changed = previous_state != state or previous_code != idle_code
        if announce and changed:
            self._emit("agent:state_change", self._agent_data(agent))

    # --- control -----------------------------------------------------------------------

    def login_agent(self, agent_id: str) -> None:
        """Log an agent in now, with no scheduled logout."""
        if agent_id not in self.agents:
            raise KeyError(agent_id)
        self._on_login(agent_id, None)

    def logout_agent(self, agent_id: str) -> bool:
        """Log an agent out now, or after its current task; True if it is already out."""
        agent = self.agents[agent_id]
        self._on_logout(agent_id, None)
        return agent.session is None

    def set_agent_idle(self, agent_id: str, idle_code_name: str = "Break") -> None:
        agent = self.agents[agent_id]
        if agent.session is None:
            raise ValueError("agent is logged out")
        if agent.state in BUSY_STATES:
            agent.pending_idle = (self.topology.idle_code(idle_code_name), 3600.0 * 24)
            return
        self._go_idle(agent, self.topology.idle_code(idle_code_name), None)

    def set_agent_available(self, agent_id: str) -> None:
        agent = self.agents[agent_id]
        if agent.session is None:
            raise ValueError("agent is logged out")
        agent.pending_idle = None
        if agent.state == IDLE:
            self._agent_free(agent)

    def quiet(self) -> None:
        """No more arrivals, breaks or shift changes: the model only moves when driven."""
        self.set_arrival_rate(None, 0)
        self.breaks_enabled = False
        self.shifts_enabled = False

    # --- webhook payloads --------------------------------------------------------------

    def _task_data(self, task: Task) -> dict[str, object]:
        # Fields seen in task webhooks (docs/wxcc-contract.md section 1.6); nothing else.
        # A courtesy callback is dialled out: OUTBOUND with outboundType COURTESY_CALLBACK.
        calling_back = task.callback and task.status in (STATUS_OFFERED, STATUS_CONNECTED)
        data: dict[str, object] = {
            "taskId": task.id,
            "orgId": self.org_id,
            "channelType": task.channel_type,
            "direction": WEBHOOK_DIRECTION_OUTBOUND if calling_back else WEBHOOK_DIRECTION_INBOUND,
            "outboundType": OUTBOUND_TYPE_CALLBACK if calling_back else None,
            "origin": task.origin,
            "destination": task.destination,
            "queueId": task.queue_id,
            "createdTime": task.created_ms,
        }
        if task.status == STATUS_ENDED:
            data["terminatingParty"] = task.terminating_party
            data["reason"] = (
                REASON_AGENT_LEFT
                if task.terminating_party == TERMINATING_AGENT
                else REASON_CUSTOMER_LEFT
            )
        return data

    def _agent_data(self, agent: AgentRuntime) -> dict[str, object]:
        # agent:state_change fields seen in public material (docs/wxcc-contract.md 1.6): agentId,
        # teamId, currentState, createdTime, and taskId/queueId/origin/destination with a task.
        data: dict[str, object] = {
            "agentId": agent.profile.id,
            "teamId": agent.profile.team_id,
            "currentState": AGENT_CHANNEL_STATE[agent.state],
            "createdTime": self.now_ms,
        }
        if agent.task_id is not None:
            task = self.tasks[agent.task_id]
            data["taskId"] = task.id
            data["queueId"] = task.queue_id
            data["origin"] = task.origin
            data["destination"] = task.destination
        return data

    # --- reading -----------------------------------------------------------------------

    def tasks_created_between(self, from_ms: int, to_ms: int) -> list[Task]:
        lo = bisect.bisect_left(self._task_created_ms, from_ms)
        hi = bisect.bisect_left(self._task_created_ms, to_ms)
        return self.task_list[lo:hi]

    def tasks_touching(self, from_ms: int, to_ms: int) -> Iterator[Task]:
        """Tasks alive at some instant of [from_ms, to_ms)."""
        for task in self.tasks_created_between(from_ms - MAX_TASK_LIFETIME_MS, to_ms):
            if task.ended_ms is None or task.ended_ms >= from_ms:
                yield task

    def sessions_touching(self, from_ms: int, to_ms: int) -> Iterator[AgentSession]:
        hi = bisect.bisect_left(self._session_start_ms, to_ms)
        for session in self.sessions[:hi]:
            if session.end_ms is None or session.end_ms >= from_ms:
                yield session

    def live_tasks(self) -> list[Task]:
        return [
            task for task in self.tasks_touching(self.now_ms, self.now_ms + 1) if task.is_active
        ]

    def waiting(self, queue_id: str) -> list[Task]:
        return list(self._waiting[queue_id])
