"""WxCC's GraphQL search (`POST /search?orgId=…`): rows drawn from the traffic model, WxCC's
time-range rules, filters, aggregations with intervals and grouping, and cursor pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphql import FieldNode, GraphQLError, GraphQLResolveInfo, graphql

from simulator.graphql_schema import build_search_schema
from simulator.model import DAY_MS, TrafficModel
from simulator.search_rows import Row, session_row, task_row

# Page sizes as documented: task at most 300, taskDetails and agentSession at most 100.
PAGE_SIZE = {"task": 300, "taskDetails": 100, "agentSession": 100}
# Range rules: `from` no older than 36 months, `to` not after now, at most 365 days apart.
MAX_LOOKBACK_MS = 1096 * DAY_MS
MAX_RANGE_MS = 365 * DAY_MS

_INTERVAL_MINUTES = {"FIFTEEN_MINUTES": 15, "THIRTY_MINUTES": 30, "HOURLY": 60}
_RESULT_META_FIELDS = {"aggregation", "intervalStartTime", "__typename"}
# Filter keys that hold an EntityFilter ({id: ..., name: ...}) rather than operators.
_ENTITY_FIELDS = {"owner", "lastQueue", "lastAgent", "lastTeam", "lastSite", "lastEntryPoint"}

_SCHEMA = build_search_schema()


# --- filters ---------------------------------------------------------------------------


def _compare(condition: dict[str, Any], value: Any) -> bool:
    for op, operand in condition.items():
        if operand is None:
            continue
        if op == "equals":
            ok = value == operand
        elif op == "notequals":
            ok = value != operand
        elif op == "in":
            ok = value in operand
        elif op == "match":
            ok = isinstance(value, str) and re.search(operand, value) is not None
        elif op == "contains":
            ok = isinstance(value, str) and operand in value
        elif value is None:
            ok = False
        elif op == "gt":
            ok = value > operand
        elif op == "gte":
            ok = value >= operand
        elif op == "lt":
            ok = value < operand
        elif op == "lte":
            ok = value <= operand
        else:  # the schema admits no other operator
            raise GraphQLError(f"Unsupported operator {op}")
        if not ok:
            return False
    return True


def matches(flt: dict[str, Any] | None, row: Row) -> bool:
    """Whether a row passes a WxCC-style filter ({and: [...], or: [...], field: {op: v}})."""
    if not flt:
        return True
    for key, condition in flt.items():
        if condition is None:
            continue
        if key == "and":
            if not all(matches(sub, row) for sub in condition):
                return False
        elif key == "or":
            if condition and not any(matches(sub, row) for sub in condition):
                return False
        elif key in _ENTITY_FIELDS:
            if not matches(condition, row.get(key) or {}):
                return False
        elif not _compare(condition, row.get(key)):
            return False
    return True


# --- range rules -----------------------------------------------------------------------


def check_range(from_ms: int, to_ms: int, now_ms: int) -> int:
    """Apply WxCC's window rules; returns the effective `to` (a future `to` is set to now)."""
    to_ms = min(to_ms, now_ms)
    if from_ms >= to_ms:
        raise GraphQLError("Invalid time range: 'from' must be before 'to'.")
    if from_ms < now_ms - MAX_LOOKBACK_MS:
        raise GraphQLError("Invalid time range: 'from' cannot be older than 36 months.")
    if to_ms - from_ms > MAX_RANGE_MS:
        raise GraphQLError("Invalid time range: 'to' - 'from' cannot exceed 365 days.")
    return to_ms


def check_interval(interval: dict[str, Any], span_ms: int) -> None:
    """Which aggregation intervals a time span admits (Cisco's search sample README)."""
    kind = interval["interval"]
    if span_ms > 7 * DAY_MS and kind not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise GraphQLError(f"Interval {kind} is not allowed for a span over 7 days.")
    if span_ms > DAY_MS and kind == "FIFTEEN_MINUTES":
        raise GraphQLError(f"Interval {kind} is not allowed for a span over 1 day.")


# --- aggregation -----------------------------------------------------------------------


def _selected_paths(info: GraphQLResolveInfo, list_field: str) -> list[tuple[str, ...]]:
    """Leaf fields selected under `<query> { <list_field> { ... } }`: the grouping keys."""
    paths: list[tuple[str, ...]] = []

    def walk(selection_set: Any, prefix: tuple[str, ...]) -> None:
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            name = selection.name.value
            if not prefix and name in _RESULT_META_FIELDS:
                continue
            if selection.selection_set is None:
                paths.append((*prefix, name))
            else:
                walk(selection.selection_set, (*prefix, name))

    for node in info.field_nodes:
        for selection in node.selection_set.selections if node.selection_set else ():
            if (
                isinstance(selection, FieldNode)
                and selection.name.value == list_field
                and selection.selection_set is not None
            ):
                walk(selection.selection_set, ())
    return paths


def _get_path(row: Row, path: tuple[str, ...]) -> Any:
    value: Any = row
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _set_path(row: Row, path: tuple[str, ...], value: Any) -> None:
    target = row
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _interval_start(time_ms: int, interval: dict[str, Any]) -> int:
    kind = interval["interval"]
    if kind in _INTERVAL_MINUTES:
        size = _INTERVAL_MINUTES[kind] * 60_000
        return time_ms // size * size
    try:
        zone: Any = ZoneInfo(interval.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise GraphQLError(f"Unknown timezone {interval.get('timezone')!r}") from exc
    local = datetime.fromtimestamp(time_ms / 1000, tz=UTC).astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "WEEKLY":
        start -= timedelta(days=start.weekday())
    elif kind == "MONTHLY":
        start = start.replace(day=1)
    return int(start.timestamp() * 1000)


def _aggregate(kind: str, values: list[Any]) -> float:
    present = [v for v in values if v is not None]
    if kind == "count":
        return float(len(present))
    if kind == "cardinality":
        return float(len({repr(v) for v in present}))
    numbers = [float(v) for v in present if isinstance(v, int | float)]
    if not numbers:
        return 0.0
    if kind == "sum":
        return sum(numbers)
    if kind == "average":
        return sum(numbers) / len(numbers)
    if kind == "min":
        return min(numbers)
    return max(numbers)


def aggregate_rows(
    rows: list[Row],
    aggregations: list[dict[str, Any]],
    group_paths: list[tuple[str, ...]],
    interval: dict[str, Any] | None,
    time_field: str,
) -> list[Row]:
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        key: tuple[Any, ...] = tuple(repr(_get_path(row, path)) for path in group_paths)
        if interval is not None:
            key = (_interval_start(row[time_field], interval), *key)
        groups.setdefault(key, []).append(row)
    results: list[Row] = []
    for key, members in sorted(groups.items(), key=lambda item: item[0]):
        result: Row = {}
        for path in group_paths:
            _set_path(result, path, _get_path(members[0], path))
        if interval is not None:
            result["intervalStartTime"] = key[0]
        result["aggregation"] = []
        for spec in aggregations:
            scoped = [r for r in members if matches(spec.get("filter"), r)]
            values = [_get_path(r, tuple(spec["field"].split("."))) for r in scoped]
            result["aggregation"].append(
                {"name": spec["name"], "value": _aggregate(spec["type"], values)}
            )
        results.append(result)
    return results


# --- resolvers -------------------------------------------------------------------------


def _page(rows: list[Row], pagination: dict[str, Any] | None, size: int) -> tuple[list[Row], Row]:
    cursor = (pagination or {}).get("cursor") or "0"
    if not re.fullmatch(r"\d+", cursor):
        raise GraphQLError(f"Invalid cursor {cursor!r}")
    start = int(cursor)
    page = rows[start : start + size]
    end = start + len(page)
    has_next = end < len(rows)
    # endCursor is a nullable string; Cisco's samples show null on the last page.
    return page, {"hasNextPage": has_next, "endCursor": str(end) if has_next else None}


def _search(
    info: GraphQLResolveInfo,
    query_name: str,
    list_field: str,
    candidates: Iterable[Row],
    time_field: str,
    args: dict[str, Any],
) -> Row:
    model: TrafficModel = info.context["model"]
    from_ms, to_ms = args["from"], args["to"]
    to_ms = check_range(from_ms, to_ms, model.now_ms)
    interval = args.get("aggregationInterval")
    aggregations = args.get("aggregations") or []
    if interval is not None:
        if not aggregations:
            raise GraphQLError("aggregationInterval can only be used with aggregations.")
        check_interval(interval, to_ms - from_ms)
    rows = [
        row
        for row in candidates
        if row[time_field] is not None
        and from_ms <= row[time_field] < to_ms
        and matches(args.get("filter"), row)
    ]
    rows.sort(key=lambda row: (row[time_field], row.get("id") or row.get("agentSessionId")))
    if aggregations:
        rows = aggregate_rows(
            rows, aggregations, _selected_paths(info, list_field), interval, time_field
        )
    page, page_info = _page(rows, args.get("pagination"), PAGE_SIZE[query_name])
    return {list_field: page, "pageInfo": page_info}


def _resolve_tasks(query_name: str) -> Callable[..., Row]:
    def resolve(info: GraphQLResolveInfo, **args: Any) -> Row:
        model: TrafficModel = info.context["model"]
        time_field = args.get("timeComparator") or "createdTime"
        tasks = model.tasks_touching(args["from"], args["to"])
        rows = (task_row(model, task) for task in tasks)
        return _search(info, query_name, "tasks", rows, time_field, args)

    return resolve


def _resolve_sessions(info: GraphQLResolveInfo, **args: Any) -> Row:
    model: TrafficModel = info.context["model"]
    time_field = "startTime"  # agentSession always compares on startTime
    sessions = model.sessions_touching(args["from"], args["to"])
    rows = (session_row(model, session) for session in sessions)
    return _search(info, "agentSession", "agentSessions", rows, time_field, args)


ROOT = {
    "task": _resolve_tasks("task"),
    "taskDetails": _resolve_tasks("taskDetails"),
    "agentSession": _resolve_sessions,
}


async def execute_search(
    model: TrafficModel, query: str, variables: dict[str, Any] | None, operation: str | None
) -> dict[str, Any]:
    """Run one search request; the answer is GraphQL's {data, errors} shape."""
    result = await graphql(
        _SCHEMA,
        query,
        root_value=ROOT,
        context_value={"model": model},
        variable_values=variables,
        operation_name=operation,
    )
    return dict(result.formatted)
