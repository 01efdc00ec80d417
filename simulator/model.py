"""The traffic model: a discrete-event simulation of one contact center.

It owns every task, agent session and agent activity the simulator will ever answer with.
History is produced by running this same model fast from `history_days` ago up to the start
time; after that the app advances it along the simulated clock. Poisson arrivals (thinned
against a daily curve), skills-based routing to the longest-available agent, an agent state
machine, abandonment by caller patience, RONA, hold, transfers, callbacks and wrap-up.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from simulator.agentflow import AgentFlow
from simulator.model_base import (
    DAY_MS,
    HOUR_MS,
    MAX_TASK_LIFETIME_MS,
    MINUTE_MS,
    SECOND_MS,
    AgentRuntime,
)
from simulator.records import DIRECTION_INBOUND, AgentSession, Task
from simulator.taskflow import TaskFlow
from simulator.topology import (
    CHAT,
    DAILY_CURVE,
    DAILY_CURVE_MAX,
    DAILY_CURVE_SUM,
    EMAIL,
    TELEPHONY,
    Queue,
)

__all__ = ["DAY_MS", "HOUR_MS", "MINUTE_MS", "SECOND_MS", "AgentRuntime", "TrafficModel"]


class TrafficModel(TaskFlow, AgentFlow):
    """The simulated contact center. Not thread-safe: drive it from one event loop."""

    # --- arrivals ----------------------------------------------------------------------

    def _rate_per_ms(self, queue: Queue, at_ms: int) -> float:
        override = self._rate_override.get(queue.id, self._rate_override.get(None))
        if override is not None:
            return override / HOUR_MS
        hour = self.local_day.hour(at_ms)
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

    # --- control -----------------------------------------------------------------------

    def quiet(self) -> None:
        """No more arrivals, breaks or shift changes: the model only moves when driven."""
        self.set_arrival_rate(None, 0)
        self.breaks_enabled = False
        self.shifts_enabled = False

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
