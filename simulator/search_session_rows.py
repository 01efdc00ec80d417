"""Agent session records search answers with: one ASR per login (agentSession), with one
`channelInfo` element per channel of the agent's team and, in each, the AARs
(`activities.nodes`) of that channel, built from the model's agent activities."""

from __future__ import annotations

import uuid
from typing import Any

from simulator.model import TrafficModel
from simulator.records import (
    AGENT_CHANNEL_STATE,
    AGENT_STATE,
    AVAILABLE,
    CONNECTED_STATES,
    HOLD,
    IDLE,
    LOGGED_OUT,
    NOT_RESPONDING,
    RESERVED,
    WRAPUP,
    Activity,
    AgentSession,
    Task,
)
from simulator.search_fields import CHANNEL_INFO
from simulator.search_records import Connection, Row, end_or_open, entity

# Which ASR counter pair ("<kind>Count", "<kind>Duration") an activity adds to.
_SESSION_KINDS = {
    AVAILABLE: "available",
    IDLE: "idle",
    RESERVED: "ringing",
    NOT_RESPONDING: "notResponded",
    HOLD: "hold",
    WRAPUP: "wrapup",
    **{state: "connected" for state in CONNECTED_STATES},
}
_NUMERIC_CHANNEL_FIELDS = tuple(f.name for f in CHANNEL_INFO if f.type in ("Int", "Long"))


def channel_id(session: AgentSession, channel: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{session.id}/{channel}"))


def session_row(model: TrafficModel, session: AgentSession) -> Row:
    topology = model.topology
    agent = topology.agent(session.agent_id)
    team = topology.team(session.team_id)
    site = topology.site(session.site_id)
    channels = sorted({topology.queue(q).channel_type for q in team.queue_ids})
    runtime = model.agents[session.agent_id]
    state = runtime.state if session.is_active else LOGGED_OUT
    return {
        "agentSessionId": session.id,
        "agentId": agent.id,
        "agentName": agent.name,
        "userLoginId": agent.email,
        "state": AGENT_STATE[state],
        "teamId": team.id,
        "teamName": team.name,
        "siteId": site.id,
        "siteName": site.name,
        "orgId": model.org_id,
        "startTime": session.start_ms,
        "endTime": end_or_open(session.end_ms),
        "isActive": session.is_active,
        "channelInfo": [_channel_info(model, session, channel, channels) for channel in channels],
    }


def _channel_info(
    model: TrafficModel, session: AgentSession, channel: str, channels: list[str]
) -> Row:
    now_ms = model.now_ms
    idle_names = {code.id: code.name for code in model.topology.idle_codes}
    info: Row = {name: 0 for name in _NUMERIC_CHANNEL_FIELDS}
    mine = [a for a in session.activities if a.channel_type in (None, channel)]
    idle_code_name = None
    for activity in mine:
        kind = _SESSION_KINDS.get(activity.state)
        if kind is None:
            continue
        info[f"{kind}Count"] += 1
        info[f"{kind}Duration"] += activity.duration_ms(now_ms)
        if activity.state == IDLE and activity.idle_code_id:
            idle_code_name = idle_names.get(activity.idle_code_id)
        task = model.tasks[activity.task_id] if activity.task_id is not None else None
        if activity.state == WRAPUP and task and _transferred_by(task, session.agent_id, activity):
            info["transferCount"] += 1
    end_ms = session.end_ms if session.end_ms is not None else now_ms
    last = session.activities[-1] if session.activities else None
    current = last.state if session.is_active and last is not None else LOGGED_OUT
    if current not in (AVAILABLE, IDLE, LOGGED_OUT) and last and last.channel_type != channel:
        # Busy on another channel: this one is neither ringing nor talking.
        current = AVAILABLE
    info |= {
        "channelId": channel_id(session, channel),
        "channelType": channel,
        "subChannelType": None,
        "agentPhoneNumber": model.topology.agent(session.agent_id).dial_number,
        "idleCodeName": idle_code_name,
        "totalDuration": max(0, end_ms - session.start_ms),
        "currentState": AGENT_CHANNEL_STATE[current],
        "lastActivityTime": session.end_ms
        if last is None or not session.is_active
        else last.start_ms,
        "activities": Connection(
            lambda: agent_activities(model, session, channel, mine), "startTime"
        ),
    }
    return info


def agent_activities(
    model: TrafficModel, session: AgentSession, channel: str, activities: list[Activity]
) -> list[Row]:
    """AARs of one channel; agent-level states (available, idle) appear on every channel, as
    in Cisco's samples. A logged-out node closes an ended session."""
    topology = model.topology
    now_ms = model.now_ms
    idle_codes = {code.id: code for code in topology.idle_codes}
    nodes: list[Row] = []
    for activity in activities:
        word = AGENT_CHANNEL_STATE[activity.state]
        code = idle_codes.get(activity.idle_code_id or "")
        queue = topology.queue(activity.queue_id) if activity.queue_id else None
        nodes.append(
            _node(session, channel, activity.start_ms, activity.end_ms, word, now_ms)
            | {
                "idleCode": entity(code.id if code else None, code.name if code else None),
                "taskId": activity.task_id,
                "queue": entity(queue.id if queue else None, queue.name if queue else None),
                "isLoginActivity": activity.is_login,
            }
        )
    if session.end_ms is not None:
        word = AGENT_CHANNEL_STATE[LOGGED_OUT]
        nodes.append(
            _node(session, channel, session.end_ms, session.end_ms, word, now_ms)
            | {"isLogoutActivity": True}
        )
    return nodes


def _node(
    session: AgentSession, channel: str, start: int, end: int | None, word: str, now_ms: int
) -> Row:
    node: dict[str, Any] = {
        "id": f"{session.id}-{channel}-{start}-{word}",
        "startTime": start,
        "endTime": end_or_open(end),
        "duration": max(0, (end if end is not None else now_ms) - start),
        "state": word,
        "isCurrentActivity": end is None,
        "isOutdial": False,
        "isLoginActivity": False,
        "isLogoutActivity": False,
        "idleCode": entity(None, None),
        "queue": entity(None, None),
        "wrapupCode": entity(None, None),
    }
    return node


def _transferred_by(task: Task, agent_id: str, wrapup: Activity) -> bool:
    for leg in task.legs:
        if leg.transferred and leg.connected_end_ms == wrapup.start_ms:
            return any(o.accepted and o.agent_id == agent_id for o in leg.offers)
    return False
