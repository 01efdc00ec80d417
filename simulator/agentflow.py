"""Agent behaviour of the traffic model: daily shifts, breaks with idle codes, the agent state
machine (logged out, available, idle, reserved, connected, hold, wrap-up) and its activity
records, supervisor-style control; and the data of agent webhooks."""

from __future__ import annotations

from simulator.model_base import (
    HOUR_MS,
    MINUTE_MS,
    SECOND_MS,
    AgentRuntime,
    ModelBase,
)
from simulator.records import (
    AGENT_CHANNEL_STATE,
    AVAILABLE,
    BUSY_STATES,
    IDLE,
    LOGGED_OUT,
    Activity,
    AgentSession,
    Task,
)
from simulator.topology import (
    IdleCode,
)


class AgentFlow(ModelBase):
    def _plan_day(self, day_ms: int) -> None:
        next_day_ms = self.local_day.next_midnight(day_ms)
        self._push(next_day_ms, self._plan_day, next_day_ms)
        if not self.shifts_enabled:
            return
        rng = self._rng
        for agent in self.topology.agents:
            shift_start_ms = self.local_day.wall_time(day_ms, agent.shift_start_h)
            login_ms = shift_start_ms + rng.uniform(-10, 10) * MINUTE_MS
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

    def _relabel_state(self, agent: AgentRuntime, state: str) -> None:
        """Name the stretch the agent is in anew (a ring that timed out is "not responding"
        from its start) and announce it; the activity keeps its start."""
        agent.state = state
        if agent.activity is not None:
            agent.activity.state = state
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
