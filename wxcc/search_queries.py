"""The GraphQL search documents the client sends and the folding of their grouped results.

Pure: strings in, typed values out; no network. Field and argument names follow
docs/wxcc-contract.md §2.3-2.6. Filters are written inline as literals because their input
type names (`TaskDetailsFilters`, ...) are not all confirmed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wxcc.api_types import AgentSessionRecord, EntityRef, QueueAggregate, TaskRecord

# terminationType of an abandoned contact [vocabulary unconfirmed, §2.5: kept in one place].
TERMINATION_ABANDONED = "abandoned"


@dataclass(frozen=True)
class Enum:
    """A GraphQL enum literal (written unquoted: `channelType: {equals: telephony}`)."""

    value: str


def graphql_literal(value: Any) -> str:
    """Render a Python value as a GraphQL input literal. Filters are written inline because
    their input type names differ between WxCC (`TaskDetailsFilters`) and our simulator."""
    if isinstance(value, Enum):
        return value.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {graphql_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(graphql_literal(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as GraphQL")


def tasks_document(filter: Mapping[str, Any] | None, time_comparator: str) -> str:
    """Raw `taskDetails` rows in [$from, $to), one page per $cursor."""
    args = [
        "from: $from",
        "to: $to",
        f"timeComparator: {time_comparator}",
        "pagination: {cursor: $cursor}",
    ]
    if filter:
        args.append(f"filter: {graphql_literal(filter)}")
    return (
        "query Tasks($from: Long!, $to: Long!, $cursor: String) {"
        f" taskDetails({', '.join(args)}) {{"
        f" tasks {{ {TaskRecord.FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    )


ACTIVE_SESSIONS_DOCUMENT = (
    "query Sessions($from: Long!, $to: Long!, $cursor: String) {"
    " agentSession(from: $from, to: $to, filter: {isActive: {equals: true}},"
    " pagination: {cursor: $cursor}) {"
    f" agentSessions {{ {AgentSessionRecord.FIELDS} }}"
    " pageInfo { hasNextPage endCursor } } }"
)

_QUEUE_TOTAL_AGGREGATIONS = [
    {"field": "id", "type": Enum("count"), "name": "tasks"},
    {"field": "queueDuration", "type": Enum("sum"), "name": "queueMs"},
    {"field": "queueDuration", "type": Enum("max"), "name": "maxQueueMs"},
    {"field": "connectedDuration", "type": Enum("sum"), "name": "connectedMs"},
    {"field": "holdDuration", "type": Enum("sum"), "name": "holdMs"},
    {"field": "wrapupDuration", "type": Enum("sum"), "name": "wrapupMs"},
]

# One request for every queue: group by queue, open/ended and how it ended (§2.3 group-by).
QUEUE_TOTALS_DOCUMENT = (
    "query QueueTotals($from: Long!, $to: Long!, $cursor: String) {"
    " taskDetails(from: $from, to: $to, timeComparator: createdTime,"
    f" aggregations: {graphql_literal(_QUEUE_TOTAL_AGGREGATIONS)},"
    " pagination: {cursor: $cursor}) {"
    " tasks { lastQueue { id name } isActive terminationType aggregation { name value } }"
    " pageInfo { hasNextPage endCursor } } }"
)


def sum_queue_groups(rows: list[dict[str, Any]]) -> list[QueueAggregate]:
    """Fold grouped aggregation rows (one per queue, isActive and terminationType) into one
    total per queue. Rows without a queue (self-service only) are left out."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        queue = EntityRef.parse(row.get("lastQueue"))
        if queue is None:
            continue
        values = {
            str(a.get("name")): float(a.get("value") or 0)
            for a in row.get("aggregation") or []
            if isinstance(a, dict)
        }
        count = round(values.get("tasks", 0))
        entry = totals.setdefault(
            queue.id,
            {"queue": queue, "offered": 0, "active": 0, "ended": 0, "abandoned": 0, "handled": 0,
             "queue_ms_total": 0, "max_queue_ms": 0, "connected_ms_total": 0,
             "hold_ms_total": 0, "wrapup_ms_total": 0},
        )  # fmt: skip
        if queue.name and not entry["queue"].name:
            entry["queue"] = queue
        entry["offered"] += count
        if row.get("isActive"):
            entry["active"] += count
        else:
            entry["ended"] += count
            if row.get("terminationType") == TERMINATION_ABANDONED:
                entry["abandoned"] += count
            else:
                entry["handled"] += count
        entry["queue_ms_total"] += round(values.get("queueMs", 0))
        entry["max_queue_ms"] = max(entry["max_queue_ms"], round(values.get("maxQueueMs", 0)))
        entry["connected_ms_total"] += round(values.get("connectedMs", 0))
        entry["hold_ms_total"] += round(values.get("holdMs", 0))
        entry["wrapup_ms_total"] += round(values.get("wrapupMs", 0))
    return [QueueAggregate(**entry) for entry in totals.values()]
