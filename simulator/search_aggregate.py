"""Aggregation queries: group by the fields selected next to `aggregation { name value }`
(lists such as `channelInfo` or `activities.nodes` are unnested, one group per element),
optional time buckets (`aggregationInterval`), per-aggregation `filter`/`extFilter`/
`predicate`, and Cisco's composite group cursors ("intervalStartTime=...::channelType=...",
as in its "Aggregation pagination query" sample response)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphql import FieldNode, GraphQLError, SelectionSetNode, value_from_ast_untyped

from simulator.search_filters import holds, matches, narrow
from simulator.search_records import Connection, GlobalVariables, Row, filter_view

# "The number of fields used for a group by operation in an aggregation query cannot exceed 10."
MAX_GROUP_BY_FIELDS = 10
_RESULT_META_FIELDS = frozenset({"aggregation", "intervalStartTime", "__typename"})
_INTERVAL_MINUTES = {"FIFTEEN_MINUTES": 15, "THIRTY_MINUTES": 30, "HOURLY": 60}

Leaf = tuple[tuple[str, dict[str, Any]], ...]


@dataclass(frozen=True)
class Group:
    cursor: str
    record: Row


def group_leaves(
    selection_set: SelectionSetNode | None, variables: Mapping[str, Any]
) -> list[Leaf]:
    """The grouping fields: every leaf selected under the list field, with its arguments."""
    leaves: list[Leaf] = []

    def walk(selections: SelectionSetNode, prefix: Leaf) -> None:
        for selection in selections.selections:
            if not isinstance(selection, FieldNode):
                continue
            name = selection.name.value
            if not prefix and name in _RESULT_META_FIELDS:
                continue
            args = {
                a.name.value: value_from_ast_untyped(a.value, dict(variables))
                for a in selection.arguments or ()
                if a.name.value not in ("sort", "first", "after")
            }
            step = (*prefix, (name, args))
            if selection.selection_set is None:
                leaves.append(step)
            else:
                walk(selection.selection_set, step)

    if selection_set is not None:
        walk(selection_set, ())
    if len(leaves) > MAX_GROUP_BY_FIELDS:
        raise GraphQLError(f"A group by may use at most {MAX_GROUP_BY_FIELDS} fields.")
    return leaves


def _explode(container: Mapping[str, Any], paths: list[tuple[str, ...]]) -> list[Row]:
    """Copies of a record in which every list a grouping path crosses holds one element."""
    results: list[Row] = [dict(container)]
    for name in dict.fromkeys(p[0] for p in paths if len(p) > 1):
        rest = [p[1:] for p in paths if p[0] == name and len(p) > 1]
        value = container.get(name)
        options: list[Any]
        if isinstance(value, Connection):
            node_paths = [p[1:] for p in rest if p[0] == "nodes"]
            nodes = [n for node in value.nodes for n in _explode(node, node_paths)]
            options = [value.narrowed([n]) for n in nodes] or [value.narrowed([])]
        elif isinstance(value, list):
            options = [[e] for element in value for e in _explode(element, rest)] or [[]]
        elif isinstance(value, Mapping):
            options = list(_explode(value, rest))
        else:
            continue
        results = [{**record, name: option} for record in results for option in options]
    return results


def _leaf_value(record: Mapping[str, Any], leaf: Leaf) -> Any:
    value: Any = record
    for name, args in leaf:
        value = value.get(name) if isinstance(value, Mapping) else None
        if isinstance(value, GlobalVariables):
            value = value(None, **args)  # type: ignore[arg-type]
        elif isinstance(value, Connection):
            value = {"nodes": value.nodes}
        if isinstance(value, list):
            value = value[0] if value else None
    return value


def _gather(value: Any, parts: list[str], predicate: Mapping[str, Any] | None) -> list[Any]:
    if not parts:
        return [] if value is None else [value]
    name, rest = parts[0], parts[1:]
    found = filter_view(value.get(name)) if isinstance(value, Mapping) else None
    if predicate and name in predicate and isinstance(found, list):
        found = [item for item in found if holds(predicate[name], item)]
    if isinstance(found, list):
        return [v for element in found for v in _gather(element, rest, predicate)]
    return _gather(found, rest, predicate)


def _aggregate(kind: str, values: list[Any]) -> float:
    if kind == "count":
        return float(len(values))
    if kind == "cardinality":
        return float(len({repr(v) for v in values}))
    numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return 0.0
    if kind == "sum":
        return sum(numbers)
    if kind == "average":
        return sum(numbers) / len(numbers)
    if kind == "min":
        return min(numbers)
    return max(numbers)


def interval_start(time_ms: int, interval: Mapping[str, Any]) -> int:
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


def _cursor_part(label: str, value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    else:
        text = str(value)
    return f"{label}={text}"


def aggregate(
    records: list[Mapping[str, Any]],
    specs: list[Mapping[str, Any]],
    leaves: list[Leaf],
    interval: Mapping[str, Any] | None,
    time_field: str,
) -> list[Group]:
    """One group per distinct value of the grouping leaves (and interval), sorted by cursor."""
    paths = [tuple(name for name, _ in leaf) for leaf in leaves]
    members_by_cursor: dict[str, list[Row]] = {}
    starts: dict[str, int] = {}
    for record in records:
        for exploded in _explode(record, paths):
            parts = []
            if interval is not None:
                start = interval_start(exploded[time_field], interval)
                parts.append(_cursor_part("intervalStartTime", start))
            parts += [
                _cursor_part(".".join(path), _leaf_value(exploded, leaf))
                for path, leaf in zip(paths, leaves, strict=True)
            ]
            cursor = "::".join(parts)
            members_by_cursor.setdefault(cursor, []).append(exploded)
            if interval is not None:
                starts[cursor] = start
    if not leaves and interval is None and not members_by_cursor:
        # An ungrouped aggregation still answers its values over no records (count 0).
        members_by_cursor[""] = []
    groups = []
    for cursor in sorted(members_by_cursor):
        members = members_by_cursor[cursor]
        result = dict(members[0]) if members else {}
        if interval is not None:
            result["intervalStartTime"] = starts[cursor]
        result["aggregation"] = [
            {"name": spec["name"], "value": _aggregate(spec["type"], _values(spec, members))}
            for spec in specs
        ]
        groups.append(Group(cursor, result))
    return groups


def _values(spec: Mapping[str, Any], members: list[Row]) -> list[Any]:
    scoped = [
        narrow(narrow(m, spec.get("filter")), spec.get("extFilter"))
        for m in members
        if matches(spec.get("filter"), m) and matches(spec.get("extFilter"), m)
    ]
    parts = str(spec["field"]).split(".")
    return [v for m in scoped for v in _gather(m, parts, spec.get("predicate"))]
