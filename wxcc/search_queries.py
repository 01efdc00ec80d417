"""The GraphQL search documents the client sends and the folding of their grouped results.

Pure: strings in, typed values out; no network. Field and argument names follow
docs/wxcc-contract.md §2.3-2.6. Filters are written inline as literals because their input
type names (`TaskDetailsFilters`, ...) are not all confirmed.

Pagination (§2.8): every document takes `$cursor`; the first page is asked for with Cisco's
documented first-page cursor "NA" (never "0"), later pages with `pageInfo.endCursor` exactly
as WxCC sent it. WxCC fixes the page size per query: 250 raw `taskDetails` / `agentSession`
rows, 1000 aggregation groups.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wxcc.api_types import AgentSessionRecord, EntityRef, QueueAggregate, TaskRecord

# contactHandleType values (§2.5): how WxCC counts a contact once it ended. A short abandon
# (within the tenant's Short Call Threshold) is not an abandon; terminationType "abandoned"
# covers both, so it is not what we count.
HANDLE_NORMAL = "normal"
HANDLE_ABANDONED = "abandoned"
HANDLE_SHORT = "short"

# §2.8: the first-page cursor Cisco documents ("NA"); page sizes WxCC applies.
FIRST_PAGE_CURSOR = "NA"
RAW_PAGE_SIZE = 250
AGGREGATION_PAGE_SIZE = 1000


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


def sessions_document(filter: Mapping[str, Any] | None = None) -> str:
    """Raw `agentSession` rows that started in [$from, $to) (sessions compare on startTime,
    §2.3) matching `filter`, with each channel's current state (§2.6)."""
    args = ["from: $from", "to: $to", "pagination: {cursor: $cursor}"]
    if filter:
        args.append(f"filter: {graphql_literal(filter)}")
    return (
        "query Sessions($from: Long!, $to: Long!, $cursor: String) {"
        f" agentSession({', '.join(args)}) {{"
        f" agentSessions {{ {AgentSessionRecord.FIELDS} }}"
        " pageInfo { hasNextPage endCursor } } }"
    )


def live_tasks_filter(changed_since_ms: int, *, full: bool) -> dict[str, Any]:
    """Tasks that changed since then (their record's `lastActivityTime`, "the time when the
    realtime process updated the record", §2.5), and with `full` every open task as well."""
    changed = {"lastActivityTime": {"gte": changed_since_ms}}
    return {"or": [{"isActive": {"equals": True}}, changed]} if full else changed


def live_sessions_filter(changed_since_ms: int, *, full: bool) -> dict[str, Any]:
    """Sessions whose state changed (a channel's `lastActivityTime`) or that ended since
    then, and with `full` every open session as well. Under `or` WxCC does not narrow the
    `channelInfo` list answered (§2.3), so every channel's state comes back."""
    changed: list[dict[str, Any]] = [
        {"channelInfo": {"lastActivityTime": {"gte": changed_since_ms}}},
        {"endTime": {"gte": changed_since_ms}},
    ]
    if full:
        changed.insert(0, {"isActive": {"equals": True}})
    return {"or": changed}


_QUEUE_TOTAL_AGGREGATIONS = [
    {"field": "id", "type": Enum("count"), "name": "tasks"},
    {"field": "queueDuration", "type": Enum("sum"), "name": "queueMs"},
    {"field": "queueDuration", "type": Enum("max"), "name": "maxQueueMs"},
    {"field": "connectedDuration", "type": Enum("sum"), "name": "connectedMs"},
    {"field": "holdDuration", "type": Enum("sum"), "name": "holdMs"},
    {"field": "wrapupDuration", "type": Enum("sum"), "name": "wrapupMs"},
]

# One request for every queue (up to 1000 groups a page): group by queue, open/ended and how
# WxCC classified the contact (§2.3 group-by, §2.5 contactHandleType).
QUEUE_TOTALS_DOCUMENT = (
    "query QueueTotals($from: Long!, $to: Long!, $cursor: String) {"
    " taskDetails(from: $from, to: $to, timeComparator: createdTime,"
    f" aggregations: {graphql_literal(_QUEUE_TOTAL_AGGREGATIONS)},"
    " pagination: {cursor: $cursor}) {"
    " tasks { lastQueue { id name } isActive contactHandleType aggregation { name value } }"
    " pageInfo { hasNextPage endCursor } } }"
)


def sum_queue_groups(rows: list[dict[str, Any]]) -> list[QueueAggregate]:
    """Fold grouped aggregation rows (one per queue, isActive and contactHandleType) into one
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
            {"queue": queue, "offered": 0, "active": 0, "ended": 0, "abandoned": 0,
             "short_abandoned": 0, "handled": 0, "queue_ms_total": 0, "max_queue_ms": 0,
             "connected_ms_total": 0, "hold_ms_total": 0, "wrapup_ms_total": 0},
        )  # fmt: skip
        if queue.name and not entry["queue"].name:
            entry["queue"] = queue
        entry["offered"] += count
        if row.get("isActive"):
            entry["active"] += count
        else:
            entry["ended"] += count
            handle_type = str(row.get("contactHandleType") or "").lower()
            if handle_type == HANDLE_ABANDONED:
                entry["abandoned"] += count
            elif handle_type == HANDLE_SHORT:
                entry["short_abandoned"] += count
            else:
                entry["handled"] += count
        entry["queue_ms_total"] += round(values.get("queueMs", 0))
        entry["max_queue_ms"] = max(entry["max_queue_ms"], round(values.get("maxQueueMs", 0)))
        entry["connected_ms_total"] += round(values.get("connectedMs", 0))
        entry["hold_ms_total"] += round(values.get("holdMs", 0))
        entry["wrapup_ms_total"] += round(values.get("wrapupMs", 0))
    return [QueueAggregate(**entry) for entry in totals.values()]
