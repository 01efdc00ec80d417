"""The GraphQL search documents reporting sends and the reading of their rows.

Pure: strings in, frozen dataclasses out; no network. Field and argument names follow
docs/wxcc-contract.md §2.3-2.8 (CSR, ASR and AAR data dictionaries); times are epoch ms,
open records end at -1. Filters are written inline, as `wxcc.search_queries` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wallboard.metrics import AgentState
from wxcc import vocabulary
from wxcc.api_types import from_epoch_ms
from wxcc.search_queries import Enum, graphql_literal

# AAR inner pagination: "the maximum supported value is 100" (§2.8 Inner pagination).
ACTIVITIES_PAGE_SIZE = 100

TASK_FIELDS = (
    "id channelType direction origin createdTime endedTime isActive status "
    "contactHandleType terminationType abandonedType terminatingEnd "
    "lastQueue { id name } owner { id name } lastTeam { id name } "
    "queueDuration selfserviceDuration ringingDuration connectedDuration holdDuration "
    "wrapupDuration transferCount"
)

_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_ACTIVITY_NODE = "id startTime endTime state idleCode { id name }"


def tasks_document(filter: Mapping[str, Any] | None = None) -> str:
    """Raw `taskDetails` rows created in [$from, $to) (one page per $cursor)."""
    args = [
        "from: $from",
        "to: $to",
        "timeComparator: createdTime",
        "pagination: {cursor: $cursor}",
    ]
    if filter:
        args.append(f"filter: {graphql_literal(filter)}")
    return (
        "query ReportTasks($from: Long!, $to: Long!, $cursor: String) {"
        f" taskDetails({', '.join(args)}) {{ tasks {{ {TASK_FIELDS} }} {_PAGE_INFO} }} }}"
    )


def ended_between_filter(start_ms: int, end_ms: int) -> dict[str, Any]:
    """Tasks that ended in [start, end): open tasks end at -1 and fall outside."""
    return {"and": [{"endedTime": {"gte": start_ms}}, {"endedTime": {"lt": end_ms}}]}


# How many tasks were created in [$from, $to): one ungrouped aggregation (§2.3).
_COUNT = [{"field": "id", "type": Enum("count"), "name": "tasks"}]
TASK_COUNT_DOCUMENT = (
    "query ReportTaskCount($from: Long!, $to: Long!, $cursor: String) {"
    " taskDetails(from: $from, to: $to, timeComparator: createdTime,"
    f" aggregations: {graphql_literal(_COUNT)}, pagination: {{cursor: $cursor}}) {{"
    f" tasks {{ aggregation {{ name value }} }} {_PAGE_INFO} }} }}"
)

_SESSION_FIELDS = (
    "agentSessionId agentId agentName teamId teamName startTime endTime isActive "
    "channelInfo { channelType activities(first: "
    f"{ACTIVITIES_PAGE_SIZE}) {{ nodes {{ {_ACTIVITY_NODE} }} {_PAGE_INFO} }} }}"
)

# Sessions that started in [$from, $to) (agentSession compares on startTime, §2.3), each
# with the first page of its activity records per channel, newest first.
SESSIONS_DOCUMENT = (
    "query ReportSessions($from: Long!, $to: Long!, $cursor: String) {"
    " agentSession(from: $from, to: $to, pagination: {cursor: $cursor}) {"
    f" agentSessions {{ {_SESSION_FIELDS} }} {_PAGE_INFO} }} }}"
)


def session_activities_document(session_id: str, channel_type: str) -> str:
    """The next page ($after) of one session's activity records on one channel. A condition
    on `channelInfo` narrows the list answered to that channel (§2.3)."""
    condition = {
        "and": [
            {"agentSessionId": {"equals": session_id}},
            {"channelInfo": {"channelType": {"equals": channel_type}}},
        ]
    }
    return (
        "query ReportSessionActivities($from: Long!, $to: Long!, $after: String) {"
        f" agentSession(from: $from, to: $to, filter: {graphql_literal(condition)}) {{"
        " agentSessions { agentSessionId channelInfo { channelType"
        f" activities(first: {ACTIVITIES_PAGE_SIZE}, after: $after) {{"
        f" nodes {{ {_ACTIVITY_NODE} }} {_PAGE_INFO} }} }} }} }} }}"
    )


# --- reading rows ----------------------------------------------------------------------------


class UnreadableRow(ValueError):
    """A search row without what every row must have (id, times)."""


@dataclass(frozen=True, slots=True)
class FetchedTask:
    """One CSR as reports keep it. Milestones not in the CSR are derived from its durations:
    queued = created + self-service; answered = queued + queue + ringing (docs/reports.md)."""

    wxcc_id: str
    channel_type: str
    direction: str
    origin: str
    queue_id: str
    queue_name: str
    agent_id: str
    agent_name: str
    team_id: str
    team_name: str
    created_at: datetime
    arrived_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    is_open: bool
    handle_type: str
    termination_type: str
    abandoned_type: str
    terminating_end: str
    queue_ms: int | None
    talk_ms: int | None
    hold_ms: int | None
    wrapup_ms: int | None
    transfer_count: int


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _ms(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return None


def _entity(raw: Any) -> tuple[str, str]:
    if not isinstance(raw, dict) or not raw.get("id"):
        return "", ""
    return str(raw["id"]), _text(raw.get("name"))


def read_task(raw: Mapping[str, Any]) -> FetchedTask:
    created = from_epoch_ms(raw.get("createdTime"))
    if created is None or not raw.get("id"):
        raise UnreadableRow("task row without id or createdTime")
    queue_id, queue_name = _entity(raw.get("lastQueue"))
    agent_id, agent_name = _entity(raw.get("owner"))
    team_id, team_name = _entity(raw.get("lastTeam"))
    is_open = bool(raw.get("isActive"))
    ended = None if is_open else from_epoch_ms(raw.get("endedTime"))
    selfservice_ms = _ms(raw.get("selfserviceDuration")) or 0
    queue_ms = _ms(raw.get("queueDuration"))
    talk_ms = _ms(raw.get("connectedDuration"))
    arrived = created + timedelta(milliseconds=selfservice_ms) if queue_id else created
    answered = None
    if agent_id and (talk_ms or 0) > 0:
        ringing_ms = _ms(raw.get("ringingDuration")) or 0
        answered = arrived + timedelta(milliseconds=(queue_ms or 0) + ringing_ms)
        if ended is not None and answered > ended:
            answered = ended
    if ended is not None and arrived > ended:
        arrived = ended
    return FetchedTask(
        wxcc_id=str(raw["id"]),
        channel_type=_text(raw.get("channelType")),
        direction=_text(raw.get("direction")),
        origin=_text(raw.get("origin"))[:200],
        queue_id=queue_id,
        queue_name=queue_name,
        agent_id=agent_id,
        agent_name=agent_name,
        team_id=team_id,
        team_name=team_name,
        created_at=created,
        arrived_at=arrived,
        answered_at=answered,
        ended_at=ended,
        is_open=is_open,
        handle_type=_text(raw.get("contactHandleType")).lower(),
        termination_type=_text(raw.get("terminationType")),
        abandoned_type=_text(raw.get("abandonedType")),
        terminating_end=_text(raw.get("terminatingEnd")),
        queue_ms=queue_ms,
        talk_ms=talk_ms,
        hold_ms=_ms(raw.get("holdDuration")),
        wrapup_ms=_ms(raw.get("wrapupDuration")),
        transfer_count=_ms(raw.get("transferCount")) or 0,
    )


def aggregation_value(rows: Iterable[Mapping[str, Any]], name: str) -> int:
    """The sum of one named aggregation over the rows answered (values are JSON floats)."""
    total = 0.0
    for row in rows:
        for item in row.get("aggregation") or []:
            if isinstance(item, dict) and item.get("name") == name:
                total += float(item.get("value") or 0)
    return round(total)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    session_id: str
    agent_id: str
    agent_name: str
    team_id: str
    team_name: str
    started_at: datetime
    ended_at: datetime | None


def read_session(raw: Mapping[str, Any]) -> SessionInfo:
    started = from_epoch_ms(raw.get("startTime"))
    if started is None or not raw.get("agentId"):
        raise UnreadableRow("agent session row without agentId or startTime")
    ended = None if raw.get("isActive") else from_epoch_ms(raw.get("endTime"))
    return SessionInfo(
        session_id=_text(raw.get("agentSessionId")),
        agent_id=str(raw["agentId"]),
        agent_name=_text(raw.get("agentName")),
        team_id=_text(raw.get("teamId")),
        team_name=_text(raw.get("teamName")),
        started_at=started,
        ended_at=ended,
    )


@dataclass(frozen=True, slots=True)
class ActivityNode:
    """One AAR: the agent in one state from start to end (None while it lasts)."""

    start: datetime
    end: datetime | None
    wxcc_state: str
    idle_code: str


def read_activity(raw: Mapping[str, Any]) -> ActivityNode | None:
    start = from_epoch_ms(raw.get("startTime"))
    if start is None:
        return None
    code = raw.get("idleCode")
    return ActivityNode(
        start=start,
        end=from_epoch_ms(raw.get("endTime")),
        wxcc_state=_text(raw.get("state")),
        idle_code=_text(code.get("name")) if isinstance(code, dict) else "",
    )


@dataclass(frozen=True, slots=True)
class FetchedSpan:
    agent_id: str
    agent_name: str
    team_id: str
    team_name: str
    session_id: str
    state: AgentState
    wxcc_state: str
    idle_code: str
    start: datetime
    end: datetime | None


def session_spans(
    session: SessionInfo, nodes: Iterable[ActivityNode], *, org_id: object = None
) -> list[FetchedSpan]:
    """One agent timeline from a session's activity records on all its channels.

    Agent-level states (available, idle) appear on every channel, so nodes are deduplicated
    on (start, state); each span ends no later than the next one starts, so time is never
    counted twice. Words that name no state (wrapup-done, unknown words) are left out.
    """
    unique: dict[tuple[datetime, str, str], ActivityNode] = {}
    for node in nodes:
        unique.setdefault((node.start, vocabulary.normalise(node.wxcc_state), node.idle_code), node)
    ordered = sorted(unique.values(), key=lambda n: (n.start, n.end is None, n.end))
    spans: list[FetchedSpan] = []
    for position, node in enumerate(ordered):
        word = vocabulary.agent_word(node.wxcc_state, org_id=org_id)
        if word is None or word.state is None:
            continue
        end = node.end
        following = ordered[position + 1].start if position + 1 < len(ordered) else None
        if following is not None and (end is None or following < end):
            end = max(following, node.start)
        state = AgentState(word.state.value)
        idle_code = (node.idle_code or word.system_idle_code) if state is AgentState.IDLE else ""
        spans.append(
            FetchedSpan(
                agent_id=session.agent_id,
                agent_name=session.agent_name,
                team_id=session.team_id,
                team_name=session.team_name,
                session_id=session.session_id,
                state=state,
                wxcc_state=node.wxcc_state[:32],
                idle_code=idle_code[:100],
                start=node.start,
                end=end,
            )
        )
    return spans
