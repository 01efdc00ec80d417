"""WxCC search filters over records: `{field: {operator: value}}`, nested objects
(`lastTeam: {name: {equals: ...}}`), whole-object comparisons (`owner: {notequals: {id: null}}`),
lists that match when any element does (`channelInfo`, `activities.nodes`, `queues`), and
compound `and`/`or` (Cisco's search README, docs/wxcc-contract.md 2.3).

A conjunctive condition on a list also narrows the list that is answered: Cisco's samples
return only the telephony `channelInfo` for `and: [..., {channelInfo: {channelType: ...}}]`
and only the matching activity for an `extFilter` on `activities.nodes.id`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import GraphQLError

from simulator.search_records import Connection, filter_view

Condition = Mapping[str, Any]

OPERATORS = frozenset({"equals", "notequals", "gt", "gte", "lt", "lte", "match", "contains"})


def _same(value: Any, operand: Any) -> bool:
    if isinstance(operand, Mapping):
        # Whole-object comparison: every given member equals (null included).
        view = value if isinstance(value, Mapping) else {}
        return all(view.get(key) == expected for key, expected in operand.items())
    return bool(value == operand)


def _compare(condition: Condition, value: Any) -> bool:
    for op, operand in condition.items():
        if operand is None and op in ("equals", "notequals"):
            continue  # an absent operand, as GraphQL passes an omitted input field
        if op == "equals":
            ok = _same(value, operand)
        elif op == "notequals":
            ok = not _same(value, operand)
        elif op == "match":
            ok = _regex_search(operand, value)
        elif op == "contains":
            ok = isinstance(value, str) and operand in value
        elif value is None or operand is None:
            ok = False
        elif op == "gt":
            ok = value > operand
        elif op == "gte":
            ok = value >= operand
        elif op == "lt":
            ok = value < operand
        else:  # lte: the schema admits no other operator
            ok = value <= operand
        if not ok:
            return False
    return True


def _regex_search(pattern: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return re.search(pattern, value) is not None
    except re.error as exc:
        raise GraphQLError(f"Invalid regular expression {pattern!r}: {exc}") from exc


def holds(condition: Condition, value: Any) -> bool:
    """Whether one field's condition holds for its value (any element of a list)."""
    value = filter_view(value)
    if isinstance(value, list):
        return any(holds(condition, element) for element in value)
    operators = {k: v for k, v in condition.items() if k in OPERATORS}
    nested = {k: v for k, v in condition.items() if k not in OPERATORS}
    if operators and not _compare(operators, value):
        return False
    if nested:
        return matches(nested, value if isinstance(value, Mapping) else {})
    return True


def matches(flt: Condition | None, record: Mapping[str, Any]) -> bool:
    """Whether a record passes a filter."""
    for key, condition in (flt or {}).items():
        if condition is None:
            continue
        if key == "and":
            if not all(matches(sub, record) for sub in condition):
                return False
        elif key == "or":
            if condition and not any(matches(sub, record) for sub in condition):
                return False
        elif not holds(condition, record.get(key)):
            return False
    return True


def _conjuncts(flt: Condition | None) -> Iterator[tuple[str, Condition]]:
    for key, condition in (flt or {}).items():
        if condition is None or key == "or":
            continue
        if key == "and":
            for sub in condition:
                yield from _conjuncts(sub)
        else:
            yield key, condition


def narrow(record: Mapping[str, Any], flt: Condition | None) -> dict[str, Any]:
    """The record with its lists cut down to the elements a conjunctive condition selects."""
    narrowed = dict(record)
    for key, condition in _conjuncts(flt):
        narrowed[key] = _narrow_value(narrowed.get(key), condition)
    return narrowed


def _narrow_value(value: Any, condition: Condition) -> Any:
    nested = {k: v for k, v in condition.items() if k not in OPERATORS}
    if isinstance(value, list):
        return [_narrow_value(e, condition) for e in value if holds(condition, e)]
    if isinstance(value, Connection):
        node_condition = nested.get("nodes")
        if not node_condition:
            return value
        return value.narrowed(
            [_narrow_value(n, node_condition) for n in value.nodes if holds(node_condition, n)]
        )
    if isinstance(value, Mapping) and nested:
        return narrow(value, nested)
    return value
