"""The snapshot API's JSON (README, "Snapshot API"): a board's queues, agents and totals from
the org's snapshot. No data is JSON null, never 0; durations in seconds, times ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wallboard.metrics import AgentState, CenterSnapshot, Period
from wallboard.rendering import board_agent_ids, board_queue_ids, is_stale
from wallboard.selectors import Freshness
from wallboard.specs import BoardSpec, Names


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def snapshot_payload(
    board: BoardSpec,
    snapshot: CenterSnapshot,
    *,
    freshness: Freshness,
    names: Names,
    now: datetime,
) -> dict[str, Any]:
    sl = board.service_level_definition
    queues = []
    for queue_id in board_queue_ids(board, names):
        group = snapshot.queue(queue_id)
        today = group.periods[Period.TODAY]
        queues.append(
            {
                "id": int(queue_id),
                "name": names.queues.get(queue_id, queue_id),
                "contacts_waiting": group.contacts_waiting,
                "oldest_waiting_since": _iso(group.oldest_waiting_since),
                "longest_wait_s": _round(group.longest_wait_s),
                "offered": today.offered,
                "answered": today.answered,
                "handled": today.handled,
                "abandoned": today.abandoned,
                "short_abandoned": today.short_abandoned,
                "service_level_pct": _round(today.service_level(sl)),
                "service_level_threshold_s": snapshot.config.service_level_threshold_s(queue_id),
                "asa_s": _round(today.asa_s),
                "aht_s": _round(today.aht_s),
                "aht_excl_wrapup_s": _round(today.aht_excl_wrapup_s),
                "avg_wait_s": _round(today.avg_wait_s),
                "max_wait_s": _round(today.max_wait_s),
                "abandon_rate_pct": _round(today.abandon_rate_pct),
                "transfer_rate_pct": _round(today.transfer_rate_pct),
            }
        )
    agents = []
    for agent_id in board_agent_ids(board, snapshot, None):
        agent = snapshot.agents[agent_id]
        agents.append(
            {
                "id": int(agent_id),
                "name": names.agents.get(agent_id, agent_id),
                "team": names.teams.get(agent.team_id) if agent.team_id else None,
                "team_id": int(agent.team_id) if agent.team_id else None,
                "state": agent.state.value,
                "idle_code": agent.idle_code or None,
                "state_since": _iso(agent.state_since),
                "time_in_state_s": _round(agent.time_in_state_s(now), 0),
            }
        )
    counts = [snapshot.agents[a].state for a in board_agent_ids(board, snapshot, None)]
    center = snapshot.center
    center_today = center.periods[Period.TODAY]
    return {
        "board": {"slug": board.slug, "name": board.name, "time_zone": board.zone_name},
        "generated_at": _iso(now),
        "figures_at": _iso(snapshot.now),
        "data_at": _iso(freshness.data_at),
        "stale": is_stale(freshness, stale_after_s=board.stale_after_s, now=now),
        "needs_reconsent": freshness.needs_reconsent,
        "service_level_definition": sl.value,
        "period": Period.TODAY.value,
        "queues": queues,
        "agents": agents,
        "totals": {
            "agents_logged_in": len(counts),
            "agents_available": counts.count(AgentState.AVAILABLE),
            "agents_idle": counts.count(AgentState.IDLE),
            "agents_ringing": counts.count(AgentState.RESERVED),
            "agents_busy": counts.count(AgentState.CONNECTED),
            "agents_wrapup": counts.count(AgentState.WRAPUP),
            "contacts_waiting": center.contacts_waiting,
            "longest_wait_s": _round(center.longest_wait_s),
            "offered": center_today.offered,
            "answered": center_today.answered,
            "handled": center_today.handled,
            "abandoned": center_today.abandoned,
            "short_abandoned": center_today.short_abandoned,
            "service_level_pct": _round(center_today.service_level(sl)),
            "asa_s": _round(center_today.asa_s),
            "aht_s": _round(center_today.aht_s),
            "abandon_rate_pct": _round(center_today.abandon_rate_pct),
        },
    }
