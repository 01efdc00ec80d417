"""Merge rules: how one observation changes a stored task (an agent's sessions:
`wxcc.merge_agents`).

Pure: frozen views of stored rows and an observation in, the new state, the history rows to
record and what changed out. No ORM, no clock, no network; `wxcc.services` and
`wxcc.agent_services` load, lock and write around these functions.

Convergence rules, so webhooks in any order (and polls) end in the same state:
- The current status is the one with the newest time; on equal times the later life stage
  wins. Older observations become history rows and fill gaps, but never move state back.
- Milestones are order-independent: first queued/offered/connected time is the minimum seen.
- Queue and agent are taken from the newest observation that names one.
- An agent's current state is the newest observation's; `state_since` is the start of the
  newest run of history rows in that state, so it does not depend on arrival order.
- Webhooks are history as they arrive; a poll adds history only when it tells us something
  new, so a 10 s poll does not write a row per task per cycle.
- How a contact ended (WxCC's contactHandleType, abandonedType, terminatingEnd,
  terminationReason and terminationType) is search's word once the task has ended: a poll's
  classification of an ended task replaces whatever a webhook said, a webhook only fills a
  blank, and nothing is kept while the task is open again (a re-queued callback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

from wxcc.models import TASK_STATUS_RANK, Source, TaskStatus
from wxcc.observations import TaskObservation

# --- tasks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """A stored task's merged fields (names are the model's attnames)."""

    status: TaskStatus
    status_at: datetime
    created_at: datetime
    source: Source = Source.WEBHOOK
    channel_type: str = ""
    direction: str = ""
    origin: str = ""
    destination: str = ""
    queue_id: int | None = None
    queue_at: datetime | None = None
    agent_id: int | None = None
    agent_at: datetime | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    termination_type: str = ""
    contact_handle_type: str = ""
    abandoned_type: str = ""
    terminating_end: str = ""
    termination_reason: str = ""
    queue_duration_ms: int | None = None
    ringing_duration_ms: int | None = None
    connected_duration_ms: int | None = None
    hold_duration_ms: int | None = None
    wrapup_duration_ms: int | None = None
    total_duration_ms: int | None = None
    transfer_count: int = 0


TASK_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TaskView))


@dataclass(frozen=True)
class TransitionRecord:
    """A TaskTransition row to record."""

    status: TaskStatus
    at: datetime
    source: Source
    event_id: str = ""
    queue_wxcc_id: str = ""
    agent_wxcc_id: str = ""


@dataclass(frozen=True)
class TaskMerge:
    """The task after one observation: its state, what changed and the history to record."""

    before: TaskView | None  # None: the task is new
    state: TaskView
    history: tuple[TransitionRecord, ...]

    @property
    def changed_fields(self) -> frozenset[str]:
        return changed_fields(self.before, self.state, TASK_FIELDS)

    @property
    def visible(self) -> bool:
        """Whether boards show something different (status, queue, agent or end)."""
        return task_visibly_changed(self.before, self.state)


def changed_fields(before: object | None, after: object, names: Sequence[str]) -> frozenset[str]:
    """The names whose values differ (every name when there was no `before`)."""
    if before is None:
        return frozenset(names)
    return frozenset(n for n in names if getattr(before, n) != getattr(after, n))


def task_visibly_changed(before: TaskView | None, after: TaskView) -> bool:
    if before is None:
        return True
    return _task_face(before) != _task_face(after)


def _task_face(task: TaskView) -> tuple[object, ...]:
    return (task.status, task.queue_id, task.agent_id, task.ended_at)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _is_newer(status: TaskStatus, at: datetime, than_status: TaskStatus, than_at: datetime) -> bool:
    return (at, TASK_STATUS_RANK[TaskStatus(status)]) >= (
        than_at,
        TASK_STATUS_RANK[TaskStatus(than_status)],
    )


def _first(value: int | None, fallback: int | None) -> int | None:
    return value if value is not None else fallback


_CLASSIFICATION_FIELDS = (
    "termination_type",
    "contact_handle_type",
    "abandoned_type",
    "terminating_end",
    "termination_reason",
)
_UNCLASSIFIED = dict.fromkeys(_CLASSIFICATION_FIELDS, "")


def _classification(task: TaskView, obs: TaskObservation, source: Source) -> dict[str, str]:
    """How an ENDED observation classifies a task that is ended: search (a poll's
    classification) is authoritative; anything else only fills blanks."""
    told = {"termination_type": obs.termination_type}
    if obs.classification is not None:
        told.update(
            contact_handle_type=obs.classification.contact_handle_type,
            abandoned_type=obs.classification.abandoned_type,
            terminating_end=obs.classification.terminating_end,
            termination_reason=obs.classification.termination_reason,
        )
    if source == Source.POLL and obs.classification is not None:
        return told
    return {name: value for name, value in told.items() if value and not getattr(task, name)}


def merge_task(
    stored: TaskView | None,
    obs: TaskObservation,
    *,
    queue_id: int | None,
    agent_id: int | None,
    source: Source,
    event_id: str = "",
) -> TaskMerge:
    """Merge one observation into a stored task (None: not stored yet).

    `queue_id` / `agent_id` are the pks of the queue and agent `obs` names, if any.
    """
    created = stored is None
    task = stored or TaskView(
        status=obs.status,
        status_at=obs.at,
        created_at=obs.created_at or obs.at,
        source=source,
    )
    changes: dict[str, object] = {}
    for name in ("channel_type", "direction", "origin", "destination"):
        value = getattr(obs, name)
        if value and not getattr(task, name):
            changes[name] = value
    changes["created_at"] = _min(task.created_at, obs.created_at or obs.at) or obs.at

    queued_at, offered_at, connected_at = task.queued_at, task.offered_at, task.connected_at
    if obs.status == TaskStatus.QUEUED:
        queued_at = _min(queued_at, obs.at)
    elif obs.status == TaskStatus.OFFERED:
        offered_at = _min(offered_at, obs.at)
    elif obs.status == TaskStatus.CONNECTED:
        connected_at = _min(connected_at, obs.at)
    changes.update(
        queued_at=queued_at,
        offered_at=offered_at,
        connected_at=_min(connected_at, obs.connected_at),
    )

    if queue_id is not None and (task.queue_at is None or obs.at >= task.queue_at):
        changes.update(queue_id=queue_id, queue_at=obs.at)
    if agent_id is not None and (task.agent_at is None or obs.at >= task.agent_at):
        changes.update(agent_id=agent_id, agent_at=obs.at)

    if created or _is_newer(obs.status, obs.at, task.status, task.status_at):
        changes.update(status=obs.status, status_at=obs.at, source=source)
        if obs.status == TaskStatus.ENDED:
            changes["ended_at"] = obs.ended_at or obs.at
        else:
            changes["ended_at"] = None
            changes.update(_UNCLASSIFIED)
    if obs.status == TaskStatus.ENDED and changes.get("status", task.status) == TaskStatus.ENDED:
        changes.update(_classification(task, obs, source))
    if obs.durations is not None:
        d = obs.durations
        changes.update(
            queue_duration_ms=_first(d.queue_ms, task.queue_duration_ms),
            ringing_duration_ms=_first(d.ringing_ms, task.ringing_duration_ms),
            connected_duration_ms=_first(d.connected_ms, task.connected_duration_ms),
            hold_duration_ms=_first(d.hold_ms, task.hold_duration_ms),
            wrapup_duration_ms=_first(d.wrapup_ms, task.wrapup_duration_ms),
            total_duration_ms=_first(d.total_ms, task.total_duration_ms),
        )
    if obs.transfer_count is not None:
        changes["transfer_count"] = obs.transfer_count
    after = replace(task, **changes)  # type: ignore[arg-type]

    history: tuple[TransitionRecord, ...] = ()
    if source == Source.WEBHOOK or created or task.status != after.status:
        history = (
            TransitionRecord(
                status=obs.status,
                at=obs.at,
                source=source,
                event_id=event_id,
                queue_wxcc_id=obs.queue.wxcc_id if obs.queue else "",
                agent_wxcc_id=obs.agent.wxcc_id if obs.agent else "",
            ),
        )
    return TaskMerge(before=stored, state=after, history=history)


def close_task(task: TaskView, as_of: datetime) -> TaskMerge:
    """A task a complete poll at `as_of` no longer lists has ended by then."""
    after = replace(
        task, status=TaskStatus.ENDED, status_at=as_of, ended_at=as_of, source=Source.POLL
    )
    return TaskMerge(
        before=task,
        state=after,
        history=(TransitionRecord(status=TaskStatus.ENDED, at=as_of, source=Source.POLL),),
    )
