"""Writes to stored tasks: apply task observations, close what vanished (agents' sessions:
`wxcc.agent_services`, which works the same way).

The decisions are `wxcc.merge`'s (pure); this module loads, locks and writes around them,
many rows at a time, in a number of queries that does not grow with the rows:

1. resolve the named entities of the whole batch (`wxcc.entities`);
2. load the stored rows for the batch's ids in one query and merge in memory;
3. nothing changed: done (no transaction, no lock, no write);
4. otherwise, in one transaction: lock the changed rows (tasks; for sessions the agents,
   since all of one agent's sessions change under that lock), merge again against the
   locked state (a concurrent webhook may have moved them), write only the changed fields
   in bulk, create history in bulk, and announce the change after commit.

Webhook events go through the same path, a hand-off batch at a time (`event_ids` names each
observation's event, recorded on its history row).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from oauth.models import Organization
from wxcc import merge
from wxcc.entities import NamedIds, upsert_agents, upsert_queues
from wxcc.merge import TaskView
from wxcc.models import Source, Task, TaskStatus, TaskTransition
from wxcc.observations import TaskObservation
from wxcc.signals import LiveStateChange, notify_live_state_changed

logger = logging.getLogger(__name__)

# A concurrent insert of the same task makes ours fail; merge against theirs and try again.
_CREATE_ATTEMPTS = 3


def save_changed(rows: Sequence[Model], fields: set[str]) -> None:
    """Save only `fields` of `rows`: one UPDATE (a plain save for a single row)."""
    if not rows:
        return
    if len(rows) == 1:
        rows[0].save(update_fields=[*sorted(fields), "updated_at"])
        return
    now = timezone.now()  # bulk_update skips auto_now
    for row in rows:
        row.updated_at = now  # type: ignore[attr-defined]
    type(rows[0]).objects.bulk_update(rows, [*sorted(fields), "updated_at"], batch_size=1000)  # type: ignore[attr-defined]


def field_values(view: object, names: Sequence[str]) -> dict[str, Any]:
    """`names` of a view, as keyword arguments for a model."""
    return {name: getattr(view, name) for name in names}


# --- tasks -------------------------------------------------------------------------------------


def task_view(task: Task) -> TaskView:
    return TaskView(**{name: getattr(task, name) for name in merge.TASK_FIELDS})


@dataclass(frozen=True)
class _TaskPlan:
    before: TaskView | None
    after: TaskView
    history: tuple[merge.TransitionRecord, ...]

    @property
    def dirty(self) -> bool:
        return self.before != self.after or bool(self.history)


# An observation and the id of the event that brought it ("" for a poll).
TaskNews = tuple[TaskObservation, str]


def _fold_task(
    stored: TaskView | None,
    news: Sequence[TaskNews],
    *,
    queues: NamedIds,
    agents: NamedIds,
    source: Source,
) -> _TaskPlan:
    state: TaskView | None = stored
    history: tuple[merge.TransitionRecord, ...] = ()
    for obs, event_id in news:
        result = merge.merge_task(
            state,
            obs,
            queue_id=queues.pk(obs.queue),
            agent_id=agents.pk(obs.agent),
            source=source,
            event_id=event_id,
        )
        state, history = result.state, history + result.history
    assert state is not None  # at least one observation
    return _TaskPlan(stored, state, history)


def apply_task_observations(
    *,
    org: Organization,
    observations: Sequence[TaskObservation],
    source: Source,
    event_id: str = "",
    event_ids: Sequence[str] | None = None,
) -> int:
    """Merge observations of tasks into the stored tasks, in the order given; returns how
    many tasks changed. `event_ids`, when given, holds each observation's event id (a batch
    of webhook events); otherwise every observation is `event_id`'s."""
    if not observations:
        return 0
    ids = list(event_ids) if event_ids is not None else [event_id] * len(observations)
    if len(ids) != len(observations):
        raise ValueError("event_ids must name one event per observation")
    queues = upsert_queues(org=org, refs=[o.queue for o in observations if o.queue])
    agents = upsert_agents(org=org, refs=[o.agent for o in observations if o.agent])
    notify_live_state_changed(
        LiveStateChange.of(org.pk, queue_ids=queues.touched, agent_ids=agents.touched)
    )
    by_task: dict[str, list[TaskNews]] = defaultdict(list)
    for obs, obs_event_id in zip(observations, ids, strict=True):
        by_task[obs.wxcc_id].append((obs, obs_event_id))
    stored = {
        t.wxcc_id: task_view(t)
        for t in Task.objects.filter(organization=org, wxcc_id__in=list(by_task))
    }
    fold = partial(_fold_task, queues=queues, agents=agents, source=source)
    dirty = {
        wxcc_id: obs_list
        for wxcc_id, obs_list in by_task.items()
        if fold(stored.get(wxcc_id), obs_list).dirty
    }
    if not dirty:
        return 0
    with transaction.atomic():
        return _write_tasks(org, dirty, fold)


def _write_tasks(
    org: Organization,
    by_task: dict[str, list[TaskNews]],
    fold: Callable[[TaskView | None, Sequence[TaskNews]], _TaskPlan],
) -> int:
    for attempt in range(1, _CREATE_ATTEMPTS + 1):
        locked = {
            t.wxcc_id: t
            for t in Task.objects.select_for_update()
            .filter(organization=org, wxcc_id__in=list(by_task))
            .order_by("pk")
        }
        plans = {
            wxcc_id: fold(task_view(locked[wxcc_id]) if wxcc_id in locked else None, obs_list)
            for wxcc_id, obs_list in by_task.items()
        }
        new = [
            Task(organization=org, wxcc_id=wxcc_id, **field_values(plan.after, merge.TASK_FIELDS))
            for wxcc_id, plan in plans.items()
            if wxcc_id not in locked
        ]
        if not new:
            break
        try:
            with transaction.atomic():
                Task.objects.bulk_create(new)
            break
        except IntegrityError:
            if attempt == _CREATE_ATTEMPTS:
                raise
    rows = {**locked, **{t.wxcc_id: t for t in new}}
    changed: list[Task] = []
    fields: set[str] = set()
    for wxcc_id, task in locked.items():
        plan = plans[wxcc_id]
        names = merge.changed_fields(plan.before, plan.after, merge.TASK_FIELDS)
        if names:
            for name in names:
                setattr(task, name, getattr(plan.after, name))
            changed.append(task)
            fields |= names
    save_changed(changed, fields)
    TaskTransition.objects.bulk_create(
        TaskTransition(task=rows[wxcc_id], **field_values(record, _TRANSITION_FIELDS))
        for wxcc_id, plan in plans.items()
        for record in plan.history
    )
    visible = [p for p in plans.values() if merge.task_visibly_changed(p.before, p.after)]
    notify_live_state_changed(
        LiveStateChange.of(
            org.pk,
            queue_ids=[v.queue_id for p in visible for v in (p.before, p.after) if v],
            agent_ids=[v.agent_id for p in visible for v in (p.before, p.after) if v],
        )
    )
    return len(changed) + len(new)


_TRANSITION_FIELDS = ("status", "at", "source", "event_id", "queue_wxcc_id", "agent_wxcc_id")


def apply_task_observation(
    *, org: Organization, obs: TaskObservation, source: Source, event_id: str = ""
) -> bool:
    """Merge one observation of a task; returns whether the task changed."""
    return (
        apply_task_observations(org=org, observations=[obs], source=source, event_id=event_id) > 0
    )


def close_vanished_tasks(*, org: Organization, active_ids: set[str], as_of: datetime) -> list[str]:
    """End open tasks that a complete poll of active tasks at `as_of` no longer lists.

    A task whose newest news is later than the poll is left alone: the poll cannot know it.
    """
    vanishing = (
        Task.objects.filter(organization=org, status_at__lt=as_of)
        .exclude(status=TaskStatus.ENDED)
        .exclude(wxcc_id__in=active_ids)
    )
    if not vanishing.exists():
        return []
    with transaction.atomic():
        tasks = list(vanishing.select_for_update().order_by("pk"))
        plans = [(task, merge.close_task(task_view(task), as_of)) for task in tasks]
        for task, plan in plans:
            for name in plan.changed_fields:
                setattr(task, name, getattr(plan.state, name))
        save_changed(tasks, {"status", "status_at", "ended_at", "source"})
        TaskTransition.objects.bulk_create(
            TaskTransition(task=task, **field_values(record, _TRANSITION_FIELDS))
            for task, plan in plans
            for record in plan.history
        )
        notify_live_state_changed(
            LiveStateChange.of(
                org.pk,
                queue_ids=[t.queue_id for t in tasks],
                agent_ids=[t.agent_id for t in tasks],
            )
        )
    if tasks:
        logger.info("event=tasks_closed_by_poll org_id=%s count=%d", org.pk, len(tasks))
    return [task.wxcc_id for task in tasks]
