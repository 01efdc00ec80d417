"""Task records search answers with: one CSR per task (taskDetails and the older task query),
with its CARs (`activities.nodes`), built from the traffic model under the field names of
Cisco's data dictionaries (search_fields.py). Fields the model has no notion of are left out
of the dict and answer null; counters of things the model never does answer 0."""

from __future__ import annotations

from typing import Any

from simulator.model import TrafficModel
from simulator.records import (
    HANDLE_ABANDONED,
    HANDLE_SHORT,
    REASON_AGENT_LEFT,
    REASON_CUSTOMER_LEFT,
    STATUS_ENDED,
    TERMINATING_AGENT,
    TERMINATION_SUDDEN_DISCONNECT,
    WRAPUP,
    QueueLeg,
    Task,
)
from simulator.search_fields import GLOBAL_VARIABLE_KINDS
from simulator.search_records import (
    Connection,
    GlobalVariables,
    Row,
    end_or_open,
    entity,
)
from simulator.topology import EMAIL, TELEPHONY

_ZERO_COUNTERS = (
    "blindTransferCount",
    "conferenceCount",
    "conferenceDuration",
    "consultCount",
    "consultDuration",
    "consultToQueueCount",
    "consultToQueueDuration",
    "agentToAgentTransferCount",
    "overflowCount",
    "csatScore",
)


def agent_entity(model: TrafficModel, agent_id: str | None, at_ms: int | None) -> Row:
    """An agent as CSR `lastAgent`/`owner` and CLR `owner` show it."""
    if agent_id is None:
        return entity(None, None)
    agent = model.topology.agent(agent_id)
    session = session_at(model, agent_id, at_ms)
    return entity(
        agent.id,
        agent.name,
        signInId=agent.email,
        sessionId=session,
        phoneNumber=agent.dial_number,
        channelId=None,
    )


def session_at(model: TrafficModel, agent_id: str, at_ms: int | None) -> str | None:
    if at_ms is None:
        return None
    for session in model.agents[agent_id].sessions:
        if session.start_ms <= at_ms and (session.end_ms is None or at_ms <= session.end_ms):
            return session.id
    return None


def leg_wait_ms(leg: QueueLeg, now_ms: int) -> int:
    """Time a leg spent waiting in its queue (rings of unanswered offers included)."""
    left = leg.left_queue_ms
    return max(0, (left if left is not None else now_ms) - leg.enqueued_ms)


def within_service_level(model: TrafficModel, leg: QueueLeg) -> bool:
    threshold_ms = model.topology.queue(leg.queue_id).service_level_threshold_s * 1000
    return leg.accepted_ms is not None and leg.accepted_ms - leg.enqueued_ms <= threshold_ms


def task_row(model: TrafficModel, task: Task) -> Row:
    topology = model.topology
    now_ms = model.now_ms
    ended = task.status == STATUS_ENDED
    last_leg = task.legs[-1] if task.legs else None
    queue = topology.queue(task.queue_id) if task.queue_id else None
    team = topology.team(task.team_id) if task.team_id else None
    site = topology.site(team.site_id) if team else None
    entry_point = topology.entry_point(task.entry_point_id)
    accepted = [(leg, o) for leg in task.legs for o in leg.offers if o.accepted]
    first_queue = topology.queue(task.legs[0].queue_id) if task.legs else None
    previous_queue = topology.queue(task.legs[-2].queue_id) if len(task.legs) > 1 else None
    last_change_ms = task.ended_ms or max(
        [task.created_ms, *(x for leg in task.legs for x in _leg_times(leg) if x)]
    )
    # `owner`: the agent who last took the task; `lastAgent`: the last one it was assigned to
    # (a ring that timed out included).
    owner = (
        agent_entity(model, accepted[-1][1].agent_id, accepted[-1][0].accepted_ms)
        if accepted
        else agent_entity(model, None, None)
    )
    offers = [o for leg in task.legs for o in leg.offers]
    last_agent = (
        agent_entity(model, offers[-1].agent_id, offers[-1].offered_ms) if offers else owner
    )
    teams = {topology.team(o.team_id).id: topology.team(o.team_id) for _, o in accepted}
    row: Row = {name: 0 for name in _ZERO_COUNTERS}
    row |= {
        "id": task.id,
        "status": task.status,
        "channelType": task.channel_type,
        "direction": task.direction,
        "origin": task.origin,
        "destination": task.destination,
        "createdTime": task.created_ms,
        "endedTime": end_or_open(task.ended_ms),
        "isActive": task.is_active,
        "lastActivityTime": last_change_ms,
        "terminationType": task.termination_type,
        "contactHandleType": task.contact_handle_type,
        "abandonedType": task.abandoned_type,
        "terminatingEnd": task.terminating_party if ended else None,
        "terminationReason": termination_reason(task),
        "captureRequested": task.capture_requested,
        "isCallback": task.callback,
        "isOutdial": False,
        "isCampaign": False,
        "isContactOffered": any(leg.offers for leg in task.legs),
        "isContactHandled": bool(accepted),
        "isContactEscalatedToQueue": bool(task.legs),
        "isWithInServiceLevel": bool(last_leg and within_service_level(model, last_leg)),
        "customer": {
            "name": None,
            "phoneNumber": task.origin if task.channel_type == TELEPHONY else None,
            "email": task.origin if task.channel_type == EMAIL else None,
        },
        "callbackData": _callback_data(model, task),
        "queue": _distinct_queues(model, task),
        "queues": [
            entity(q.id, q.name, duration=leg_wait_ms(leg, now_ms))
            for leg in task.legs
            for q in [topology.queue(leg.queue_id)]
        ],
        "teams": [entity(t.id, t.name) for t in teams.values()],
        "sites": [
            entity(s.id, s.name)
            for s in {t.site_id: topology.site(t.site_id) for t in teams.values()}.values()
        ],
        "contributors": [
            entity(a.id, a.name)
            for a in {o.agent_id: topology.agent(o.agent_id) for _, o in accepted}.values()
        ],
        "owner": owner,
        "lastAgent": last_agent,
        "lastQueue": entity(
            queue.id if queue else None,
            queue.name if queue else None,
            duration=leg_wait_ms(last_leg, now_ms) if last_leg else None,
        ),
        "previousQueue": entity(
            previous_queue.id if previous_queue else None,
            previous_queue.name if previous_queue else None,
        ),
        "firstQueueId": first_queue.id if first_queue else None,
        "firstQueueName": first_queue.name if first_queue else None,
        "lastTeam": entity(team.id if team else None, team.name if team else None),
        "lastSite": entity(site.id if site else None, site.name if site else None),
        "lastEntryPoint": entity(entry_point.id, entry_point.name),
        "queueDuration": task.queue_ms,
        "queueCount": task.queue_count,
        "ringingDuration": task.ringing_ms,
        "connectedCount": len(accepted),
        "connectedDuration": task.connected_ms,
        "holdCount": task.hold_count,
        "holdDuration": task.hold_ms,
        "wrapupDuration": task.wrapup_ms,
        "selfserviceCount": 1 if task.selfservice_ms else 0,
        "selfserviceDuration": task.selfservice_ms,
        "transferCount": task.transfer_count,
        "agentToQueueTransferCount": task.transfer_count,
        # Cisco's sample answers 0 for an open task: the total is written when it ends.
        "totalDuration": task.total_ms(now_ms) if ended else 0,
        "shortInQueueCount": 1 if task.contact_handle_type == HANDLE_SHORT else 0,
        "suddenDisconnectCount": (
            1 if task.termination_type == TERMINATION_SUDDEN_DISCONNECT else 0
        ),
        "abandonedSlCount": _abandoned_in_service_level(model, task),
        "activities": Connection(lambda: task_activities(model, task), "createdTime"),
    }
    row |= {kind: GlobalVariables() for kind in GLOBAL_VARIABLE_KINDS}
    return row


def _leg_times(leg: QueueLeg) -> list[int | None]:
    times = [leg.enqueued_ms, leg.accepted_ms, leg.connected_end_ms, leg.abandoned_ms]
    return times + [t for o in leg.offers for t in (o.offered_ms, o.answered_ms)]


def termination_reason(task: Task) -> str | None:
    if task.status != STATUS_ENDED:
        return None
    agent_left = task.terminating_party == TERMINATING_AGENT
    return REASON_AGENT_LEFT if agent_left else REASON_CUSTOMER_LEFT


def _abandoned_in_service_level(model: TrafficModel, task: Task) -> int:
    if task.contact_handle_type not in (HANDLE_ABANDONED, HANDLE_SHORT) or not task.legs:
        return 0
    leg = task.legs[-1]
    threshold_ms = model.topology.queue(leg.queue_id).service_level_threshold_s * 1000
    return 1 if leg_wait_ms(leg, model.now_ms) <= threshold_ms else 0


def _distinct_queues(model: TrafficModel, task: Task) -> list[Row]:
    queues: list[Row] = []
    for leg in task.legs:
        leg_queue = model.topology.queue(leg.queue_id)
        if not queues or queues[-1]["id"] != leg_queue.id:
            queues.append(entity(leg_queue.id, leg_queue.name))
    return queues


def _callback_data(model: TrafficModel, task: Task) -> Row | None:
    if not task.callback or not task.legs:
        return None
    leg = task.legs[-1]
    connected = leg.accepted_ms
    agent = model.topology.agent(task.agent_id) if connected and task.agent_id else None
    return {
        "callbackRequestTime": leg.patience_deadline_ms,
        "callbackConnectTime": connected,
        "callbackNumber": task.origin,
        "callbackStatus": None,
        "callbackOrigin": None,
        "callbackType": "Courtesy",
        "callbackQueueName": model.topology.queue(leg.queue_id).name,
        "callbackAgentName": agent.name if agent else None,
        "callbackTeamName": model.topology.team(agent.team_id).name if agent else None,
        "callbackRetryCount": 0,
    }


def task_activities(model: TrafficModel, task: Task) -> list[Row]:
    """The task's CARs, named as in Cisco's CAR sample response: new, parked, connect,
    connected, on-hold, hold-done, ended, WrapUp, wrapup-completed (id suffix wrapup-done)."""
    topology = model.topology
    now_ms = model.now_ms
    entry_point = topology.entry_point(task.entry_point_id)
    nodes: list[Row] = []

    def add(event: str, start: int, end: int | None, suffix: str, **extra: Any) -> None:
        nodes.append(
            {
                "id": f"{task.id}-{start}-{suffix}",
                "eventName": event,
                "createdTime": start,
                "endedTime": end_or_open(end),
                "duration": max(0, (end if end is not None else now_ms) - start),
                "isActive": end is None,
                "lastActivityTime": end if end is not None else start,
                "entrypointId": entry_point.id,
                "entrypointName": entry_point.name,
                **extra,
            }
        )

    first_enqueue = task.legs[0].enqueued_ms if task.legs else task.ended_ms
    add("new", task.created_ms, first_enqueue, "new")
    for leg in task.legs:
        queue = topology.queue(leg.queue_id)
        where = {"queueId": queue.id, "queueName": queue.name}
        waiting_since: int | None = leg.enqueued_ms
        for offer in leg.offers:
            if waiting_since is not None:
                add("parked", waiting_since, offer.offered_ms, "parked", **where)
            waiting_since = offer.answered_ms if not offer.accepted else None
            team = topology.team(offer.team_id)
            who = {
                **where,
                "agentId": offer.agent_id,
                "agentName": topology.agent(offer.agent_id).name,
                "agentSessionId": session_at(model, offer.agent_id, offer.offered_ms),
                "teamId": team.id,
                "teamName": team.name,
                "siteId": team.site_id,
                "siteName": topology.site(team.site_id).name,
            }
            add("connect", offer.offered_ms, offer.answered_ms, "connect", **who)
            if offer.accepted:
                _add_talk(add, task, leg, who)
                _add_wrapup(add, model, task, leg, offer.agent_id, who)
        if waiting_since is not None and (leg.abandoned_ms or leg is task.legs[-1]):
            add("parked", waiting_since, leg.abandoned_ms or task.ended_ms, "parked", **where)
    if task.ended_ms is not None:
        reason = termination_reason(task)
        add("ended", task.ended_ms, task.ended_ms, "ended", terminationReason=reason)
    return nodes


def _add_talk(add: Any, task: Task, leg: QueueLeg, who: Row) -> None:
    start = leg.accepted_ms
    assert start is not None
    end = leg.connected_end_ms
    event, suffix = "connected", "connected"
    for hold_start, hold_end in task.holds:
        assert hold_start is not None
        if hold_start < start or (end is not None and hold_start > end):
            continue
        add(event, start, hold_start, suffix, **who)
        add("on-hold", hold_start, hold_end, "on-hold", **who)
        if hold_end is None:
            return
        start, event, suffix = hold_end, "hold-done", "hold-done"
    add(event, start, end, suffix, **who)


def _add_wrapup(
    add: Any, model: TrafficModel, task: Task, leg: QueueLeg, agent_id: str, who: Row
) -> None:
    if leg.connected_end_ms is None:
        return
    agent = model.agents[agent_id]
    if leg.wrapup_ms == 0 and agent.task_id == task.id and agent.state == WRAPUP:
        add("WrapUp", leg.connected_end_ms, None, "wrapup", **who)
        return
    wrapup_end = leg.connected_end_ms + leg.wrapup_ms
    add("WrapUp", leg.connected_end_ms, wrapup_end, "wrapup", **who)
    add("wrapup-completed", wrapup_end, wrapup_end, "wrapup-done", **who)
