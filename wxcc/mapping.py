"""From WxCC API records to observations. The state words themselves (search `status`,
agentSession `channelInfo.currentState` and `state`, Agent Activities `currentState`) are read
through wxcc.vocabulary, the one table webhooks use too; docs/wxcc-contract.md §1.6 and §2.5
list them.

A search `status` we do not know is derived from isActive / lastAgent / lastQueue (see
`task_status`); an agent state we do not know gives no observation. Times WxCC dates later
than the poll by more than the webhook side's MAX_EVENT_SKEW (a task "created in 2100") are
taken as the poll's time, as the receiver does with times inside a delivery.

Pure: no ORM, no clock, no network.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from wxcc import vocabulary
from wxcc.api_types import (
    AgentActivityRecord,
    AgentSessionRecord,
    ChannelState,
    EntityRef,
    TaskRecord,
)
from wxcc.models import AgentState, TaskStatus
from wxcc.observations import (
    AgentObservation,
    Ref,
    TaskClassification,
    TaskDurations,
    TaskObservation,
)
from wxcc.webhooks import MAX_EVENT_SKEW

# When an agent's channels disagree, the busiest state is the agent's (a call on telephony
# outranks "available" on chat); equal ranks go to the latest change.
_BUSY_RANK = {
    AgentState.CONNECTED: 5,
    AgentState.RESERVED: 4,
    AgentState.WRAPUP: 3,
    AgentState.IDLE: 2,
    AgentState.AVAILABLE: 1,
    AgentState.LOGGED_OUT: 0,
}


def not_after(when: datetime, as_of: datetime) -> datetime:
    """`when`, unless it lies further in the future than MAX_EVENT_SKEW: then `as_of`."""
    return as_of if when > as_of + MAX_EVENT_SKEW else when


def task_status(record: TaskRecord) -> TaskStatus:
    word = vocabulary.task_word(record.status)
    if word is not None and word.status is not None:
        return word.status
    if not record.is_active:
        return TaskStatus.ENDED
    if record.last_agent is not None:
        return TaskStatus.CONNECTED
    if record.last_queue is not None:
        return TaskStatus.QUEUED
    return TaskStatus.NEW


def agent_state(current_state: str) -> AgentState | None:
    """The stored state for a `currentState` word, or None if it names none we know."""
    word = vocabulary.agent_word(current_state)
    return word.state if word is not None else None


def _ref(entity: EntityRef | None) -> Ref | None:
    return Ref(entity.id, entity.name) if entity is not None else None


def _ms(value: int | None) -> timedelta:
    return timedelta(milliseconds=value or 0)


def task_status_since(record: TaskRecord, status: TaskStatus, as_of: datetime) -> datetime:
    """When the task entered `status`, estimated from its durations: self-service, then
    queue, then ringing. Never later than the snapshot, so a webhook with the true
    (later) time still wins."""
    if status == TaskStatus.ENDED and record.ended_at is not None:
        return min(record.ended_at, as_of)
    since = record.created_at
    if status in (TaskStatus.QUEUED, TaskStatus.OFFERED, TaskStatus.CONNECTED):
        since += _ms(record.selfservice_duration_ms)
    if status in (TaskStatus.OFFERED, TaskStatus.CONNECTED):
        since += _ms(record.queue_duration_ms)
    if status == TaskStatus.CONNECTED:
        since += _ms(record.ringing_duration_ms)
    return min(since, as_of)


def _within_skew(record: TaskRecord, as_of: datetime) -> TaskRecord:
    ended = not_after(record.ended_at, as_of) if record.ended_at is not None else None
    return replace(record, created_at=not_after(record.created_at, as_of), ended_at=ended)


def classification(record: TaskRecord) -> TaskClassification:
    return TaskClassification(
        contact_handle_type=record.contact_handle_type,
        abandoned_type=record.abandoned_type,
        terminating_end=record.terminating_end,
        termination_reason=record.termination_reason,
    )


def task_observation(record: TaskRecord, as_of: datetime) -> TaskObservation:
    record = _within_skew(record, as_of)
    status = task_status(record)
    at = task_status_since(record, status, as_of)
    ended = status == TaskStatus.ENDED
    return TaskObservation(
        wxcc_id=record.id,
        status=status,
        at=at,
        channel_type=record.channel_type,
        direction=record.direction,
        origin=record.origin,
        destination=record.destination,
        queue=_ref(record.last_queue),
        agent=_ref(record.last_agent) if status == TaskStatus.CONNECTED else None,
        created_at=record.created_at,
        connected_at=at if status == TaskStatus.CONNECTED else None,
        ended_at=record.ended_at if ended else None,
        termination_type=record.termination_type if ended else "",
        durations=TaskDurations(
            queue_ms=record.queue_duration_ms,
            ringing_ms=record.ringing_duration_ms,
            connected_ms=record.connected_duration_ms,
            hold_ms=record.hold_duration_ms,
            wrapup_ms=record.wrapup_duration_ms,
            total_ms=record.total_duration_ms,
        ),
        transfer_count=record.transfer_count,
        classification=classification(record) if ended else None,
    )


def finished_task_observations(record: TaskRecord, as_of: datetime) -> list[TaskObservation]:
    """What a finished task row tells us: its end (with WxCC's classification), and the
    milestones its durations imply (queued; connected to its last agent when it was
    connected at all), never later than its end. Live tasks tell nothing here."""
    if record.is_active or record.ended_at is None:
        return []
    record = _within_skew(record, as_of)
    ended = task_observation(record, as_of)
    queue = _ref(record.last_queue)
    agent = _ref(record.last_agent)
    answered = agent is not None and (record.connected_duration_ms or 0) > 0
    observations: list[TaskObservation] = []
    if queue is not None:
        queued_at = min(task_status_since(record, TaskStatus.QUEUED, as_of), ended.at)
        observations.append(TaskObservation(record.id, TaskStatus.QUEUED, queued_at, queue=queue))
    if answered:
        connected_at = min(task_status_since(record, TaskStatus.CONNECTED, as_of), ended.at)
        observations.append(
            TaskObservation(
                record.id,
                TaskStatus.CONNECTED,
                connected_at,
                agent=agent,
                connected_at=connected_at,
            )
        )
    observations.append(replace(ended, agent=agent if answered else None))
    return observations


def task_observations(records: list[TaskRecord], as_of: datetime) -> list[TaskObservation]:
    """Observations of a poll's task rows: live ones as they stand, ended ones with their
    milestones and WxCC's classification."""
    observations: list[TaskObservation] = []
    for record in records:
        if record.is_active or record.ended_at is None:
            observations.append(task_observation(record, as_of))
        else:
            observations.extend(finished_task_observations(record, as_of))
    return observations


def current_channel(session: AgentSessionRecord) -> ChannelState | None:
    """The channel whose state is the agent's: the busiest known state, then the latest."""
    known = [c for c in session.channels if agent_state(c.current_state) is not None]
    if not known:
        return None
    return max(
        known,
        key=lambda c: (
            _BUSY_RANK[agent_state(c.current_state) or AgentState.LOGGED_OUT],
            c.last_activity_at or session.started_at,
        ),
    )


def agent_observation(
    session: AgentSessionRecord,
    activity: AgentActivityRecord | None = None,
    *,
    as_of: datetime | None = None,
) -> AgentObservation | None:
    """An observation of a logged-in agent. The state and when it began come from the
    session's channels (`channelInfo.currentState`, `lastActivityTime`), or from an Agent
    Activity when given; without either, the session's own `state` as of the login (so any
    webhook news is newer and wins). None when none names a state we know, or logged out."""
    started_at = not_after(session.started_at, as_of) if as_of else session.started_at
    channel = current_channel(session)
    if activity is not None and agent_state(activity.current_state) is not None:
        word = vocabulary.agent_word(activity.current_state)
        state = agent_state(activity.current_state)
        at = activity.started_at
        idle_code = activity.idle_code_name
        task_id = activity.task_id
    elif channel is not None:
        word = vocabulary.agent_word(channel.current_state)
        state = agent_state(channel.current_state)
        at = channel.last_activity_at or started_at
        idle_code, task_id = channel.idle_code_name, ""
    else:
        word, state = None, agent_state(session.state)
        at, idle_code, task_id = started_at, "", ""
    if state is None or state == AgentState.LOGGED_OUT:
        return None
    # A RONA may name no idle code; the board still says why the agent is idle.
    idle_code = idle_code or (word.system_idle_code if word else "")
    at = max(started_at, not_after(at, as_of) if as_of else at)
    team = session.team or (activity.team if activity is not None else None)
    return AgentObservation(
        agent=Ref(session.agent.id, session.agent.name),
        state=state,
        at=at,
        team=_ref(team),
        idle_code=idle_code if state == AgentState.IDLE else "",
        session_id=session.session_id,
        login_at=started_at,
        task_wxcc_id=task_id if state != AgentState.IDLE else "",
    )


def finished_session_observation(record: AgentSessionRecord) -> AgentObservation | None:
    """A finished session as one observation: logged out at its end, logged in at its
    start. None while the session is live."""
    if record.is_active or record.ended_at is None:
        return None
    return AgentObservation(
        agent=Ref(record.agent.id, record.agent.name),
        state=AgentState.LOGGED_OUT,
        at=record.ended_at,
        team=_ref(record.team),
        session_id=record.session_id,
        login_at=record.started_at,
    )


def current_activities(
    activities: list[AgentActivityRecord],
) -> dict[str, AgentActivityRecord]:
    """Each agent's current activity: the active one with the latest start."""
    current: dict[str, AgentActivityRecord] = {}
    for activity in activities:
        if not activity.active:
            continue
        seen = current.get(activity.agent.id)
        if seen is None or activity.started_at >= seen.started_at:
            current[activity.agent.id] = activity
    return current
