"""WxCC's GraphQL search (`POST /search?orgId=…`): records drawn from the traffic model, WxCC's
time-range rules, filters, aggregations with intervals and grouping, and cursor pagination
with Cisco's page sizes (docs/wxcc-contract.md section 2)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    SelectionSetNode,
    graphql,
)

from simulator.graphql_schema import build_search_schema
from simulator.model import DAY_MS, TrafficModel
from simulator.search_aggregate import aggregate, group_leaves
from simulator.search_filters import matches, narrow
from simulator.search_leg_rows import task_legs
from simulator.search_records import Row, sort_key, sort_spec
from simulator.search_rows import task_row
from simulator.search_session_rows import session_row

# Page sizes, Cisco's search README ("The page size/ number of records returned by the query is
# fixed"): raw taskDetails and agentSession 250, raw taskLegDetails 500, aggregations 1000.
# The older `task` query is not in that table: 300 is the team's starting note [unconfirmed].
RAW_PAGE_SIZE = {"task": 300, "taskDetails": 250, "agentSession": 250, "taskLegDetails": 500}
AGGREGATION_PAGE_SIZE = 1000
# "In order to fetch the first page, the pagination argument can either be omitted or the
# cursor value can be set to NA"; Cisco's own samples also start `task` and `taskDetails`
# queries with cursor "0", so that is a first page too.
FIRST_PAGE_CURSORS = frozenset({"", "NA", "0"})
# Range rules: `from` no older than 36 months, `to` not after now, at most 365 days apart
# (Cisco's OAS; its README says 12 months), CAR/AAR raw data at most 30 days.
MAX_LOOKBACK_MS = 1096 * DAY_MS
MAX_RANGE_MS = 365 * DAY_MS
MAX_ACTIVITY_RANGE_MS = 30 * DAY_MS

_SCHEMA = build_search_schema()


@dataclass(frozen=True)
class Query:
    """One root query: the list it answers and how its raw records are ordered."""

    name: str
    list_field: str
    id_field: str
    # Cisco's samples: taskDetails and taskLegDetails newest first (createdTime descending),
    # agentSession by agentSessionId with that id as the cursor.
    default_sort: str | None
    descending: bool


_QUERIES = {
    "task": Query("task", "tasks", "id", "createdTime", True),
    "taskDetails": Query("taskDetails", "tasks", "id", "createdTime", True),
    "agentSession": Query("agentSession", "agentSessions", "agentSessionId", None, False),
    "taskLegDetails": Query("taskLegDetails", "taskLegs", "id", "createdTime", True),
}


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


def check_interval(interval: Mapping[str, Any], span_ms: int) -> None:
    """Which aggregation intervals a time span admits (Cisco's search sample README)."""
    kind = interval["interval"]
    if span_ms > 7 * DAY_MS and kind not in ("DAILY", "WEEKLY", "MONTHLY"):
        raise GraphQLError(f"Interval {kind} is not allowed for a span over 7 days.")
    if span_ms > DAY_MS and kind == "FIFTEEN_MINUTES":
        raise GraphQLError(f"Interval {kind} is not allowed for a span over 1 day.")


# --- pagination ------------------------------------------------------------------------


def _is_first_page(cursor: str | None) -> bool:
    return cursor is None or cursor.strip() in FIRST_PAGE_CURSORS


def _encode(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise GraphQLError(f"Invalid cursor {cursor!r}") from exc
    if not isinstance(key, list) or len(key) != 2:
        raise GraphQLError(f"Invalid cursor {cursor!r}")
    return key


def _page_by_id(records: Iterable[Row], query: Query) -> tuple[list[Row], str | None]:
    """agentSession's pages: records arrive in id order, after the cursor (the last id of the
    page before); one record past the page is built, to know there is a next page."""
    size = RAW_PAGE_SIZE[query.name]
    taken = list(islice(records, size + 1))
    page = taken[:size]
    return page, page[-1][query.id_field] if len(taken) > size else None


def _page_raw(
    records: list[Row],
    query: Query,
    selection: SelectionSetNode | None,
    info: GraphQLResolveInfo,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    size = RAW_PAGE_SIZE[query.name]
    field, descending = sort_spec(selection, info.variable_values.coerced) or (
        query.default_sort or query.id_field,
        query.descending,
    )

    def key(record: Row) -> tuple[Any, ...]:
        return (sort_key(record.get(field)), record[query.id_field])

    records.sort(key=key, reverse=descending)
    if cursor is not None:
        value, record_id = _decode(cursor)
        mark = (sort_key(value), record_id)
        records = [r for r in records if (key(r) < mark if descending else key(r) > mark)]
    page = records[:size]
    if len(records) <= size:
        return page, None
    return page, _encode([page[-1].get(field), page[-1][query.id_field]])


# --- resolvers -------------------------------------------------------------------------


def _list_selection(info: GraphQLResolveInfo, list_field: str) -> SelectionSetNode | None:
    for node in info.field_nodes:
        for selection in node.selection_set.selections if node.selection_set else ():
            if isinstance(selection, FieldNode) and selection.name.value == list_field:
                return selection.selection_set
    return None


def _selects(selection: SelectionSetNode | None, name: str) -> bool:
    for node in selection.selections if selection else ():
        if isinstance(node, FieldNode) and (
            node.name.value == name or _selects(node.selection_set, name)
        ):
            return True
    return False


def _aggregation_specs(args: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    specs = list(args.get("aggregations") or [])
    legacy = args.get("aggregation") or {}
    specs += [dict(spec) for spec in legacy.get("aggr") or []]
    return specs


def _search(
    info: GraphQLResolveInfo,
    query: Query,
    candidates: Iterable[Row],
    in_window: Callable[[Row], bool],
    time_field: str,
    args: Mapping[str, Any],
) -> Row:
    from_ms, to_ms = args["from"], args["to"]
    specs = _aggregation_specs(args)
    interval = args.get("aggregationInterval")
    selection = _list_selection(info, query.list_field)
    if interval is not None:
        if not specs:
            raise GraphQLError("aggregationInterval can only be used with aggregations.")
        check_interval(interval, to_ms - from_ms)
    ext_filter = args.get("extFilter")
    reads_activities = ext_filter is not None or _selects(selection, "activities")
    if not specs and reads_activities and to_ms - from_ms > MAX_ACTIVITY_RANGE_MS:
        raise GraphQLError("Invalid time range: CAR and AAR raw data cannot exceed 30 days.")
    flt = args.get("filter")
    matching = (
        narrow(narrow(r, flt), ext_filter)
        for r in candidates
        if in_window(r) and matches(flt, r) and matches(ext_filter, r)
    )
    cursor = _page_cursor(args)
    page: list[Row]
    if query.default_sort is None and not specs:
        page, end_cursor = _page_by_id(matching, query)
        return _answer(query, page, end_cursor, None)
    records = list(matching)
    if specs:
        leaves = group_leaves(selection, info.variable_values.coerced)
        groups = aggregate(list(records), specs, leaves, interval, time_field)
        if cursor is not None:
            groups = [g for g in groups if g.cursor > cursor]
        kept = groups[:AGGREGATION_PAGE_SIZE]
        page = [g.record for g in kept]
        end_cursor = kept[-1].cursor if len(groups) > AGGREGATION_PAGE_SIZE else None
    else:
        page, end_cursor = _page_raw(records, query, selection, info, cursor)
    interval_info = None
    if interval is not None:
        interval_info = {
            "interval": interval["interval"],
            "timezone": interval.get("timezone") or "UTC",
        }
    return _answer(query, page, end_cursor, interval_info)


def _page_cursor(args: Mapping[str, Any]) -> str | None:
    """The page asked for: None (or a first-page word, see FIRST_PAGE_CURSORS) for the first."""
    cursor: str | None = (args.get("pagination") or {}).get("cursor")
    return None if cursor is None or _is_first_page(cursor) else cursor


def _answer(
    query: Query, page: list[Row], end_cursor: str | None, interval_info: Row | None
) -> Row:
    return {
        query.list_field: page,
        "pageInfo": {"hasNextPage": end_cursor is not None, "endCursor": end_cursor},
        "intervalInfo": interval_info,
    }


def _window(args: Mapping[str, Any], time_field: str) -> Callable[[Row], bool]:
    from_ms, to_ms = args["from"], args["to"]
    # "CSR records are indexed by createdTime": with timeComparator endedTime a contact that
    # started before `from` is found only with startTimeLookBackDays (Cisco's
    # endedTimeWithLookback sample).
    created_from_ms = from_ms - (args.get("startTimeLookBackDays") or 0) * DAY_MS

    def inside(record: Row) -> bool:
        if not from_ms <= record[time_field] < to_ms:
            return False
        return time_field != "endedTime" or record["createdTime"] >= created_from_ms

    return inside


def _resolve_tasks(query: Query) -> Callable[..., Row]:
    def resolve(info: GraphQLResolveInfo, **args: Any) -> Row:
        model: TrafficModel = info.context["model"]
        args["to"] = check_range(args["from"], args["to"], model.now_ms)
        time_field = args.get("timeComparator") or "createdTime"
        tasks = model.tasks_touching(args["from"], args["to"])
        rows = (task_row(model, task) for task in tasks)
        return _search(info, query, rows, _window(args, time_field), time_field, args)

    return resolve


def _resolve_legs(info: GraphQLResolveInfo, **args: Any) -> Row:
    model: TrafficModel = info.context["model"]
    args["to"] = check_range(args["from"], args["to"], model.now_ms)
    time_field = args.get("timeComparator") or "createdTime"
    tasks = model.tasks_touching(args["from"], args["to"])
    rows = (leg for task in tasks for leg in task_legs(model, task))
    query = _QUERIES["taskLegDetails"]
    return _search(info, query, rows, _window(args, time_field), time_field, args)


def _resolve_sessions(info: GraphQLResolveInfo, **args: Any) -> Row:
    model: TrafficModel = info.context["model"]
    args["to"] = check_range(args["from"], args["to"], model.now_ms)
    from_ms, to_ms = args["from"], args["to"]
    # Pages by agentSessionId (the cursor is the last id of the page before): sessions are
    # ordered and cut at the cursor before any row is built, and rows are built only until
    # the page is full, so a read of every page builds each row about once.
    after = _page_cursor(args)
    sessions = sorted(
        (s for s in model.sessions_touching(from_ms, to_ms) if after is None or s.id > after),
        key=lambda session: session.id,
    )
    rows = (session_row(model, session) for session in sessions)

    def inside(record: Row) -> bool:  # agentSession always compares on startTime
        return bool(from_ms <= record["startTime"] < to_ms)

    return _search(info, _QUERIES["agentSession"], rows, inside, "startTime", args)


ROOT = {
    "task": _resolve_tasks(_QUERIES["task"]),
    "taskDetails": _resolve_tasks(_QUERIES["taskDetails"]),
    "agentSession": _resolve_sessions,
    "taskLegDetails": _resolve_legs,
}

# graphql-core's words for a missing required argument: "Argument 'Query.task(from:)' of
# type 'Long!' is required, but it was not provided."
_MISSING_ARGUMENT = re.compile(r"Argument '\w+\.(\w+)\((\w+):\)' of type '[^']+' is required")


def _error_json(error: GraphQLError, rejected: bool) -> dict[str, Any]:
    """GraphQL errors as WxCC's graphql-java service words them when it rejects a document
    (HTTP 400, "Missing field argument"); other errors keep graphql-core's wording."""
    formatted: dict[str, Any] = dict(error.formatted)
    if not rejected:
        return formatted
    missing = _MISSING_ARGUMENT.search(error.message)
    if missing:
        field, argument = missing.groups()
        formatted["message"] = (
            f"Validation error (MissingFieldArgument@[{field}]) : "
            f"Missing field argument '{argument}'"
        )
    syntax = isinstance(error, GraphQLSyntaxError)
    classification = "InvalidSyntax" if syntax else "ValidationError"
    formatted["extensions"] = {
        **(formatted.get("extensions") or {}),
        "classification": classification,
    }
    return formatted


async def execute_search(
    model: TrafficModel, query: str, variables: dict[str, Any] | None, operation: str | None
) -> dict[str, Any]:
    """Run one search request; the answer is GraphQL's {data, errors} shape. A document that
    does not parse or validate answers `data: null` (the API edge makes that a 400)."""
    result = await graphql(
        _SCHEMA,
        query,
        root_value=ROOT,
        context_value={"model": model},
        variable_values=variables,
        operation_name=operation,
    )
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        rejected = result.data is None
        answer["errors"] = [_error_json(error, rejected) for error in result.errors]
    return answer
