"""Writes to stored WxCC state: apply task and agent observations, close what vanished.

Convergence rules, so webhooks in any order (and polls) end in the same state:
- The current status is the one with the newest time; on equal times the later life stage
  wins. Older observations become history rows and fill gaps, but never move state back.
- Milestones are order-independent: first queued/offered/connected time is the minimum seen.
- Queue and agent are taken from the newest observation that names one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TypeVar

from django.db import transaction

from oauth.models import Organization
from wxcc.models import (
    TASK_STATUS_RANK,
    Agent,
    AgentSession,
    AgentState,
    AgentStateChange,
    Queue,
    Source,
    Task,
    TaskStatus,
    TaskTransition,
    Team,
)
from wxcc.observations import AgentObservation, Ref, TaskObservation
from wxcc.signals import notify_live_state_changed

logger = logging.getLogger(__name__)

NamedT = TypeVar("NamedT", Queue, Team)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _upsert_named(model: type[NamedT], org: Organization, ref: Ref) -> NamedT:
    """The org's row for `ref`, created if new, renamed if WxCC now names it differently."""
    row, created = model.objects.get_or_create(
        organization=org, wxcc_id=ref.wxcc_id, defaults={"name": ref.name}
    )
    if not created and ref.name and row.name != ref.name:
        row.name = ref.name
        row.save(update_fields=["name"])
    return row


def upsert_queue(org: Organization, ref: Ref) -> Queue:
    return _upsert_named(Queue, org, ref)


def upsert_team(org: Organization, ref: Ref) -> Team:
    return _upsert_named(Team, org, ref)


def upsert_agent(org: Organization, ref: Ref, team: Team | None = None) -> Agent:
    agent, created = Agent.objects.get_or_create(
        organization=org, wxcc_id=ref.wxcc_id, defaults={"name": ref.name, "team": team}
    )
    fields = []
    if not created and ref.name and agent.name != ref.name:
        agent.name = ref.name
        fields.append("name")
    if not created and team is not None and agent.team_id != team.pk:
        agent.team = team
        fields.append("team")
    if fields:
        agent.save(update_fields=fields)
    return agent


def _is_newer(status: str, at: datetime, than_status: str, than_at: datetime) -> bool:
    return (at, TASK_STATUS_RANK[TaskStatus(status)]) >= (
        than_at,
        TASK_STATUS_RANK[TaskStatus(than_status)],
    )


@transaction.atomic
def apply_task_observation(
    org: Organization, obs: TaskObservation, source: Source, event_id: str = ""
) -> None:
    """Merge one observation of a task into the stored task and its history."""
    queue = upsert_queue(org, obs.queue) if obs.queue else None
    agent = upsert_agent(org, obs.agent) if obs.agent else None
    task, created = Task.objects.select_for_update().get_or_create(
        organization=org,
        wxcc_id=obs.wxcc_id,
        defaults={
            "status": obs.status,
            "status_at": obs.at,
            "created_at": obs.created_at or obs.at,
            "source": source,
        },
    )
    before = (task.status, task.queue_id, task.agent_id, task.ended_at)
    old_queue_id = task.queue_id

    for name in ("channel_type", "direction", "origin", "destination"):
        value = getattr(obs, name)
        if value and not getattr(task, name):
            setattr(task, name, value)
    task.created_at = _min(task.created_at, obs.created_at or obs.at) or obs.at

    if obs.status == TaskStatus.QUEUED:
        task.queued_at = _min(task.queued_at, obs.at)
    elif obs.status == TaskStatus.OFFERED:
        task.offered_at = _min(task.offered_at, obs.at)
    elif obs.status == TaskStatus.CONNECTED:
        task.connected_at = _min(task.connected_at, obs.at)
    task.connected_at = _min(task.connected_at, obs.connected_at)

    if queue is not None and (task.queue_at is None or obs.at >= task.queue_at):
        task.queue, task.queue_at = queue, obs.at
    if agent is not None and (task.agent_at is None or obs.at >= task.agent_at):
        task.agent, task.agent_at = agent, obs.at

    if created or _is_newer(obs.status, obs.at, task.status, task.status_at):
        task.status, task.status_at = obs.status, obs.at
        task.source = source
        if obs.status == TaskStatus.ENDED:
            task.ended_at = obs.ended_at or obs.at
            if obs.termination_type:
                task.termination_type = obs.termination_type
        else:
            task.ended_at = None
    if obs.durations is not None:
        d = obs.durations
        task.queue_duration_ms = d.queue_ms if d.queue_ms is not None else task.queue_duration_ms
        task.ringing_duration_ms = (
            d.ringing_ms if d.ringing_ms is not None else task.ringing_duration_ms
        )
        task.connected_duration_ms = (
            d.connected_ms if d.connected_ms is not None else task.connected_duration_ms
        )
        task.hold_duration_ms = d.hold_ms if d.hold_ms is not None else task.hold_duration_ms
        task.wrapup_duration_ms = (
            d.wrapup_ms if d.wrapup_ms is not None else task.wrapup_duration_ms
        )
        task.total_duration_ms = d.total_ms if d.total_ms is not None else task.total_duration_ms
    if obs.transfer_count is not None:
        task.transfer_count = obs.transfer_count
    task.save()

    # Webhooks are history as they arrive; a poll adds history only when it tells us
    # something new, so a 10 s poll does not write a row per task per cycle.
    if source == Source.WEBHOOK or created or before[0] != task.status:
        TaskTransition.objects.create(
            task=task,
            status=obs.status,
            at=obs.at,
            source=source,
            event_id=event_id,
            queue_wxcc_id=obs.queue.wxcc_id if obs.queue else "",
            agent_wxcc_id=obs.agent.wxcc_id if obs.agent else "",
        )
    if created or before != (task.status, task.queue_id, task.agent_id, task.ended_at):
        notify_live_state_changed(org.pk, (old_queue_id, task.queue_id))


@transaction.atomic
def apply_agent_observation(
    org: Organization, obs: AgentObservation, source: Source, event_id: str = ""
) -> None:
    """Merge one observation of an agent's state into their session and its history."""
    team = upsert_team(org, obs.team) if obs.team else None
    agent = upsert_agent(org, obs.agent, team)
    # Lock the agent row: all of one agent's sessions change under this lock.
    Agent.objects.select_for_update().filter(pk=agent.pk).first()
    session = AgentSession.objects.filter(agent=agent, logout_at__isnull=True).first()
    if session is None:
        last = AgentSession.objects.filter(agent=agent).order_by("-logout_at").first()
        if last is not None and last.logout_at is not None and obs.at <= last.logout_at:
            # A late event from a session that has already ended: history, and perhaps an
            # earlier login time than we knew.
            if obs.at < last.login_at:
                last.login_at = obs.at
                last.save(update_fields=["login_at", "updated_at"])
            _record_agent_change(last, obs, source, event_id)
            return
        if obs.state == AgentState.LOGGED_OUT:
            # A logout for a session we never saw open: remember it as a closed session so
            # late events of that session are not mistaken for a new login.
            session = AgentSession.objects.create(
                organization=org,
                agent=agent,
                team=team,
                wxcc_session_id=obs.session_id,
                state=AgentState.LOGGED_OUT,
                idle_code="",
                state_since=obs.at,
                state_at=obs.at,
                login_at=obs.login_at or obs.at,
                logout_at=obs.at,
                source=source,
            )
            _record_agent_change(session, obs, source, event_id)
            return
        session = AgentSession.objects.create(
            organization=org,
            agent=agent,
            team=team,
            wxcc_session_id=obs.session_id,
            state=obs.state,
            idle_code=obs.idle_code,
            state_since=obs.at,
            state_at=obs.at,
            login_at=obs.login_at or obs.at,
            source=source,
        )
        _record_agent_change(session, obs, source, event_id)
        notify_live_state_changed(org.pk, agents_changed=True)
        return

    if obs.at < session.login_at:
        earlier = (
            AgentSession.objects.filter(agent=agent, logout_at__gte=obs.at)
            .exclude(pk=session.pk)
            .first()
        )
        if earlier is not None:
            # News of the previous session, arriving late.
            _record_agent_change(earlier, obs, source, event_id)
            return
    before = (session.state, session.idle_code, session.team_id, session.logout_at)
    # Any news of this session means the agent was logged in by then.
    session.login_at = _min(session.login_at, obs.login_at or obs.at) or session.login_at
    if obs.session_id and not session.wxcc_session_id:
        session.wxcc_session_id = obs.session_id
    if team is not None and obs.at >= session.state_at:
        session.team = team
    if obs.at >= session.state_at:
        session.state, session.idle_code, session.state_at = obs.state, obs.idle_code, obs.at
        session.source = source
        if obs.state == AgentState.LOGGED_OUT:
            session.logout_at = obs.at
    elif obs.state == AgentState.LOGGED_OUT:
        # An old logout cannot end a session we have newer news of; WxCC would not send a
        # newer state after a logout of the same session, so this is an earlier session's.
        pass
    if source == Source.WEBHOOK or before[0] != session.state:
        _record_agent_change(session, obs, source, event_id)
    session.state_since = _current_state_since(session)
    session.save()
    changed = before != (session.state, session.idle_code, session.team_id, session.logout_at)
    if changed:
        notify_live_state_changed(org.pk, agents_changed=True)


def _current_state_since(session: AgentSession) -> datetime:
    """When the current state began: the start of the newest run of history rows in this
    state. Derived from history, so it does not depend on the order news arrived in."""
    since = session.state_at
    for state, idle_code, at in (
        session.changes.filter(at__lte=session.state_at)
        .order_by("-at", "-id")
        .values_list("state", "idle_code", "at")
        .iterator()
    ):
        if (state, idle_code) != (session.state, session.idle_code):
            break
        since = at
    return since


def _record_agent_change(
    session: AgentSession, obs: AgentObservation, source: Source, event_id: str
) -> None:
    AgentStateChange.objects.create(
        session=session,
        state=obs.state,
        idle_code=obs.idle_code,
        at=obs.at,
        source=source,
        event_id=event_id,
    )


@transaction.atomic
def close_vanished_tasks(org: Organization, active_ids: set[str], as_of: datetime) -> list[str]:
    """End open tasks that a complete poll of active tasks at `as_of` no longer lists.

    A task whose newest news is later than the poll is left alone: the poll cannot know it.
    """
    vanished = list(
        Task.objects.select_for_update()
        .filter(organization=org, status_at__lt=as_of)
        .exclude(status=TaskStatus.ENDED)
        .exclude(wxcc_id__in=active_ids)
    )
    queue_ids = set()
    for task in vanished:
        task.status, task.status_at, task.ended_at = TaskStatus.ENDED, as_of, as_of
        task.source = Source.POLL
        task.save(update_fields=["status", "status_at", "ended_at", "source", "updated_at"])
        TaskTransition.objects.create(
            task=task, status=TaskStatus.ENDED, at=as_of, source=Source.POLL
        )
        queue_ids.add(task.queue_id)
    if vanished:
        logger.info("event=tasks_closed_by_poll org_id=%s count=%d", org.pk, len(vanished))
        notify_live_state_changed(org.pk, queue_ids)
    return [task.wxcc_id for task in vanished]


@transaction.atomic
def close_vanished_sessions(
    org: Organization, active_agent_ids: set[str], as_of: datetime
) -> list[str]:
    """Log out open sessions of agents that a complete poll at `as_of` no longer lists."""
    vanished = list(
        AgentSession.objects.select_for_update()
        .select_related("agent")
        .filter(organization=org, logout_at__isnull=True, state_at__lt=as_of)
        .exclude(agent__wxcc_id__in=active_agent_ids)
    )
    for session in vanished:
        session.state, session.idle_code = AgentState.LOGGED_OUT, ""
        session.state_since = session.state_at = session.logout_at = as_of
        session.source = Source.POLL
        session.save()
        AgentStateChange.objects.create(
            session=session, state=AgentState.LOGGED_OUT, at=as_of, source=Source.POLL
        )
    if vanished:
        logger.info("event=sessions_closed_by_poll org_id=%s count=%d", org.pk, len(vanished))
        notify_live_state_changed(org.pk, agents_changed=True)
    return [session.agent.wxcc_id for session in vanished]
