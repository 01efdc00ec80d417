"""From WxCC API records to observations: the one place that knows WxCC's state vocabularies.

Search `status` of a task (docs/wxcc-contract.md §2.5: only "created" and "ended" are
confirmed; the live values are the simulator's choice [to confirm]):

    created -> NEW        parked -> QUEUED       offered -> OFFERED
    connected -> CONNECTED (also hold/wrapup-like values)          ended -> ENDED
    anything else: derived from isActive / lastAgent / lastQueue (see `task_status`).

Agent Activities `currentState` (§3.3: lowercase "idle, available, connected" confirmed) and
the state API's names (Available, Idle, LoggedOut, Reserved, Engaged, EngagedOther):

    available -> AVAILABLE   idle / not-responding -> IDLE   ringing / reserved -> RESERVED
    connected / engaged / engagedother / hold / on-hold / consulting / conferencing -> CONNECTED
    wrapup -> WRAPUP         logout / loggedout -> LOGGED_OUT
(the same table reads agentSession `state`, whose values §2.6 leaves unconfirmed.)

Pure: no ORM, no clock, no network.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from wxcc.api_types import AgentActivityRecord, AgentSessionRecord, EntityRef, TaskRecord
from wxcc.models import AgentState, TaskStatus
from wxcc.observations import AgentObservation, Ref, TaskDurations, TaskObservation

SEARCH_TASK_STATUS: dict[str, TaskStatus] = {
    "created": TaskStatus.NEW,
    "new": TaskStatus.NEW,
    "parked": TaskStatus.QUEUED,
    "queued": TaskStatus.QUEUED,
    "offered": TaskStatus.OFFERED,
    "connect": TaskStatus.OFFERED,
    "connected": TaskStatus.CONNECTED,
    "hold": TaskStatus.CONNECTED,
    "wrapup": TaskStatus.CONNECTED,
    "ended": TaskStatus.ENDED,
}

ACTIVITY_AGENT_STATE: dict[str, AgentState] = {
    "available": AgentState.AVAILABLE,
    "idle": AgentState.IDLE,
    "notresponding": AgentState.IDLE,
    "ringing": AgentState.RESERVED,
    "reserved": AgentState.RESERVED,
    "connected": AgentState.CONNECTED,
    "engaged": AgentState.CONNECTED,
    "engagedother": AgentState.CONNECTED,
    "hold": AgentState.CONNECTED,
    "onhold": AgentState.CONNECTED,
    "holddone": AgentState.CONNECTED,
    "consulting": AgentState.CONNECTED,
    "conferencing": AgentState.CONNECTED,
    "wrapup": AgentState.WRAPUP,
    "logout": AgentState.LOGGED_OUT,
    "loggedout": AgentState.LOGGED_OUT,
}


def _normalise(value: str) -> str:
    return re.sub(r"[^a-z]", "", value.lower())


def task_status(record: TaskRecord) -> TaskStatus:
    status = SEARCH_TASK_STATUS.get(record.status.lower())
    if status is not None:
        return status
    if not record.is_active:
        return TaskStatus.ENDED
    if record.last_agent is not None:
        return TaskStatus.CONNECTED
    if record.last_queue is not None:
        return TaskStatus.QUEUED
    return TaskStatus.NEW


def agent_state(current_state: str) -> AgentState | None:
    """The stored state for an activity's `currentState`, or None if we do not know it."""
    return ACTIVITY_AGENT_STATE.get(_normalise(current_state))


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


def task_observation(record: TaskRecord, as_of: datetime) -> TaskObservation:
    status = task_status(record)
    at = task_status_since(record, status, as_of)
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
        ended_at=record.ended_at if status == TaskStatus.ENDED else None,
        termination_type=record.termination_type,
        durations=TaskDurations(
            queue_ms=record.queue_duration_ms,
            ringing_ms=record.ringing_duration_ms,
            connected_ms=record.connected_duration_ms,
            hold_ms=record.hold_duration_ms,
            wrapup_ms=record.wrapup_duration_ms,
            total_ms=record.total_duration_ms,
        ),
        transfer_count=record.transfer_count,
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


def agent_observation(
    session: AgentSessionRecord, activity: AgentActivityRecord | None
) -> AgentObservation | None:
    """An observation of a logged-in agent. The current activity gives the state and when it
    began; without one, the session's own `state` is used as of the login (so any webhook
    news is newer and wins). None when neither names a state we know."""
    if activity is not None and agent_state(activity.current_state) is not None:
        state = agent_state(activity.current_state)
        at = activity.started_at
        idle_code = activity.idle_code_name
        task_id = activity.task_id
    else:
        state = agent_state(session.state)
        at = session.started_at
        idle_code, task_id = "", ""
    if state is None or state == AgentState.LOGGED_OUT:
        return None
    team = session.team or (activity.team if activity is not None else None)
    return AgentObservation(
        agent=Ref(session.agent.id, session.agent.name),
        state=state,
        at=at,
        team=_ref(team),
        idle_code=idle_code if state == AgentState.IDLE else "",
        session_id=session.session_id,
        login_at=session.started_at,
        task_wxcc_id=task_id if state != AgentState.IDLE else "",
    )
