"""Where reports get WxCC's history: the one place reporting builds a WxCC client, and the
reading of one local day from search.

`report_client(org)` is the only constructor of a client in reporting: its requests are
`Priority.BULK` in the integration's shared budget (wxcc.ratelimit), so they only take what
the live polls of every org leave. `HistorySearch` also paces itself below
settings.REPORTING_REQUESTS_PER_MINUTE and waits out a spent budget or a 429 rather than
failing, so a big report slows down instead of starving the live boards.

What a day is read from (docs/reports.md "Data", docs/wxcc-contract.md §2):
- tasks created in the day: a count aggregation first, so windows are split until each
  holds at most RAW_TASKS_REACHABLE rows (search pages through at most 100,000 raw CSRs),
  then raw `taskDetails` pages of each window;
- tasks created up to REPORTING_CARRY_IN_DAYS before the day that ended in it (search
  indexes tasks by creation time), so handle times land on the day they ended;
- agent sessions that started up to REPORTING_SESSION_LOOKBACK_H before the day and were
  still logged in at its start or began in it, with their activity records (AARs), paged
  per channel until they reach back before the day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from oauth.models import Organization
from wallboard.metrics import Window
from wxcc.api_types import to_epoch_ms
from wxcc.client import WxccClient
from wxcc.exceptions import WxccRateLimited, WxccUnavailable, WxccUnexpectedAnswer
from wxcc.ratelimit import Priority

from . import search_documents as docs

logger = logging.getLogger(__name__)

# Search pages through at most 100,000 raw CSRs per query (§2.2, README Restrictions 3);
# windows are split to stay below it with a margin.
RAW_TASKS_REACHABLE = 90_000
# A window is never split below this (a center does not take 90,000 contacts a minute).
MIN_SPLIT_WINDOW = timedelta(minutes=1)
# "the pagination argument can either be omitted or the cursor value can be set to NA"
# (§2.8).
FIRST_PAGE_CURSOR = "NA"
# Guard against a server that keeps answering hasNextPage.
MAX_PAGES = 2000


def report_client(org: Organization) -> WxccClient:
    """The WxCC client every report read goes through: bulk, behind every live poll."""
    return WxccClient(org, priority=Priority.BULK)


class HistoryIncomplete(WxccUnexpectedAnswer):
    """What search answered for a finished day does not add up (rows vs its own count)."""


@dataclass
class HistorySearch:
    """Search requests for reports: paced, patient with the shared budget, counted."""

    client: WxccClient
    org_id: int
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    _last_request_at: float = 0.0
    _waited_s: float = 0.0

    def graphql(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        min_gap_s = 60.0 / max(1, int(settings.REPORTING_REQUESTS_PER_MINUTE))
        max_wait_s = float(settings.REPORTING_RATE_LIMIT_MAX_WAIT_S)
        while True:
            gap_s = time.monotonic() - self._last_request_at
            if gap_s < min_gap_s:
                self.sleep(min_gap_s - gap_s)
            self._last_request_at = time.monotonic()
            self.requests += 1
            try:
                return self.client.graphql(document, variables)
            except WxccRateLimited as exc:
                wait_s = max(exc.retry_after_s, 0.05)
                if self._waited_s + wait_s > max_wait_s:
                    raise
                self._waited_s += wait_s
                logger.info(
                    "event=report_waits_for_budget org_id=%s wait_s=%.2f reason=%s",
                    self.org_id,
                    wait_s,
                    exc.reason,
                )
                self.sleep(wait_s)

    def pages(
        self, query_name: str, list_field: str, document: str, variables: Mapping[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page's rows, following `pageInfo.endCursor` until `hasNextPage` is false."""
        cursor: str | None = FIRST_PAGE_CURSOR
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            answer = self.graphql(document, {**variables, "cursor": cursor})
            block = answer.get(query_name) or {}
            yield [row for row in block.get(list_field) or [] if isinstance(row, dict)]
            page = block.get("pageInfo") or {}
            cursor = page.get("endCursor")
            if not page.get("hasNextPage") or cursor is None:
                return
            if cursor in seen:
                raise WxccUnavailable(f"{query_name} pagination repeated cursor {cursor!r}")
            seen.add(cursor)
        raise WxccUnavailable(f"{query_name} pagination exceeded {MAX_PAGES} pages")

    def count_tasks(self, start: datetime, end: datetime) -> int:
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(end)}
        rows = [
            row
            for page in self.pages("taskDetails", "tasks", docs.TASK_COUNT_DOCUMENT, variables)
            for row in page
        ]
        return docs.aggregation_value(rows, "tasks")


def split_windows(
    count: Callable[[datetime, datetime], int], start: datetime, end: datetime, limit: int
) -> list[tuple[datetime, datetime, int]]:
    """[start, end) cut in halves until each piece holds at most `limit` tasks (or is as
    short as MIN_SPLIT_WINDOW): (start, end, count) per piece, in order."""
    total = count(start, end)
    if total <= limit or end - start <= MIN_SPLIT_WINDOW:
        return [(start, end, total)]
    middle = start + (end - start) / 2
    return split_windows(count, start, middle, limit) + split_windows(count, middle, end, limit)


TaskBatch = Callable[[list[docs.FetchedTask]], None]
SpanBatch = Callable[[list[docs.FetchedSpan]], None]


@dataclass(frozen=True)
class DayRead:
    tasks: int
    spans: int
    requests: int


def read_day(
    search: HistorySearch,
    *,
    window: Window,
    now: datetime,
    final: bool,
    on_tasks: TaskBatch,
    on_spans: SpanBatch,
) -> DayRead:
    """Read one local day (`window`) page by page, handing each page's rows on as it comes.

    For a `final` (finished, settled) day the rows created in the day must match search's own
    count, else `HistoryIncomplete`: a day that does not add up is never cached.
    """
    end = min(window.end, now)
    tasks = spans = 0
    if end > window.start:
        pieces = split_windows(search.count_tasks, window.start, end, RAW_TASKS_REACHABLE)
        expected = sum(piece_count for _, _, piece_count in pieces)
        created = 0
        for piece_start, piece_end, _ in pieces:
            created += _read_tasks(search, piece_start, piece_end, None, on_tasks)
        if final and created != expected:
            raise HistoryIncomplete(
                f"search answered {created} tasks created on the day but counts {expected}"
            )
        tasks += created
    carry_in = timedelta(days=int(settings.REPORTING_CARRY_IN_DAYS))
    ended_filter = docs.ended_between_filter(to_epoch_ms(window.start), to_epoch_ms(window.end))
    tasks += _read_tasks(search, window.start - carry_in, window.start, ended_filter, on_tasks)
    spans = _read_spans(search, window=window, now=now, on_spans=on_spans)
    return DayRead(tasks=tasks, spans=spans, requests=search.requests)


def _read_tasks(
    search: HistorySearch,
    start: datetime,
    end: datetime,
    filter: Mapping[str, Any] | None,
    on_tasks: TaskBatch,
) -> int:
    if end <= start:
        return 0
    document = docs.tasks_document(filter)
    variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(end)}
    total = 0
    for rows in search.pages("taskDetails", "tasks", document, variables):
        try:
            batch = [docs.read_task(row) for row in rows]
        except docs.UnreadableRow as exc:
            raise WxccUnexpectedAnswer(str(exc)) from None
        if batch:
            on_tasks(batch)
        total += len(batch)
    return total


def _read_spans(
    search: HistorySearch, *, window: Window, now: datetime, on_spans: SpanBatch
) -> int:
    lookback = timedelta(hours=float(settings.REPORTING_SESSION_LOOKBACK_H))
    end = min(window.end, now)
    if end <= window.start - lookback:
        return 0
    variables = {"from": to_epoch_ms(window.start - lookback), "to": to_epoch_ms(end)}
    total = 0
    for rows in search.pages("agentSession", "agentSessions", docs.SESSIONS_DOCUMENT, variables):
        batch: list[docs.FetchedSpan] = []
        for row in rows:
            try:
                session = docs.read_session(row)
            except docs.UnreadableRow as exc:
                raise WxccUnexpectedAnswer(str(exc)) from None
            if session.ended_at is not None and session.ended_at < window.start:
                continue
            nodes = _session_nodes(search, row, session, window=window, variables=variables)
            spans = docs.session_spans(session, nodes, org_id=search.org_id)
            batch.extend(
                span
                for span in spans
                if span.start < window.end and (span.end is None or span.end >= window.start)
            )
        if batch:
            on_spans(batch)
        total += len(batch)
    return total


def _session_nodes(
    search: HistorySearch,
    row: Mapping[str, Any],
    session: docs.SessionInfo,
    *,
    window: Window,
    variables: Mapping[str, Any],
) -> list[docs.ActivityNode]:
    """Every activity record of the session that can touch the day, on every channel."""
    nodes: list[docs.ActivityNode] = []
    for channel in row.get("channelInfo") or []:
        if not isinstance(channel, dict):
            continue
        connection = channel.get("activities") or {}
        while True:
            page = [
                node
                for node in map(docs.read_activity, connection.get("nodes") or [])
                if node is not None
            ]
            nodes.extend(page)
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor")
            # Newest first: once a page reaches back before the day, older ones cannot touch it.
            reached_back = bool(page) and min(n.start for n in page) < window.start
            if not info.get("hasNextPage") or cursor is None or reached_back:
                break
            document = docs.session_activities_document(
                session.session_id, str(channel.get("channelType") or "")
            )
            answer = search.graphql(document, {**variables, "after": cursor})
            connection = _first_channel_activities(answer)
    return nodes


def _first_channel_activities(answer: Mapping[str, Any]) -> dict[str, Any]:
    block = answer.get("agentSession") or {}
    for session in block.get("agentSessions") or []:
        for channel in (session or {}).get("channelInfo") or []:
            if isinstance(channel, dict):
                return dict(channel.get("activities") or {})
    return {}
