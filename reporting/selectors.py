"""Reads of the reporting cache: the metric engine's inputs, streamed from PostgreSQL.

A task or span that lasts past midnight is in more than one day's fetch; each is read once,
from the newest fetch (no newer read of it exists: one rule in SQL). PostgreSQL tests only the
few rows read more than once, so the rest stream in an index's order; the SQLite demo tests
every row. Everything is streamed through a server-side cursor on PostgreSQL so a month of a
large center never sits in memory. Lists that are only written out (the abandoned
list) are read as plain rows in chunks, with psycopg's own C loaders.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from oauth.models import Organization
from wallboard.metrics import (
    AgentState,
    AgentStateSpan,
    MetricsConfig,
    Window,
)
from wallboard.metrics.columns import (
    HANDLE_TYPE_CODES,
    NO_HANDLE_TYPE,
    ContactColumns,
    build_columns,
    seconds_to_us,
)
from wallboard.selectors import EpochSeconds
from wxcc.models import Queue

from .models import DayFetch, ReportStateSpan, ReportTask

STREAM_CHUNK = 5000
# Rows per fetch of a plain-row list: 10,000 cost 20 MB more peak memory than 2,000 and were
# no faster.
ROW_CHUNK = 2_000
READ_AHEAD = 2  # chunks of a plain-row list read while the caller works on one

# A cached task as the metrics engine reads it; times as epoch seconds (see contact_columns_of).
_CONTACT_EPOCHS = {
    f"{name}_epoch_s": EpochSeconds(F(name))
    for name in ("arrived_at", "answered_at", "ended_at", "created_at")
}
_CONTACT_FIELDS = (
    "wxcc_id",
    "queue_id",
    "agent_id",
    "team_id",
    "channel_type",
    "arrived_at_epoch_s",
    "answered_at_epoch_s",
    "ended_at_epoch_s",
    "handle_type",
    "created_at_epoch_s",
    "queue_ms",
    "talk_ms",
    "hold_ms",
    "wrapup_ms",
    "transfer_count",
    "is_open",
)


def _read_order(fetch_ids: Sequence[int]) -> Case:
    """Each fetch's place among `fetch_ids`: the later finished, then the later day, reads
    newer. An unfinished fetch has none (NULL), so its rows are neither newer nor older than
    any other, as SQL's comparisons with its NULL finish time had it. Numbered here from the
    few fetches, so the per-row test below needs no join to the fetches."""
    fetches = list(
        DayFetch.objects.filter(pk__in=fetch_ids).values_list("pk", "finished_at", "day")
    )
    places = sorted({(finished, day) for _, finished, day in fetches if finished is not None})
    place = {key: position for position, key in enumerate(places)}
    whens = [
        When(fetch_id=pk, then=Value(place[(finished, day)]))
        for pk, finished, day in fetches
        if finished is not None
    ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _read_later() -> Q:
    """A row read after the outer one: a later fetch, then a later day, then a later row."""
    order = OuterRef("read_order")
    return Q(read_order__gt=order) | Q(read_order=order, pk__gt=OuterRef("pk"))


_Read = TypeVar("_Read", ReportTask, ReportStateSpan)


class _AnyOf(Func):
    """`column = ANY(values)` (PostgreSQL): the values as one array parameter, where `__in`
    makes one parameter each (at most 65,535 to a query). The array has the column's type:
    PostgreSQL looks a value up in a hash of the array only when both sides are one type
    (psycopg sends small numbers as int4), else it scans the whole array for every row."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s::%(array_type)s))"
    output_field = BooleanField()

    def __init__(self, column: str, values: list[Any], *, array_type: str) -> None:
        super().__init__(F(column), Value(values), array_type=array_type)


def _latest(
    model: type[_Read], fetch_ids: Sequence[int], *, same: tuple[str, ...]
) -> QuerySet[_Read]:
    """The newest read of each row of these fetches, rows being the same when their `same`
    fields are equal."""
    order = _read_order(fetch_ids)
    reads = model.objects.filter(fetch_id__in=fetch_ids)
    newer = (
        model.objects.filter(fetch_id__in=fetch_ids, **{name: OuterRef(name) for name in same})
        .alias(read_order=order)
        .filter(_read_later())
    )
    if connections[reads.db].vendor != "postgresql":
        return reads.alias(read_order=order).filter(~Exists(newer))
    # Only a row read more than once can have a newer read, and few are (a task is read by
    # two days when it spans midnight): their first `same` fields are found in one pass over
    # the fetches' rows, and only rows with those are tested for a newer read. The rest then
    # need no anti-join, so a list streams in an index's order instead of waiting for every
    # row to be joined and sorted. (Two queries: given them as one, PostgreSQL planned the
    # pass over again in each parallel worker.)
    first = same[0]
    read_twice = sorted(
        set(
            reads.values(*same)
            .annotate(reads=Count("pk"))
            .filter(reads__gt=1)
            .values_list(first, flat=True)
        )
    )
    if not read_twice:
        return reads
    superseded = list(
        reads.filter(_AnyOf(first, read_twice, array_type="text[]"))
        .alias(read_order=order)
        .filter(Exists(newer))
        .values_list("pk", flat=True)
    )
    return reads.exclude(_AnyOf("pk", superseded, array_type="bigint[]")) if superseded else reads


def _latest_tasks(fetch_ids: Sequence[int]) -> QuerySet[ReportTask]:
    return _latest(ReportTask, fetch_ids, same=("wxcc_id",))


def _latest_spans(fetch_ids: Sequence[int]) -> QuerySet[ReportStateSpan]:
    return _latest(ReportStateSpan, fetch_ids, same=("agent_id", "start", "state"))


def contact_columns_of(fetch_ids: Sequence[int]) -> ContactColumns:
    """Every cached task of the fetches, newest read of each, as the metrics engine's
    contacts in columns. One query.

    A 30-day report reads a hundred thousand tasks or more: their times load as epoch
    seconds (floats, no timestamp parsed per value) and go into the columns whole, with no
    object per task. History has nobody waiting: an open contact's wait is live data, not a
    report's."""
    rows = list(_latest_tasks(fetch_ids).annotate(**_CONTACT_EPOCHS).values_list(*_CONTACT_FIELDS))
    (
        wxcc_ids,
        queue_ids,
        agent_ids,
        team_ids,
        channel_types,
        arrived_s,
        answered_s,
        ended_s,
        handle_types,
        created_s,
        queue_ms,
        talk_ms,
        hold_ms,
        wrapup_ms,
        transfer_counts,
        is_open,
    ) = zip(*rows, strict=True) if rows else ((),) * len(_CONTACT_FIELDS)
    return build_columns(
        ids=wxcc_ids,
        channel_types=channel_types,
        # The cache keeps WxCC's ids as text, "" for none.
        queue_ids=[q or None for q in queue_ids],
        team_ids=[t or None for t in team_ids],
        agent_ids=[a or None for a in agent_ids],
        arrived_us=seconds_to_us(arrived_s),
        answered_us=seconds_to_us(answered_s),
        ended_us=seconds_to_us(ended_s),
        created_us=seconds_to_us(created_s),
        handle_types=[HANDLE_TYPE_CODES.get(h, NO_HANDLE_TYPE) for h in handle_types],
        queue_ms=queue_ms,
        talk_ms=talk_ms,
        hold_ms=hold_ms,
        wrapup_ms=wrapup_ms,
        transfer_counts=transfer_counts,
        is_open=is_open,
        is_waiting=[False] * len(rows),
    )


def iter_spans(fetch_ids: Sequence[int]) -> Iterator[AgentStateSpan]:
    rows = _latest_spans(fetch_ids).values_list("agent_id", "state", "start", "end", "idle_code")
    for agent_id, state, start, end, idle_code in rows.iterator(chunk_size=STREAM_CHUNK):
        yield AgentStateSpan(agent_id, AgentState(state), start, end, idle_code)


# A task of the abandoned list as a plain row: first what the metrics decide its outcome and
# wait from (wallboard.metrics.contacts.WaitFacts; times as epoch seconds, which load as
# plain floats and go into the rule's columns without a conversion per value), then what
# the list shows of it.
_FACT_EPOCHS = {
    f"{name}_epoch_s": EpochSeconds(F(name))
    for name in ("answered_at", "arrived_at", "created_at", "ended_at")
}
TASK_LIST_FIELDS = (
    "handle_type",
    "answered_at_epoch_s",
    "is_open",
    "arrived_at_epoch_s",
    "created_at_epoch_s",
    "ended_at_epoch_s",
    "queue_ms",
    "arrived_at",
    "ended_at",
    "queue_id",
    "queue_name",
    "channel_type",
    "origin",
    "abandoned_type",
    "terminating_end",
    "wxcc_id",
)
WAIT_FACT_COUNT = 7


def task_row_chunks_arrived(
    fetch_ids: Sequence[int], window: Window
) -> Iterator[list[tuple[Any, ...]]]:
    """Tasks that reached a queue in `window`, newest read of each, in arrival order, as
    chunks of plain rows of TASK_LIST_FIELDS."""
    rows = (
        _latest_tasks(fetch_ids)
        .filter(arrived_at__gte=window.start, arrived_at__lt=window.end)
        .exclude(queue_id="")
        .order_by("arrived_at", "wxcc_id")
        .annotate(**_FACT_EPOCHS)
        .values_list(*TASK_LIST_FIELDS)
    )
    return _row_chunks(rows, ROW_CHUNK)


def _row_chunks(rows: QuerySet[Any], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """A values_list queryset's rows in lists of up to `size`.

    On PostgreSQL through a psycopg server-side cursor of its own inside a transaction (so
    rows stream rather than the whole result being kept at the first commit, as a WITH HOLD
    cursor in autocommit would), in binary with psycopg's C loaders rather than Django's
    Python timestamp loader, which costs more per timestamp than the rest of a row. Aware
    datetimes either way, in UTC.
    """
    db = connections[rows.db]
    if db.vendor != "postgresql":
        chunk: list[tuple[Any, ...]] = []
        for row in rows.iterator(chunk_size=size):
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with transaction.atomic(using=rows.db):
        db.ensure_connection()
        raw = db.connection
        cursor_name = f"report-rows-{uuid.uuid4().hex}"
        # Binary rows: Django replaces only the text timestamptz loader (with one in Python),
        # so timestamps load through psycopg's C binary loader, and nothing is parsed.
        with (
            raw.cursor(name=cursor_name, withhold=False, binary=True) as cursor,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-rows") as reader,
        ):
            cursor.itersize = size
            cursor.execute(sql, params)
            # Chunks read ahead while the caller works on this one: PostgreSQL finds the next
            # rows on its own core meanwhile (psycopg waits for them without the GIL). Two
            # ahead, so the reader asks for more as soon as it has a chunk, not when the
            # caller takes one: a million-row list took 20% less time than with one ahead,
            # which was no faster than none.
            pending = deque(reader.submit(cursor.fetchmany, size) for _ in range(READ_AHEAD))
            while chunk := pending.popleft().result():
                pending.append(reader.submit(cursor.fetchmany, size))
                yield chunk


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
