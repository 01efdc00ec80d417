"""An in-memory stand-in for what wxcc.services does around the pure merge rules: keep the
merged views and their history, hand the merge the rows it asks for, number new sessions.
Property tests run the merge rules through it in milliseconds, with no database."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from wxcc.merge import TaskMerge, TaskView, TransitionRecord, merge_task
from wxcc.merge_agents import (
    AgentMerge,
    ChangeRow,
    SessionView,
    history_needed,
    merge_agent,
)
from wxcc.models import Source
from wxcc.observations import AgentObservation, Ref, TaskObservation

_PKS: dict[str, int] = {}


def pk(ref: Ref | None) -> int | None:
    """The same made-up pk for a WxCC id in every store (as if one database named them)."""
    if ref is None:
        return None
    return _PKS.setdefault(ref.wxcc_id, len(_PKS) + 1)


@dataclass
class TaskStore:
    tasks: dict[str, TaskView] = field(default_factory=dict)
    history: dict[str, list[TransitionRecord]] = field(default_factory=dict)

    def apply(self, obs: TaskObservation, source: Source = Source.WEBHOOK) -> TaskMerge:
        result = merge_task(
            self.tasks.get(obs.wxcc_id),
            obs,
            queue_id=pk(obs.queue),
            agent_id=pk(obs.agent),
            source=source,
        )
        self.tasks[obs.wxcc_id] = result.state
        self.history.setdefault(obs.wxcc_id, []).extend(result.history)
        return result


@dataclass
class AgentStore:
    sessions: dict[str, list[SessionView]] = field(default_factory=dict)
    history: list[ChangeRow] = field(default_factory=list)
    next_key: int = 1

    def apply(self, obs: AgentObservation, source: Source = Source.WEBHOOK) -> AgentMerge:
        agent = obs.agent.wxcc_id
        mine = self.sessions.setdefault(agent, [])
        # What services load: the open session and those that ended at or after the news.
        candidates = [s for s in mine if s.logout_at is None or s.logout_at >= obs.at]
        key = history_needed(candidates, obs, source)
        rows = [r for r in self.history if r.session_key == key] if key is not None else []
        result = merge_agent(candidates, obs, team_id=pk(obs.team), source=source, history=rows)
        # New sessions (negative keys) get the next free "pk", as an INSERT would.
        keys: dict[int, int] = {}
        for view in result.sessions:
            if view.key < 0:
                keys[view.key] = self.next_key
                self.next_key += 1

        def stored(key: int) -> int:
            return keys.get(key, key)

        merged = {stored(v.key): replace(v, key=stored(v.key)) for v in result.sessions}
        old = {s.key for s in mine}
        self.sessions[agent] = [merged.get(s.key, s) for s in mine] + [
            v for k, v in merged.items() if k not in old
        ]
        for row in result.history:
            seq = len(self.history) + 1
            self.history.append(replace(row, session_key=stored(row.session_key), seq=seq))
        return result

    def view(self, agent: str) -> list[tuple[object, ...]]:
        """Each of the agent's sessions as (state, idle code, since, login, logout), by login."""
        sessions = sorted(self.sessions.get(agent, []), key=lambda s: s.login_at)
        return [(s.state, s.idle_code, s.state_since, s.login_at, s.logout_at) for s in sessions]
