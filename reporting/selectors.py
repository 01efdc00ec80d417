"""Reads of the reporting cache: the metric engine's inputs, streamed from PostgreSQL.

A task or span that lasts past midnight is in more than one day's fetch; each is read once,
from the newest fetch (no newer read of it exists: portable SQL, so the SQLite demo works as
PostgreSQL does), and everything is streamed through a server-side cursor on PostgreSQL so a
month of a large center never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from oauth.models import Organization
from wallboard.metrics import (
    AgentState,
    AgentStateSpan,
    Contact,
    HandleType,
    MetricsConfig,
    Window,
)
from wxcc.models import Queue

from .models import ReportStateSpan, ReportTask

STREAM_CHUNK = 5000

_HANDLE_TYPES = {member.value: member for member in HandleType}

_CONTACT_FIELDS = (
    "wxcc_id",
    "queue_id",
    "agent_id",
    "team_id",
    "channel_type",
    "arrived_at",
    "answered_at",
    "ended_at",
    "handle_type",
    "created_at",
    "queue_ms",
    "talk_ms",
    "hold_ms",
    "wrapup_ms",
    "transfer_count",
    "is_open",
)


def _read_later() -> Q:
    """A row read after the outer one: a later fetch, then a later day, then a later row."""
    finished = OuterRef("fetch__finished_at")
    day = OuterRef("fetch__day")
    return (
        Q(fetch__finished_at__gt=finished)
        | Q(fetch__finished_at=finished, fetch__day__gt=day)
        | Q(fetch__finished_at=finished, fetch__day=day, pk__gt=OuterRef("pk"))
    )


def _latest_tasks(fetch_ids: Sequence[int]) -> QuerySet[ReportTask]:
    newer = ReportTask.objects.filter(fetch_id__in=fetch_ids, wxcc_id=OuterRef("wxcc_id")).filter(
        _read_later()
    )
    return ReportTask.objects.filter(fetch_id__in=fetch_ids).filter(~Exists(newer))


def _latest_spans(fetch_ids: Sequence[int]) -> QuerySet[ReportStateSpan]:
    newer = ReportStateSpan.objects.filter(
        fetch_id__in=fetch_ids,
        agent_id=OuterRef("agent_id"),
        start=OuterRef("start"),
        state=OuterRef("state"),
    ).filter(_read_later())
    return ReportStateSpan.objects.filter(fetch_id__in=fetch_ids).filter(~Exists(newer))


def contact_from_row(row: tuple[object, ...]) -> Contact:
    (
        wxcc_id,
        queue_id,
        agent_id,
        team_id,
        channel_type,
        arrived_at,
        answered_at,
        ended_at,
        handle_type,
        created_at,
        queue_ms,
        talk_ms,
        hold_ms,
        wrapup_ms,
        transfer_count,
        is_open,
    ) = row
    return Contact(
        id=str(wxcc_id),
        queue_id=str(queue_id) or None,
        agent_id=str(agent_id) or None,
        team_id=str(team_id) or None,
        channel_type=str(channel_type),
        arrived_at=arrived_at,  # type: ignore[arg-type]
        answered_at=answered_at,  # type: ignore[arg-type]
        ended_at=ended_at,  # type: ignore[arg-type]
        handle_type=_HANDLE_TYPES.get(str(handle_type)),
        created_at=created_at,  # type: ignore[arg-type]
        queue_ms=queue_ms,  # type: ignore[arg-type]
        talk_ms=talk_ms,  # type: ignore[arg-type]
        hold_ms=hold_ms,  # type: ignore[arg-type]
        wrapup_ms=wrapup_ms,  # type: ignore[arg-type]
        transfer_count=int(transfer_count),  # type: ignore[call-overload]
        is_open=bool(is_open),
        # History has nobody waiting: an open contact's wait is live data, not a report's.
        is_waiting=False,
    )


def iter_contacts(fetch_ids: Sequence[int]) -> Iterator[Contact]:
    """Every cached task of the fetches, newest read of each, as metric inputs."""
    rows = _latest_tasks(fetch_ids).values_list(*_CONTACT_FIELDS)
    for row in rows.iterator(chunk_size=STREAM_CHUNK):
        yield contact_from_row(row)


def iter_spans(fetch_ids: Sequence[int]) -> Iterator[AgentStateSpan]:
    rows = _latest_spans(fetch_ids).values_list("agent_id", "state", "start", "end", "idle_code")
    for agent_id, state, start, end, idle_code in rows.iterator(chunk_size=STREAM_CHUNK):
        yield AgentStateSpan(agent_id, AgentState(state), start, end, idle_code)


@dataclass(frozen=True, slots=True)
class AbandonedRow:
    wxcc_id: str
    queue_id: str
    queue_name: str
    channel_type: str
    origin: str
    arrived_at: datetime
    ended_at: datetime | None
    handle_type: str
    abandoned_type: str
    terminating_end: str
    contact: Contact


def iter_tasks_arrived(fetch_ids: Sequence[int], window: Window) -> Iterator[AbandonedRow]:
    """Tasks that reached a queue in `window`, in arrival order (for the abandoned list)."""
    rows = (
        _latest_tasks(fetch_ids)
        .filter(arrived_at__gte=window.start, arrived_at__lt=window.end)
        .exclude(queue_id="")
        .order_by("arrived_at", "wxcc_id")
        .values_list(
            *_CONTACT_FIELDS,
            "queue_name",
            "origin",
            "abandoned_type",
            "terminating_end",
        )
    )
    width = len(_CONTACT_FIELDS)
    for row in rows.iterator(chunk_size=STREAM_CHUNK):
        contact = contact_from_row(row[:width])
        queue_name, origin, abandoned_type, terminating_end = row[width:]
        yield AbandonedRow(
            wxcc_id=contact.id,
            queue_id=contact.queue_id or "",
            queue_name=str(queue_name),
            channel_type=contact.channel_type,
            origin=str(origin),
            arrived_at=contact.arrived_at,
            ended_at=contact.ended_at,
            handle_type=str(row[_CONTACT_FIELDS.index("handle_type")]),
            abandoned_type=str(abandoned_type),
            terminating_end=str(terminating_end),
            contact=contact,
        )


@dataclass(frozen=True, slots=True)
class SpanRow:
    agent_id: str
    agent_name: str
    team_name: str
    state: str
    wxcc_state: str
    idle_code: str
    start: datetime
    end: datetime | None


def iter_span_rows(fetch_ids: Sequence[int], window: Window) -> Iterator[SpanRow]:
    """State spans touching `window`, by agent then time (for the state timeline)."""
    rows = (
        _latest_spans(fetch_ids)
        .filter(start__lt=window.end)
        .exclude(end__lt=window.start)
        .order_by("agent_name", "agent_id", "start", F("end").asc(nulls_last=True), "state")
        .values_list(
            "agent_id",
            "agent_name",
            "team_name",
            "state",
            "wxcc_state",
            "idle_code",
            "start",
            "end",
        )
    )
    for row in rows.iterator(chunk_size=STREAM_CHUNK):
        yield SpanRow(*row)


@dataclass(frozen=True)
class Names:
    """Display names of the ids a report shows (WxCC's names as search gave them)."""

    queues: dict[str, str]
    agents: dict[str, str]
    agent_teams: dict[str, str]

    def queue(self, queue_id: str) -> str:
        return self.queues.get(queue_id) or queue_id

    def agent(self, agent_id: str) -> str:
        return self.agents.get(agent_id) or agent_id


def names(org: Organization, fetch_ids: Sequence[int]) -> Names:
    queues = dict(
        Queue.objects.filter(organization=org).exclude(name="").values_list("wxcc_id", "name")
    )
    task_rows = ReportTask.objects.filter(fetch_id__in=fetch_ids)
    for queue_id, name in (
        task_rows.exclude(queue_id="").values_list("queue_id", "queue_name").distinct()
    ):
        if name:
            queues[queue_id] = name
    agents: dict[str, str] = {}
    agent_teams: dict[str, str] = {}
    for agent_id, name, team in (
        task_rows.exclude(agent_id="").values_list("agent_id", "agent_name", "team_name").distinct()
    ):
        agents[agent_id] = name or agents.get(agent_id, "")
        agent_teams[agent_id] = team or agent_teams.get(agent_id, "")
    for agent_id, name, team in (
        ReportStateSpan.objects.filter(fetch_id__in=fetch_ids)
        .values_list("agent_id", "agent_name", "team_name")
        .distinct()
    ):
        agents[agent_id] = name or agents.get(agent_id, "")
        agent_teams[agent_id] = team or agent_teams.get(agent_id, "")
    return Names(queues=queues, agents=agents, agent_teams=agent_teams)


def metrics_config(org: Organization) -> MetricsConfig:
    """The org's counting rules: each queue's service-level threshold where WxCC told us."""
    thresholds = {
        wxcc_id: float(seconds)
        for wxcc_id, seconds in Queue.objects.filter(
            organization=org, service_level_threshold_s__isnull=False
        ).values_list("wxcc_id", "service_level_threshold_s")
        if seconds is not None
    }
    return MetricsConfig(queue_service_level_threshold_s=thresholds)
