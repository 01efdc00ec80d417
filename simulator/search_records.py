"""Building blocks of the records search answers with: entity objects, the `-1` of an open
record, global variables, and the `activities` connections (CAR/AAR) with Cisco's inner
pagination (`first`, `after`; docs/wxcc-contract.md 2.8).

Records are plain dicts (GraphQL's default resolver reads them by field name); a value that
takes arguments is a callable object, which the resolver calls with the field's arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from graphql import (
    EnumValueNode,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    SelectionSetNode,
    VariableNode,
)

Row = dict[str, Any]

# Cisco's sample responses show `endedTime` (CSR) and `endTime` (ASR) as -1 while a record is
# open; we use the same for every open end time we serve (CLR, CAR, AAR included).
OPEN_END_MS = -1
# Inner pagination of `activities`: "By default, the value is set to 25 and the maximum
# supported value is 100" (Cisco's search README).
INNER_PAGE_DEFAULT = 25
INNER_PAGE_MAX = 100


def end_or_open(end_ms: int | None) -> int:
    return OPEN_END_MS if end_ms is None else end_ms


def entity(entity_id: str | None, name: str | None, **extra: Any) -> Row:
    """An entity object. Cisco's samples answer `{"id": null}` rather than null when a task
    has no such entity (e.g. `lastAgent` of a task no agent took)."""
    return {"id": entity_id, "name": name, **extra}


class GlobalVariables:
    """`<kind>GlobalVariables(name: "...") { name value }`: one variable by name."""

    def __init__(self, items: tuple[Row, ...] = ()) -> None:
        self.items = items

    def __call__(self, info: GraphQLResolveInfo, name: str) -> Row:
        for item in self.items:
            if item.get("name") == name:
                return item
        return {"name": name, "value": None}


class Connection:
    """An `activities` list: `{ totalCount nodes pageInfo }`, newest first, paged by the
    `time_field` of the last node (Cisco's cursors are such times, e.g. "1700719516513")."""

    def __init__(self, build: Callable[[], list[Row]] | list[Row], time_field: str) -> None:
        self._build = build
        self.time_field = time_field

    @cached_property
    def nodes(self) -> list[Row]:
        built = self._build() if callable(self._build) else self._build
        return sorted(built, key=lambda node: node[self.time_field], reverse=True)

    def narrowed(self, nodes: list[Row]) -> Connection:
        return Connection(nodes, self.time_field)

    def __call__(
        self, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> Row:
        size = INNER_PAGE_DEFAULT if first is None else first
        if not 1 <= size <= INNER_PAGE_MAX:
            raise GraphQLError(f"first must be between 1 and {INNER_PAGE_MAX}.")
        nodes = self.nodes
        descending = True
        spec = sort_spec(_child_selection(info, "nodes"), info.variable_values.coerced)
        if spec is not None:
            field, descending = spec
            nodes = sorted(nodes, key=lambda node: sort_key(node.get(field)), reverse=descending)
        if after is not None:
            if not after.lstrip("-").isdigit():
                raise GraphQLError(f"Invalid cursor {after!r}")
            mark = int(after)
            time_field = self.time_field
            nodes = [
                n for n in nodes if (n[time_field] < mark if descending else n[time_field] > mark)
            ]
        page = nodes[:size]
        has_next = len(nodes) > size
        return {
            "totalCount": len(self.nodes),
            "nodes": page,
            "pageInfo": {
                "hasNextPage": has_next,
                "endCursor": str(page[-1][self.time_field]) if has_next else None,
            },
        }


def filter_view(value: Any) -> Any:
    """What a filter or an aggregation sees of a record's value."""
    if isinstance(value, Connection):
        return {"nodes": value.nodes}
    if isinstance(value, GlobalVariables):
        return list(value.items)
    return value


def _child_selection(info: GraphQLResolveInfo, name: str) -> SelectionSetNode | None:
    for node in info.field_nodes:
        for selection in node.selection_set.selections if node.selection_set else ():
            if isinstance(selection, FieldNode) and selection.name.value == name:
                return selection.selection_set
    return None


def sort_spec(
    selection_set: SelectionSetNode | None, variables: Mapping[str, Any] | None
) -> tuple[str, bool] | None:
    """The first selected field given `sort: asc|desc`: (field name, descending)."""
    for selection in selection_set.selections if selection_set else ():
        if not isinstance(selection, FieldNode):
            continue
        for argument in selection.arguments or ():
            if argument.name.value != "sort":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                order = (variables or {}).get(value.name.value)
            elif isinstance(value, EnumValueNode):
                order = value.value
            else:
                order = None
            if order in ("asc", "desc"):
                return selection.name.value, order == "desc"
    return None


def sort_key(value: Any) -> tuple[int, Any]:
    """A total order over field values: None first, then numbers, then strings."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))
