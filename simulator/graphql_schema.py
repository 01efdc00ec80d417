"""The GraphQL schema of WxCC's search API (`POST /search`), generated from the field catalogues
of search_fields.py (Cisco's data dictionaries).

Queries and arguments follow Cisco's search README (docs/wxcc-contract.md 2.3): `taskDetails`,
`agentSession`, `taskLegDetails` and the older `task`; `from`/`to` (Long), `timeComparator`,
`filter`, `extFilter`, `aggregations` (and the older `aggregation: {aggr: [...]}`),
`aggregationInterval`, `pagination`, and `startTimeLookBackDays` (Cisco's
endedTimeWithLookback sample). Type names Cisco shows (TaskDetailsFilters,
TaskDetailsSpecificFilters, TaskV2Aggregation, IntervalData, QueryTimeType, Pagination,
AgentSessionFilters, AgentSessionSpecificFilters, AgentSessionV2Aggregation,
TaskLegDetailsFilters, TaskLegV2Aggregation, TaskDetailsList, AgentSessions,
TaskLegDetailsList) are used as given; the others are ours.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    EnumValueNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    StringValueNode,
    ValueNode,
    build_schema,
    value_from_ast_untyped,
)

from simulator.search_fields import (
    AAR,
    AAR_OBJECTS,
    ASR,
    CAR,
    CHANNEL_INFO,
    CLR,
    CLR_OBJECTS,
    COMPARABLE_OBJECTS,
    CSR,
    CSR_FILTER_ONLY,
    CSR_LISTS,
    CSR_OBJECTS,
    GLOBAL_VARIABLE_KINDS,
    OBJECT_TYPES,
    Field,
)

_EXPRESSION = {
    "String": "StringExpression",
    "Int": "LongExpression",
    "Long": "LongExpression",
    "Float": "FloatExpression",
    "Boolean": "BooleanExpression",
    "ChannelType": "ChannelTypeExpression",
}

_COMMON = """
"Epoch milliseconds and other 64-bit integers; Cisco's clients also send them as strings."
scalar Long
"Free-form JSON (agentSkills, matchedSkills, globalVariables)."
scalar JSON
"A field name in the older `aggregation: {aggr: [...]}` argument, written bare or quoted."
scalar FieldName

enum ChannelType { telephony chat email social }
enum QueryTimeType { createdTime endedTime }
enum AggregationType { count sum average min max cardinality }
enum IntervalType { FIFTEEN_MINUTES THIRTY_MINUTES HOURLY DAILY WEEKLY MONTHLY }
enum SortOrder { asc desc }

input Pagination { cursor: String }
input IntervalData { interval: IntervalType!, timezone: String }

"Operators per Cisco's README: strings equals/notequals/match (regex)/contains."
input StringExpression { equals: String, notequals: String, match: String, contains: String }
"Numbers: equals/notequals/gt/gte/lt/lte."
input LongExpression {
  equals: Long, notequals: Long, gt: Long, gte: Long, lt: Long, lte: Long
}
input FloatExpression {
  equals: Float, notequals: Float, gt: Float, gte: Float, lt: Float, lte: Float
}
input BooleanExpression { equals: Boolean, notequals: Boolean }
input ChannelTypeExpression { equals: ChannelType, notequals: ChannelType }
"Cisco's skills filter sample: agentSkills: {name: {equals: ...}, intVal: {gte: ...}}."
input AgentSkillsFilter { name: StringExpression, intVal: LongExpression }

type PageInfo { hasNextPage: Boolean, endCursor: String }
type IntervalInfo { interval: IntervalType, timezone: String }
type Aggregation { name: String, value: Float }

input LegacyAggregation { field: FieldName!, type: AggregationType!, name: String! }
input LegacyAggregations { aggr: [LegacyAggregation] }
"""


def _scalar_fields(fields: tuple[Field, ...], sortable: bool) -> list[str]:
    sort = "(sort: SortOrder)" if sortable else ""
    return [f"{f.name}{sort}: {f.type}" for f in fields]


def _expressions(fields: tuple[Field, ...]) -> list[str]:
    return [f"{f.name}: {_EXPRESSION[f.type]}" for f in fields if f.filterable and f.type != "JSON"]


def _block(kind: str, name: str, lines: list[str]) -> str:
    return f"{kind} {name} {{\n  " + "\n  ".join(lines) + "\n}\n"


def _object_types() -> str:
    sdl = []
    for name, (fields, nested) in OBJECT_TYPES.items():
        outputs = _scalar_fields(fields, sortable=False)
        outputs += [f"{key}: {kind}" for key, kind in nested.items()]
        sdl.append(_block("type", name, outputs))
        filters = _expressions(fields) + [f"{key}: {kind}Filter" for key, kind in nested.items()]
        if name in COMPARABLE_OBJECTS:
            sdl.append(_block("input", f"{name}Input", [f"{f.name}: {f.type}" for f in fields]))
            filters += [f"equals: {name}Input", f"notequals: {name}Input"]
        sdl.append(_block("input", f"{name}Filter", filters))
    for kind, value_type in GLOBAL_VARIABLE_KINDS.items():
        type_name = kind[0].upper() + kind[1:-1]  # IntegerGlobalVariable
        sdl.append(_block("type", type_name, ["name: String", f"value: {value_type}"]))
        sdl.append(
            _block(
                "input",
                f"{type_name}Filter",
                ["name: StringExpression", f"value: {_EXPRESSION[value_type]}"],
            )
        )
    predicate = [f"{kind}: {kind[0].upper()}{kind[1:-1]}Filter" for kind in GLOBAL_VARIABLE_KINDS]
    sdl.append(_block("input", "GlobalVariablePredicate", predicate))
    return "".join(sdl)


def _global_variable_fields() -> list[str]:
    return [
        f"{kind}(name: String!): {kind[0].upper()}{kind[1:-1]}" for kind in GLOBAL_VARIABLE_KINDS
    ]


def _global_variable_filters() -> list[str]:
    return [f"{kind}: {kind[0].upper()}{kind[1:-1]}Filter" for kind in GLOBAL_VARIABLE_KINDS]


def _filters(name: str, lines: list[str]) -> str:
    return _block("input", name, [f"and: [{name}]", f"or: [{name}]", *lines])


def _records() -> str:
    objects = {**CSR_OBJECTS}
    task = _scalar_fields(CSR, sortable=True)
    task += [f"{key}: {kind}" for key, kind in objects.items()]
    task += [f"{key}: [{kind}]" for key, kind in CSR_LISTS.items()]
    task += ["queue: [Entity]", "activities(first: Int, after: String): TaskActivities"]
    task += _global_variable_fields()
    task += ["intervalStartTime(sort: SortOrder): Long", "aggregation: [Aggregation]"]
    task_filters = _expressions(CSR) + _expressions(CSR_FILTER_ONLY)
    task_filters += [f"{key}: {kind}Filter" for key, kind in objects.items()]
    task_filters += _global_variable_filters()

    session = _scalar_fields(ASR, sortable=False)
    session += ["channelInfo: [ChannelInfo]"]
    session += ["intervalStartTime(sort: SortOrder): Long", "aggregation: [Aggregation]"]
    session_filters = _expressions(ASR)
    session_filters += ["channelInfo: ChannelInfoFilters", "agentSkills: AgentSkillsFilter"]

    leg = _scalar_fields(CLR, sortable=True)
    leg += [f"{key}: {kind}" for key, kind in CLR_OBJECTS.items()]
    leg += _global_variable_fields()
    leg += ["intervalStartTime(sort: SortOrder): Long", "aggregation: [Aggregation]"]
    leg_filters = _expressions(CLR) + [f"{k}: {v}Filter" for k, v in CLR_OBJECTS.items()]
    leg_filters += _global_variable_filters()

    car = _scalar_fields(CAR, sortable=True)
    aar = _scalar_fields(AAR, sortable=False) + [f"{k}: {v}" for k, v in AAR_OBJECTS.items()]
    aar_filters = _expressions(AAR) + [f"{k}: {v}Filter" for k, v in AAR_OBJECTS.items()]
    channel = _scalar_fields(CHANNEL_INFO, sortable=False)
    channel += ["activities(first: Int, after: String): AgentActivities"]
    page = ["totalCount: Int", "pageInfo: PageInfo"]
    lists = ["pageInfo: PageInfo", "intervalInfo: IntervalInfo"]
    aggregation = ["field: String!", "type: AggregationType!", "name: String!"]
    return "".join(
        [
            _block("type", "Task", task),
            _block("type", "TaskActivity", car),
            _block("type", "TaskActivities", ["nodes: [TaskActivity]", *page]),
            _filters("TaskFilters", task_filters),
            _filters("TaskDetailsFilters", task_filters),
            _filters("TaskActivityFilters", _expressions(CAR)),
            _block("input", "TaskActivitiesFilter", ["nodes: TaskActivityFilters"]),
            _filters(
                "TaskDetailsSpecificFilters",
                ["activities: TaskActivitiesFilter"]
                + [f"{key}: {kind}Filter" for key, kind in CSR_LISTS.items()],
            ),
            _block("type", "AgentSession", session),
            _block("type", "ChannelInfo", channel),
            _block("type", "AgentActivity", aar),
            _block("type", "AgentActivities", ["nodes: [AgentActivity]", *page]),
            _filters("AgentSessionFilters", session_filters),
            _filters("ChannelInfoFilters", _expressions(CHANNEL_INFO)),
            _filters("AgentActivityFilters", aar_filters),
            _block("input", "AgentActivitiesFilter", ["nodes: AgentActivityFilters"]),
            _block("input", "ChannelInfoSpecificFilters", ["activities: AgentActivitiesFilter"]),
            _filters("AgentSessionSpecificFilters", ["channelInfo: ChannelInfoSpecificFilters"]),
            _block("type", "TaskLeg", leg),
            _filters("TaskLegDetailsFilters", leg_filters),
            _block("type", "TaskList", ["tasks: [Task]", *lists]),
            _block("type", "TaskDetailsList", ["tasks: [Task]", *lists]),
            _block("type", "AgentSessions", ["agentSessions: [AgentSession]", *lists]),
            _block("type", "TaskLegDetailsList", ["taskLegs: [TaskLeg]", *lists]),
            _block(
                "input",
                "TaskAggregation",
                [*aggregation, "filter: TaskFilters", "predicate: GlobalVariablePredicate"],
            ),
            _block(
                "input",
                "TaskV2Aggregation",
                [
                    *aggregation,
                    "filter: TaskDetailsFilters",
                    "extFilter: TaskDetailsSpecificFilters",
                    "predicate: GlobalVariablePredicate",
                ],
            ),
            _block(
                "input",
                "AgentSessionV2Aggregation",
                [
                    *aggregation,
                    "filter: AgentSessionFilters",
                    "extFilter: AgentSessionSpecificFilters",
                ],
            ),
            _block(
                "input",
                "TaskLegV2Aggregation",
                [
                    *aggregation,
                    "filter: TaskLegDetailsFilters",
                    "predicate: GlobalVariablePredicate",
                ],
            ),
        ]
    )


_WINDOW = "from: Long!, to: Long!"
_QUERY = f"""
type Query {{
  task(
    {_WINDOW}, timeComparator: QueryTimeType, filter: TaskFilters,
    aggregation: LegacyAggregations, aggregations: [TaskAggregation],
    aggregationInterval: IntervalData, pagination: Pagination, startTimeLookBackDays: Int
  ): TaskList
  taskDetails(
    {_WINDOW}, timeComparator: QueryTimeType, filter: TaskDetailsFilters,
    extFilter: TaskDetailsSpecificFilters, aggregation: LegacyAggregations,
    aggregations: [TaskV2Aggregation], aggregationInterval: IntervalData,
    pagination: Pagination, startTimeLookBackDays: Int
  ): TaskDetailsList
  agentSession(
    {_WINDOW}, filter: AgentSessionFilters, extFilter: AgentSessionSpecificFilters,
    aggregations: [AgentSessionV2Aggregation], aggregationInterval: IntervalData,
    pagination: Pagination
  ): AgentSessions
  taskLegDetails(
    {_WINDOW}, timeComparator: QueryTimeType, filter: TaskLegDetailsFilters,
    aggregations: [TaskLegV2Aggregation], aggregationInterval: IntervalData,
    pagination: Pagination
  ): TaskLegDetailsList
}}
"""

SEARCH_SDL = _COMMON + _object_types() + _records() + _QUERY


def _long_value(value: Any) -> int:
    if isinstance(value, bool):
        raise GraphQLError(f"Long cannot represent a boolean value: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise GraphQLError(f"Long cannot represent value: {value!r}")


def _long_literal(node: ValueNode, _variables: Any = None) -> int:
    if isinstance(node, IntValueNode | StringValueNode):
        return _long_value(node.value)
    raise GraphQLError("Long cannot represent a non-integer value.", node)


def _field_name_literal(node: ValueNode, _variables: Any = None) -> str:
    if isinstance(node, EnumValueNode | StringValueNode):
        return node.value
    raise GraphQLError("A field name is a bare name or a string.", node)


def _field_name_value(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError(f"A field name is a string, not {value!r}")
    return value


def _customise(scalar: Any, output: Any, value: Any, literal: Any) -> None:
    # graphql-core 3.3 reads the coerce_* functions; the legacy names stay in step.
    scalar.serialize = scalar.coerce_output_value = output
    scalar.parse_value = scalar.coerce_input_value = value
    scalar.parse_literal = literal
    scalar.coerce_input_literal = lambda node: literal(node)


def build_search_schema() -> GraphQLSchema:
    schema = build_schema(SEARCH_SDL)
    types = schema.type_map
    _customise(types["Long"], _long_value, _long_value, _long_literal)
    _customise(types["JSON"], lambda v: v, lambda v: v, value_from_ast_untyped)
    _customise(types["FieldName"], _field_name_value, _field_name_value, _field_name_literal)
    return schema
