"""Call leg records search answers with: one CLR per visit of a task to a queue
(taskLegDetails), built from the model's queue legs. Cisco's CLR ids read
`<taskId>-callLeg-<createdTime>`; we build ours the same way."""

from __future__ import annotations

from simulator.model import TrafficModel
from simulator.records import (
    ABANDONED_IN_QUEUE,
    STATUS_CONNECTED,
    STATUS_ENDED,
    STATUS_OFFERED,
    STATUS_PARKED,
    QueueLeg,
    Task,
)
from simulator.search_fields import GLOBAL_VARIABLE_KINDS
from simulator.search_records import GlobalVariables, Row, end_or_open, entity
from simulator.search_rows import (
    agent_entity,
    leg_wait_ms,
    termination_reason,
    within_service_level,
)

# CLR `handleType` ("normal, abandoned, self_service, connect, park, park_and_transfer, ...").
LEG_HANDLED = "normal"
LEG_ABANDONED = "abandoned"


def task_legs(model: TrafficModel, task: Task) -> list[Row]:
    return [leg_row(model, task, index) for index in range(len(task.legs))]


def _leg_end_ms(task: Task, leg: QueueLeg, last: bool) -> int | None:
    if leg.abandoned_ms is not None:
        return leg.abandoned_ms
    if leg.connected_end_ms is not None and (leg.transferred or not last):
        return leg.connected_end_ms
    if last and task.ended_ms is not None and leg.accepted_ms is not None:
        talk_end = leg.connected_end_ms if leg.connected_end_ms is not None else task.ended_ms
        return talk_end + leg.wrapup_ms
    return None


def _leg_status(task: Task, leg: QueueLeg, end_ms: int | None) -> str:
    if end_ms is not None or leg.abandoned_ms is not None:
        return STATUS_ENDED
    if leg.accepted_ms is not None:
        return STATUS_CONNECTED
    if leg.offers and leg.offers[-1].answered_ms is None:
        return STATUS_OFFERED
    return STATUS_PARKED


def leg_row(model: TrafficModel, task: Task, index: int) -> Row:
    topology = model.topology
    now_ms = model.now_ms
    leg = task.legs[index]
    last = index == len(task.legs) - 1
    queue = topology.queue(leg.queue_id)
    entry_point = topology.entry_point(task.entry_point_id)
    offer = next((o for o in leg.offers if o.accepted), None)
    team = topology.team(offer.team_id) if offer else None
    site = topology.site(team.site_id) if team else None
    end_ms = _leg_end_ms(task, leg, last)
    next_queue = topology.queue(task.legs[index + 1].queue_id) if not last else None
    holds = [
        (start, end)
        for start, end in task.holds
        if start is not None
        and leg.accepted_ms is not None
        and start >= leg.accepted_ms
        and (leg.connected_end_ms is None or start <= leg.connected_end_ms)
    ]
    connected_ms = 0
    if leg.accepted_ms is not None:
        talk_end = leg.connected_end_ms if leg.connected_end_ms is not None else now_ms
        connected_ms = max(0, talk_end - leg.accepted_ms - leg.hold_ms)
    handled = leg.accepted_ms is not None
    ringing_ms = sum((o.answered_ms or now_ms) - o.offered_ms for o in leg.offers)
    row: Row = {
        "id": f"{task.id}-callLeg-{leg.enqueued_ms}",
        "taskId": task.id,
        "createdTime": leg.enqueued_ms,
        "endedTime": end_or_open(end_ms),
        "lastActivityTime": end_ms if end_ms is not None else leg.enqueued_ms,
        "isActive": end_ms is None,
        "status": _leg_status(task, leg, end_ms),
        "origin": task.origin,
        "destination": task.destination,
        "channelType": task.channel_type,
        "direction": task.direction,
        "entryPoint": entity(entry_point.id, entry_point.name),
        "queue": entity(queue.id, queue.name, duration=leg_wait_ms(leg, now_ms)),
        "owner": agent_entity(model, offer.agent_id if offer else None, leg.accepted_ms),
        "team": entity(team.id if team else None, team.name if team else None),
        "site": entity(site.id if site else None, site.name if site else None),
        "nextDestination": {
            "agent": entity(None, None),
            "team": entity(None, None),
            "queue": entity(
                next_queue.id if next_queue else None, next_queue.name if next_queue else None
            ),
        },
        "handleType": LEG_HANDLED if handled else LEG_ABANDONED if leg.abandoned_ms else None,
        "isTaskLegHandled": handled,
        "abandonedType": ABANDONED_IN_QUEUE if leg.abandoned_ms is not None else None,
        "isWithinServiceLevel": within_service_level(model, leg),
        "slaValue": str(queue.service_level_threshold_s),
        "queueCount": 1,
        "taskLegCount": 1,
        "isOutdial": False,
        "isChildLeg": False,
        "ringingDuration": ringing_ms,
        "connectedCount": 1 if handled else 0,
        "connectedDuration": connected_ms,
        "holdCount": len(holds),
        "holdDuration": leg.hold_ms,
        "wrapupDuration": leg.wrapup_ms,
        "handleTime": connected_ms + leg.hold_ms + leg.wrapup_ms,
        "transferCount": 1 if leg.transferred else 0,
        "agentToQueueTransferCount": 1 if leg.transferred else 0,
        "blindTransferCount": 0,
        "consultCount": 0,
        "consultDuration": 0,
        "conferenceDuration": 0,
        "selfserviceCount": 1 if index == 0 and task.selfservice_ms else 0,
        "selfserviceDuration": task.selfservice_ms if index == 0 else 0,
    }
    if last and task.ended_ms is not None:
        row["terminatingEnd"] = task.terminating_party
        row["terminationReason"] = termination_reason(task)
    row |= {kind: GlobalVariables() for kind in GLOBAL_VARIABLE_KINDS}
    return row
