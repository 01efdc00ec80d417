"""Rows the search API answers: one flat record per task (CSR-like) and per agent session
(ASR-like), built from the traffic model's records with the field names of
docs/wxcc-contract.md section 2."""

from __future__ import annotations

import uuid
from typing import Any

from simulator.model import TrafficModel
from simulator.records import (
    AGENT_STATE,
    AVAILABLE,
    CONNECTED,
    HOLD,
    IDLE,
    LOGGED_OUT,
    RESERVED,
    WRAPUP,
    AgentSession,
    Task,
)

Row = dict[str, Any]


def _entity(entity_id: str | None, name: str | None) -> dict[str, str | None] | None:
    return None if entity_id is None else {"id": entity_id, "name": name}


def task_row(model: TrafficModel, task: Task) -> Row:
    topology = model.topology
    queue = topology.queue(task.queue_id) if task.queue_id else None
    agent = topology.agent(task.agent_id) if task.agent_id else None
    team = topology.team(task.team_id) if task.team_id else None
    entry_point = topology.entry_point(task.entry_point_id)
    site = topology.site(team.site_id) if team else None
    queues: list[dict[str, str]] = []
    for leg in task.legs:
        leg_queue = topology.queue(leg.queue_id)
        if not queues or queues[-1]["id"] != leg_queue.id:
            queues.append({"id": leg_queue.id, "name": leg_queue.name})
    return {
        "id": task.id,
        "status": task.status,
        "channelType": task.channel_type,
        "direction": task.direction,
        "origin": task.origin,
        "destination": task.destination,
        "createdTime": task.created_ms,
        "endedTime": task.ended_ms,
        "isActive": task.is_active,
        "terminationType": task.termination_type,
        "captureRequested": task.capture_requested,
        "queue": queues,
        "owner": _entity(agent.id, agent.name) if agent else None,
        "lastQueue": _entity(queue.id, queue.name) if queue else None,
        "lastAgent": _entity(agent.id, agent.name) if agent else None,
        "lastTeam": _entity(team.id, team.name) if team else None,
        "lastSite": _entity(site.id, site.name) if site else None,
        "lastEntryPoint": _entity(entry_point.id, entry_point.name),
        "queueDuration": task.queue_ms,
        "connectedDuration": task.connected_ms,
        "connectedCount": sum(1 for leg in task.legs if leg.accepted_ms is not None),
        "holdDuration": task.hold_ms,
        "wrapupDuration": task.wrapup_ms,
        "totalDuration": task.total_ms(model.now_ms),
        "ringingDuration": task.ringing_ms,
        "selfserviceDuration": task.selfservice_ms,
        "queueCount": task.queue_count,
        "transferCount": task.transfer_count,
        "holdCount": task.hold_count,
    }


def session_row(model: TrafficModel, session: AgentSession) -> Row:
    topology = model.topology
    agent = topology.agent(session.agent_id)
    team = topology.team(session.team_id)
    site = topology.site(session.site_id)
    now_ms = model.now_ms
    idle_names = {code.id: code.name for code in topology.idle_codes}
    channels = sorted({topology.queue(q).channel_type for q in team.queue_ids})
    info: dict[str, dict[str, Any]] = {
        channel: {
            "channelId": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{session.id}/{channel}")),
            "channelType": channel,
            "subChannelType": None,
            "totalDuration": 0,
            "idleCodeName": None,
            "transferCount": 0,
            "notRespondedCount": 0,
            "notRespondedDuration": 0,
            **{f"{kind}{unit}": 0 for kind in _SESSION_KINDS.values() for unit in _UNITS},
        }
        for channel in channels
    }
    for activity in session.activities:
        duration = activity.duration_ms(now_ms)
        kind = _SESSION_KINDS.get(activity.state)
        if kind is None:
            continue
        # Agent-level states (available, idle) apply to every channel of the session.
        targets = channels if activity.channel_type is None else [activity.channel_type]
        for channel in targets:
            counters = info.get(channel)
            if counters is None:
                continue
            counters[f"{kind}Count"] += 1
            counters[f"{kind}Duration"] += duration
            if activity.state == IDLE and activity.idle_code_id:
                counters["idleCodeName"] = idle_names.get(activity.idle_code_id)
        if activity.task_id is not None and activity.state in (RESERVED, WRAPUP):
            task = model.tasks[activity.task_id]
            counters = info.get(task.channel_type)
            if counters is None:
                continue
            leg = next(
                (g for g in task.legs for o in g.offers if o.offered_ms == activity.start_ms),
                None,
            )
            if activity.state == RESERVED and leg is not None:
                offer = next(o for o in leg.offers if o.offered_ms == activity.start_ms)
                if offer.answered_ms is not None and not offer.accepted:
                    counters["notRespondedCount"] += 1
                    counters["notRespondedDuration"] += duration
            if activity.state == WRAPUP and _transferred_by(task, session.agent_id, activity):
                counters["transferCount"] += 1
    end_ms = session.end_ms if session.end_ms is not None else now_ms
    for counters in info.values():
        counters["totalDuration"] = max(0, end_ms - session.start_ms)
    runtime = model.agents[session.agent_id]
    state = AGENT_STATE[runtime.state] if session.is_active else AGENT_STATE[LOGGED_OUT]
    return {
        "agentSessionId": session.id,
        "agentId": agent.id,
        "agentName": agent.name,
        "userLoginId": agent.email,
        "state": state,
        "teamId": team.id,
        "teamName": team.name,
        "siteId": site.id,
        "siteName": site.name,
        "startTime": session.start_ms,
        "endTime": session.end_ms,
        "isActive": session.is_active,
        "channelInfo": list(info.values()),
    }


_SESSION_KINDS = {
    AVAILABLE: "available",
    IDLE: "idle",
    RESERVED: "ringing",
    CONNECTED: "connected",
    HOLD: "hold",
    WRAPUP: "wrapup",
}
_UNITS = ("Count", "Duration")


def _transferred_by(task: Task, agent_id: str, wrapup: object) -> bool:
    for leg in task.legs:
        if leg.transferred and leg.connected_end_ms == getattr(wrapup, "start_ms", None):
            return any(o.accepted and o.agent_id == agent_id for o in leg.offers)
    return False
