"""The GraphQL schema of WxCC's search API (`POST /search`), as SDL.

Names follow docs/wxcc-contract.md section 2: queries `task`, `taskDetails`, `agentSession`;
arguments `from`/`to` (Long), `timeComparator` (QueryTimeType), `filter`, `aggregations`
(`field`, `type`, `name`, optional `filter`), `aggregationInterval` (IntervalData), `pagination`
(`cursor`); results `tasks`/`agentSessions` with `pageInfo { hasNextPage endCursor }`,
`aggregation { name value }` and `intervalStartTime`. Type names Cisco's samples show
(TaskDetailsFilters, TaskV2Aggregation, IntervalData, QueryTimeType, AgentSessionFilters,
AgentSessionV2Aggregation, TaskDetailsList, AgentSessions, Pagination) are used as given; other
type names are ours. Only fields named in the contract are served.
"""

from __future__ import annotations

from graphql import GraphQLSchema, build_schema

_TASK_FILTER_FIELDS = """
  and: [{name}]
  or: [{name}]
  id: StringExpression
  status: StringExpression
  channelType: ChannelTypeExpression
  direction: StringExpression
  origin: StringExpression
  destination: StringExpression
  createdTime: LongExpression
  endedTime: LongExpression
  isActive: BooleanExpression
  terminationType: StringExpression
  captureRequested: BooleanExpression
  owner: EntityFilter
  lastQueue: EntityFilter
  lastAgent: EntityFilter
  lastTeam: EntityFilter
  lastSite: EntityFilter
  lastEntryPoint: EntityFilter
  queueDuration: LongExpression
  connectedDuration: LongExpression
  connectedCount: LongExpression
  holdDuration: LongExpression
  wrapupDuration: LongExpression
  totalDuration: LongExpression
  ringingDuration: LongExpression
  selfserviceDuration: LongExpression
  queueCount: LongExpression
  transferCount: LongExpression
  holdCount: LongExpression
"""

SEARCH_SDL = (
    """
"Epoch milliseconds (does not fit GraphQL's 32-bit Int)."
scalar Long

enum ChannelType { telephony chat email social }

"Which timestamp `from`/`to` apply to: createdTime (default) or endedTime."
enum QueryTimeType { createdTime endedTime }

enum AggregationType { count sum average min max cardinality }

enum IntervalType { FIFTEEN_MINUTES THIRTY_MINUTES HOURLY DAILY WEEKLY MONTHLY }

input Pagination { cursor: String }

input IntervalData { interval: IntervalType!, timezone: String }

"String operators per Cisco's samples (match is a regular expression); `in` is ours."
input StringExpression {
  equals: String, notequals: String, match: String, contains: String, in: [String]
}
input LongExpression {
  equals: Long, notequals: Long, gt: Long, gte: Long, lt: Long, lte: Long, in: [Long]
}
input BooleanExpression { equals: Boolean, notequals: Boolean }
input ChannelTypeExpression { equals: ChannelType, notequals: ChannelType, in: [ChannelType] }
input EntityFilter { id: StringExpression, name: StringExpression }

input TaskFilters {"""
    + _TASK_FILTER_FIELDS.replace("{name}", "TaskFilters")
    + """}
input TaskDetailsFilters {"""
    + _TASK_FILTER_FIELDS.replace("{name}", "TaskDetailsFilters")
    + """}

input TaskAggregation { field: String!, type: AggregationType!, name: String!, filter: TaskFilters }
input TaskV2Aggregation {
  field: String!, type: AggregationType!, name: String!, filter: TaskDetailsFilters
}

input AgentSessionFilters {
  and: [AgentSessionFilters]
  or: [AgentSessionFilters]
  agentSessionId: StringExpression
  agentId: StringExpression
  agentName: StringExpression
  userLoginId: StringExpression
  state: StringExpression
  teamId: StringExpression
  teamName: StringExpression
  siteId: StringExpression
  siteName: StringExpression
  startTime: LongExpression
  endTime: LongExpression
  isActive: BooleanExpression
}

input AgentSessionV2Aggregation {
  field: String!, type: AggregationType!, name: String!, filter: AgentSessionFilters
}

type PageInfo { hasNextPage: Boolean, endCursor: String }

type Aggregation { name: String, value: Float }

type Entity { id: String, name: String }

type Task {
  id: String
  status: String
  channelType: ChannelType
  direction: String
  origin: String
  destination: String
  createdTime: Long
  endedTime: Long
  isActive: Boolean
  terminationType: String
  captureRequested: Boolean
  "The task query answers the queues as a list and the agent as owner."
  queue: [Entity]
  owner: Entity
  lastQueue: Entity
  lastAgent: Entity
  lastTeam: Entity
  lastSite: Entity
  lastEntryPoint: Entity
  queueDuration: Long
  connectedDuration: Long
  connectedCount: Long
  holdDuration: Long
  wrapupDuration: Long
  totalDuration: Long
  ringingDuration: Long
  selfserviceDuration: Long
  queueCount: Long
  transferCount: Long
  holdCount: Long
  intervalStartTime: Long
  aggregation: [Aggregation]
}

type TaskList { tasks: [Task], pageInfo: PageInfo }
type TaskDetailsList { tasks: [Task], pageInfo: PageInfo }

type ChannelInfo {
  channelId: String
  channelType: ChannelType
  subChannelType: String
  totalDuration: Long
  idleCount: Long
  idleDuration: Long
  idleCodeName: String
  availableCount: Long
  availableDuration: Long
  ringingCount: Long
  ringingDuration: Long
  connectedCount: Long
  connectedDuration: Long
  holdCount: Long
  holdDuration: Long
  wrapupCount: Long
  wrapupDuration: Long
  transferCount: Long
  notRespondedCount: Long
  notRespondedDuration: Long
}

type AgentSession {
  agentSessionId: String
  agentId: String
  agentName: String
  userLoginId: String
  state: String
  teamId: String
  teamName: String
  siteId: String
  siteName: String
  startTime: Long
  endTime: Long
  isActive: Boolean
  channelInfo: [ChannelInfo]
  intervalStartTime: Long
  aggregation: [Aggregation]
}

type AgentSessions { agentSessions: [AgentSession], pageInfo: PageInfo }

type Query {
  task(
    from: Long!, to: Long!, timeComparator: QueryTimeType, filter: TaskFilters,
    aggregations: [TaskAggregation], aggregationInterval: IntervalData, pagination: Pagination
  ): TaskList
  taskDetails(
    from: Long!, to: Long!, timeComparator: QueryTimeType, filter: TaskDetailsFilters,
    aggregations: [TaskV2Aggregation], aggregationInterval: IntervalData, pagination: Pagination
  ): TaskDetailsList
  agentSession(
    from: Long!, to: Long!, filter: AgentSessionFilters,
    aggregations: [AgentSessionV2Aggregation], aggregationInterval: IntervalData,
    pagination: Pagination
  ): AgentSessions
}
"""
)


def build_search_schema() -> GraphQLSchema:
    return build_schema(SEARCH_SDL)
