"""Statistics REST: queue statistics, agent statistics and agent activities, with WxCC's
paths, parameters and response shapes (Cisco's published OpenAPI for the Contact Center
Queues and Agents APIs), computed from the same task and session records as search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.model import DAY_MS, MINUTE_MS, TrafficModel
from simulator.records import (
    AGENT_CHANNEL_STATE,
    AVAILABLE,
    CONNECTED_STATES,
    HOLD,
    IDLE,
    NOT_RESPONDING,
    RESERVED,
    WRAPUP,
    Activity,
    Task,
)

# "from date will be rounded down to nearest 15 minute window".
STATS_WINDOW_MS = 15 * MINUTE_MS
# All three: "The difference between to and from ... must be less than 24 hours".
AGENT_MAX_RANGE_MS = DAY_MS
# Agent and queue statistics: `interval` "Supported values are 15, 30, or 60" (minutes), and
# `to - from` under 24 hours.
STATS_INTERVALS_MIN = (15, 30, 60)
# Agent activities: pageSize default 100, maximum 1000; at most 10,000 records per range.
ACTIVITIES_DEFAULT_PAGE_SIZE = 100
ACTIVITIES_MAX_PAGE_SIZE = 1000
ACTIVITIES_MAX_RECORDS = 10_000
MAX_IDS = 100


class BadRequest(Exception):
    """A statistics request WxCC would answer with 400."""


@dataclass(frozen=True)
class StatsWindow:
    from_ms: int
    to_ms: int
    interval_ms: int

    def buckets(self) -> list[int]:
        return list(range(self.from_ms, self.to_ms, self.interval_ms))

    def bucket_of(self, time_ms: int | None) -> int | None:
        if time_ms is None or not self.from_ms <= time_ms < self.to_ms:
            return None
        return self.from_ms + (time_ms - self.from_ms) // self.interval_ms * self.interval_ms


def parse_window(
    params: dict[str, str],
    max_range_ms: int | None,
    allowed_intervals: tuple[int, ...] | None = None,
) -> StatsWindow:
    # Both are required for the statistics APIs (unlike agent activities' optional `to`).
    try:
        from_ms = int(params["from"])
        to_ms = int(params["to"])
    except KeyError as exc:
        raise BadRequest(f"Missing required parameter {exc.args[0]!r}") from exc
    except ValueError as exc:
        raise BadRequest("from and to must be epoch milliseconds") from exc
    from_ms = from_ms // STATS_WINDOW_MS * STATS_WINDOW_MS
    to_ms = to_ms // STATS_WINDOW_MS * STATS_WINDOW_MS
    if to_ms <= from_ms:
        raise BadRequest("'to' must be after 'from'")
    if max_range_ms is not None and to_ms - from_ms >= max_range_ms:
        raise BadRequest("The difference between to and from time must be less than 24 hours")
    interval_min = int(params.get("interval") or 0)
    if allowed_intervals is not None and interval_min and interval_min not in allowed_intervals:
        raise BadRequest(f"interval must be one of {allowed_intervals}")
    interval_ms = interval_min * MINUTE_MS if interval_min else to_ms - from_ms
    return StatsWindow(from_ms, to_ms, interval_ms)


def parse_ids(params: dict[str, str], name: str) -> set[str] | None:
    raw = params.get(name)
    if not raw:
        return None
    ids = {part.strip() for part in raw.split(",") if part.strip()}
    if len(ids) > MAX_IDS:
        raise BadRequest(f"A maximum of {MAX_IDS} values is permitted for {name}")
    return ids


def queue_statistics(model: TrafficModel, params: dict[str, str]) -> dict[str, Any]:
    """`GET /v1/queues/statistics`: one record per queue per interval (OutQueueStatistics)."""
    window = parse_window(params, AGENT_MAX_RANGE_MS, STATS_INTERVALS_MIN)
    queue_ids = parse_ids(params, "queueIds")
    queues = [q for q in model.topology.queues if queue_ids is None or q.id in queue_ids]
    acc: dict[tuple[str, int], dict[str, float]] = {}

    def slot(queue_id: str, bucket: int) -> dict[str, float]:
        return acc.setdefault((queue_id, bucket), _empty_queue_counters())

    for task in model.tasks_touching(window.from_ms, window.to_ms):
        _count_task(task, window, slot, model)
    data = []
    for bucket in window.buckets():
        for queue in queues:
            counters = acc.get((queue.id, bucket), _empty_queue_counters())
            enqueued_n = counters.pop("_enqueued_n")
            enqueued_ms = counters.pop("_enqueued_ms")
            handled_n = counters.pop("_handled_n")
            handled_ms = counters.pop("_handled_ms")
            within_sl = counters.pop("_within_sl")
            data.append(
                {
                    "intervalStartTime": bucket,
                    "queueId": queue.id,
                    "queueName": queue.name,
                    "channelType": queue.channel_type,
                    "totalOfferedTasks": int(counters["totalOfferedTasks"]),
                    "totalEnqueuedTasks": int(counters["totalEnqueuedTasks"]),
                    "totalAssignedTasks": 0,  # documented as deprecated, always 0
                    "totalAcceptedTasks": int(counters["totalAcceptedTasks"]),
                    "totalRejectedTasks": int(counters["totalRejectedTasks"]),
                    "totalAbandonedTasks": int(counters["totalAbandonedTasks"]),
                    "averageEnqueuedTime": enqueued_ms / enqueued_n if enqueued_n else 0.0,
                    "averageHandledTime": handled_ms / handled_n if handled_n else 0.0,
                    "serviceLevelThresholdPercentage": (
                        100.0 * within_sl / handled_n if handled_n else 0.0
                    ),
                }
            )
    return {"meta": {"orgId": model.org_id}, "data": data}


def _empty_queue_counters() -> dict[str, float]:
    return {
        "totalOfferedTasks": 0,
        "totalEnqueuedTasks": 0,
        "totalAcceptedTasks": 0,
        "totalRejectedTasks": 0,
        "totalAbandonedTasks": 0,
        "_enqueued_n": 0,
        "_enqueued_ms": 0,
        "_handled_n": 0,
        "_handled_ms": 0,
        "_within_sl": 0,
    }


def _count_task(task: Task, window: StatsWindow, slot: Any, model: TrafficModel) -> None:
    for leg in task.legs:
        queue = model.topology.queue(leg.queue_id)
        if leg.parked and (bucket := window.bucket_of(leg.parked_ms)) is not None:
            slot(leg.queue_id, bucket)["totalEnqueuedTasks"] += 1
        for offer in leg.offers:
            if (bucket := window.bucket_of(offer.offered_ms)) is not None:
                slot(leg.queue_id, bucket)["totalOfferedTasks"] += 1
            rejected = offer.answered_ms is not None and not offer.accepted
            if rejected and (bucket := window.bucket_of(offer.answered_ms)) is not None:
                slot(leg.queue_id, bucket)["totalRejectedTasks"] += 1
        # Start-time statistics count where the offer began; end-time ones where it ended.
        accepted = next((o for o in leg.offers if o.accepted), None)
        if accepted is not None and (bucket := window.bucket_of(accepted.offered_ms)) is not None:
            slot(leg.queue_id, bucket)["totalAcceptedTasks"] += 1
        if (bucket := window.bucket_of(leg.abandoned_ms)) is not None:
            slot(leg.queue_id, bucket)["totalAbandonedTasks"] += 1
        left_ms = leg.left_queue_ms
        if leg.parked and (bucket := window.bucket_of(left_ms)) is not None:
            counters = slot(leg.queue_id, bucket)
            counters["_enqueued_n"] += 1
            counters["_enqueued_ms"] += (left_ms or 0) - leg.enqueued_ms
        handled = leg.connected_end_ms is not None and leg.accepted_ms is not None
        if handled and (bucket := window.bucket_of(leg.connected_end_ms)) is not None:
            assert leg.connected_end_ms is not None
            assert leg.accepted_ms is not None
            counters = slot(leg.queue_id, bucket)
            counters["_handled_n"] += 1
            counters["_handled_ms"] += leg.connected_end_ms - leg.accepted_ms
            wait_s = (leg.accepted_ms - leg.enqueued_ms) / 1000
            if wait_s <= queue.service_level_threshold_s:
                counters["_within_sl"] += 1


def _clip(activity: Activity, start_ms: int, end_ms: int, now_ms: int) -> int:
    a_end = activity.end_ms if activity.end_ms is not None else now_ms
    return max(0, min(a_end, end_ms) - max(activity.start_ms, start_ms))


def _buckets_overlapping(window: StatsWindow, activity: Activity, now_ms: int) -> range:
    end_ms = activity.end_ms if activity.end_ms is not None else now_ms
    first = max(window.from_ms, activity.start_ms)
    last = min(window.to_ms, end_ms)
    if last <= first:
        return range(0)
    first_bucket = (
        window.from_ms + (first - window.from_ms) // window.interval_ms * window.interval_ms
    )
    return range(first_bucket, last, window.interval_ms)


def agent_statistics(model: TrafficModel, params: dict[str, str]) -> dict[str, Any]:
    """`GET /v1/agents/statistics`: per agent per interval, channel-level counters."""
    window = parse_window(params, AGENT_MAX_RANGE_MS, STATS_INTERVALS_MIN)
    agent_ids = parse_ids(params, "agentIds")
    topology = model.topology
    now_ms = model.now_ms
    # (agent, bucket, channel) -> counters
    acc: dict[tuple[str, int, str], dict[str, float]] = {}

    def slot(agent_id: str, bucket: int, channel: str) -> dict[str, float]:
        return acc.setdefault((agent_id, bucket, channel), _empty_agent_counters())

    for task in model.tasks_touching(window.from_ms, window.to_ms):
        for leg in task.legs:
            for offer in leg.offers:
                if agent_ids is not None and offer.agent_id not in agent_ids:
                    continue
                if (bucket := window.bucket_of(offer.offered_ms)) is not None:
                    counters = slot(offer.agent_id, bucket, task.channel_type)
                    counters["totalOfferedTasks"] += 1
                if offer.answered_ms is None:
                    continue
                if (bucket := window.bucket_of(offer.offered_ms)) is not None:
                    counters = slot(offer.agent_id, bucket, task.channel_type)
                    key = "totalAcceptedTasks" if offer.accepted else "totalRejectedTasks"
                    counters[key] += 1
                    if offer.accepted:
                        counters["totalAssignedTasks"] += 1
                if offer.accepted and leg.transferred:
                    end_bucket = window.bucket_of(leg.connected_end_ms)
                    if end_bucket is not None:
                        slot(offer.agent_id, end_bucket, task.channel_type)[
                            "totalTransferredTasks"
                        ] += 1
    for session in model.sessions_touching(window.from_ms, window.to_ms):
        if agent_ids is not None and session.agent_id not in agent_ids:
            continue
        channels = sorted(
            {topology.queue(q).channel_type for q in topology.team(session.team_id).queue_ids}
        )
        for activity in session.activities:
            for bucket in _buckets_overlapping(window, activity, now_ms):
                clipped = _clip(activity, bucket, bucket + window.interval_ms, now_ms)
                if not clipped:
                    continue
                if activity.state in (AVAILABLE, IDLE):
                    key = (
                        "totalAvailableTime"
                        if activity.state == AVAILABLE
                        else ("totalUnAvailableTime")
                    )
                    for channel in channels:
                        slot(session.agent_id, bucket, channel)[key] += clipped
                    continue
                channel = activity.channel_type or channels[0]
                counters = slot(session.agent_id, bucket, channel)
                if activity.state in CONNECTED_STATES:
                    counters["totalEngagedDuration"] += clipped
                elif activity.state == HOLD:
                    counters["totalHoldDuration"] += clipped
                elif activity.state == WRAPUP:
                    counters["totalWrapUpDuration"] += clipped
                elif activity.state in (RESERVED, NOT_RESPONDING):
                    counters["_ringing"] += clipped
    data = []
    agents = [a for a in topology.agents if agent_ids is None or a.id in agent_ids]
    for bucket in window.buckets():
        for agent in agents:
            keys = sorted(k for k in acc if k[0] == agent.id and k[1] == bucket)
            if not keys:
                continue
            team = topology.team(agent.team_id)
            channels_out = []
            for _, _, channel in keys:
                counters = acc[(agent.id, bucket, channel)]
                counters.pop("_ringing", None)
                handled = counters["totalAcceptedTasks"]
                handle_ms = (
                    counters["totalEngagedDuration"]
                    + counters["totalHoldDuration"]
                    + counters["totalWrapUpDuration"]
                )
                channels_out.append(
                    {
                        "channelType": channel,
                        **{k: int(v) for k, v in counters.items()},
                        "averageHandledTime": handle_ms / handled if handled else 0.0,
                    }
                )
            data.append(
                {
                    "intervalStartTime": bucket,
                    "agentId": agent.id,
                    "agentName": agent.name,
                    "teamId": team.id,
                    "teamName": team.name,
                    "channels": channels_out,
                }
            )
    return {"meta": {"orgId": model.org_id}, "data": data}


def _empty_agent_counters() -> dict[str, float]:
    return {
        "totalAssignedTasks": 0,
        "totalOfferedTasks": 0,
        "totalAcceptedTasks": 0,
        "totalRejectedTasks": 0,
        "totalTransferredTasks": 0,
        "totalEngagedDuration": 0,
        "totalHoldDuration": 0,
        "totalWrapUpDuration": 0,
        "totalAvailableTime": 0,
        "totalUnAvailableTime": 0,
        "_ringing": 0,
    }


def agent_activities(model: TrafficModel, params: dict[str, str]) -> dict[str, Any]:
    """`GET /v1/agents/activities`: agent state records sorted by start time (AgentActivity)."""
    try:
        from_ms = int(params["from"])
        to_ms = int(params["to"]) if params.get("to") else model.now_ms
        page_size = int(params.get("pageSize") or ACTIVITIES_DEFAULT_PAGE_SIZE)
        page = int(params.get("page") or 0)
    except KeyError as exc:
        raise BadRequest(f"Missing required parameter {exc.args[0]!r}") from exc
    except ValueError as exc:
        raise BadRequest("from, to, page and pageSize must be integers") from exc
    if to_ms <= from_ms or to_ms - from_ms >= AGENT_MAX_RANGE_MS:
        raise BadRequest("The difference between to and from timestamps must be less than 24 hours")
    if not 1 <= page_size <= ACTIVITIES_MAX_PAGE_SIZE or page < 0:
        raise BadRequest(f"pageSize must be 1..{ACTIVITIES_MAX_PAGE_SIZE} and page >= 0")
    agent_ids = parse_ids(params, "agentIds")
    team_ids = parse_ids(params, "teamIds")
    channel_types = parse_ids(params, "channelTypes")
    topology = model.topology
    idle_names = {code.id: code.name for code in topology.idle_codes}
    records: list[dict[str, Any]] = []
    for session in model.sessions_touching(from_ms, to_ms):
        if agent_ids is not None and session.agent_id not in agent_ids:
            continue
        if team_ids is not None and session.team_id not in team_ids:
            continue
        agent = topology.agent(session.agent_id)
        team = topology.team(session.team_id)
        site = topology.site(session.site_id)
        for activity in session.activities:
            # "Filter agent activities created after/before given epoch timestamp".
            if not from_ms <= activity.start_ms < to_ms:
                continue
            channel = activity.channel_type or "telephony"
            if channel_types is not None and channel not in channel_types:
                continue
            queue = topology.queue(activity.queue_id) if activity.queue_id else None
            records.append(
                {
                    "active": activity.end_ms is None,
                    "agentId": agent.id,
                    "agentDn": agent.dial_number,
                    "agentLogin": agent.email,
                    "agentSessionId": session.id,
                    "agentName": agent.name,
                    "currentState": AGENT_CHANNEL_STATE[activity.state],
                    "siteId": site.id,
                    "siteName": site.name,
                    "teamId": team.id,
                    "teamName": team.name,
                    "isLogin": 1 if activity.is_login else 0,
                    "taskId": activity.task_id or "",
                    "channelId": activity.task_id or "",
                    "channelType": channel,
                    "subChannelType": channel,
                    "idleCodeName": idle_names.get(activity.idle_code_id or "", ""),
                    "idleCode": activity.idle_code_id or "",
                    "queueId": queue.id if queue else "",
                    "queueName": queue.name if queue else "",
                    "wrapupCodeName": "",
                    "reason": "",
                    "startTime": activity.start_ms,
                    "endTime": activity.end_ms if activity.end_ms is not None else -1,
                    "mmProfileType": "blended",
                }
            )
    records.sort(key=lambda r: (r["startTime"], r["agentId"]))
    records = records[:ACTIVITIES_MAX_RECORDS]
    start = page * page_size
    return {"meta": {"orgId": model.org_id}, "data": records[start : start + page_size]}
