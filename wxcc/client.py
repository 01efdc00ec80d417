"""The WxCC API client for one org: GraphQL search through gql over httpx, REST through httpx.

Every request first takes a token from the org's shared budget (`wxcc.ratelimit`) and waits
out a block left by a 429. Network errors and 5xx are retried with full-jitter exponential
back-off; a 429 blocks the org in Redis for `Retry-After` and raises `WxccRateLimited` so the
poll cycle stops at once. Other 4xx raise `WxccBadRequest` with WxCC's parsed error body.
Results are typed (`wxcc.api_types`). Authentication, refresh-on-401 and the regional root
come from `oauth.client`.

Endpoints, parameters and field names follow docs/wxcc-contract.md (§1.2, §2, §3).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.utils import timezone
from gql import Client as GqlClient
from gql import GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXTransport

from oauth.client import wxcc_auth, wxcc_client
from oauth.exceptions import OAuthError
from oauth.models import Organization
from oauth.regions import api_root
from wxcc import ratelimit
from wxcc import search_queries as queries
from wxcc.api_types import (
    AgentActivityRecord,
    AgentSessionRecord,
    AgentStatistics,
    QueueAggregate,
    QueueStatistics,
    Subscription,
    TaskRecord,
    to_epoch_ms,
)
from wxcc.exceptions import (
    WxccBadRequest,
    WxccRateLimited,
    WxccUnavailable,
    WxccUnexpectedAnswer,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Agent Activities: pageSize 1..1000 (§3.3); statistics windows must stay under 24 h.
ACTIVITIES_PAGE_SIZE = 1000
STATISTICS_MAX_WINDOW = timedelta(hours=24) - timedelta(minutes=15)
# Guard against a server that keeps answering hasNextPage with the same cursor.
MAX_PAGES = 1000


def backoff_s(attempt: int, base_s: float, cap_s: float = 10.0) -> float:
    """Full-jitter exponential back-off before retry number `attempt` (1-based)."""
    return random.uniform(0, min(cap_s, base_s * 2 ** (attempt - 1)))  # noqa: S311


def _error_details(response: httpx.Response) -> tuple[str, tuple[str, ...], str]:
    """(key, descriptions, trackingId) from WxCC's error body; `key` is int on the
    subscriptions API and str on search/statistics, so it is normalised to str."""
    try:
        body = response.json()
    except ValueError:
        return "", (), ""
    if not isinstance(body, dict):
        return "", (), ""
    error = body.get("error")
    key = ""
    descriptions: tuple[str, ...] = ()
    if isinstance(error, dict):
        raw_key = error.get("key")
        key = "" if raw_key is None or isinstance(raw_key, bool) else str(raw_key)
        messages = error.get("message")
        if isinstance(messages, list):
            descriptions = tuple(
                str(m.get("description", ""))[:200] for m in messages if isinstance(m, dict)
            )
    elif isinstance(body.get("errors"), list):
        descriptions = tuple(
            str(e.get("message", ""))[:200] for e in body["errors"] if isinstance(e, dict)
        )
    return key, descriptions, str(body.get("trackingId") or "")


def parse_all(parse: Callable[[dict[str, Any]], R], rows: Iterable[dict[str, Any]]) -> list[R]:
    """Parse every row, turning a malformed one into `WxccUnexpectedAnswer`."""
    try:
        return [parse(row) for row in rows]
    except (KeyError, TypeError, ValueError) as exc:
        raise WxccUnexpectedAnswer(f"unreadable record: {type(exc).__name__}: {exc}") from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise WxccUnexpectedAnswer(f"HTTP {response.status_code} body is not JSON") from None
    if not isinstance(body, dict):
        raise WxccUnexpectedAnswer(f"HTTP {response.status_code} body is not a JSON object")
    return body


class WxccClient:
    """One org's WxCC API session; use as a context manager (it holds connections)."""

    def __init__(
        self,
        org: Organization,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int | None = None,
    ) -> None:
        if not org.webex_org_id:
            raise WxccBadRequest(None, key="no_org_id", descriptions=("org has no WxCC org id",))
        self.org = org
        self.org_id = org.webex_org_id
        self._sleep = sleep
        self._max_attempts = max_attempts or int(settings.WXCC_HTTP_MAX_ATTEMPTS)
        timeout = httpx.Timeout(float(settings.WXCC_HTTP_TIMEOUT_S), connect=5.0)
        self._http = wxcc_client(org, timeout=timeout)
        self._transport = HTTPXTransport(
            url=f"{api_root(org.region)}/search?orgId={self.org_id}",
            auth=wxcc_auth(org),
            timeout=timeout,
            headers={"Accept": "application/json"},
        )
        self._gql = GqlClient(transport=self._transport, execute_timeout=None)
        self._session: Any = None
        self.requests_made = 0

    def __enter__(self) -> WxccClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        if self._session is not None:
            self._gql.close_sync()
            self._session = None

    # --- the retry loop ------------------------------------------------------------------

    def _take_budget(self) -> None:
        """Wait for the org's shared budget; raise if blocked or the wait is too long."""
        max_wait_s = float(settings.WXCC_BUDGET_MAX_WAIT_S)
        while True:
            until = ratelimit.blocked_until(self.org.pk, timezone.now())
            if until is not None:
                remaining_s = (until - timezone.now()).total_seconds()
                raise WxccRateLimited(max(remaining_s, 0.001), reason="org blocked after a 429")
            wait_s = ratelimit.take_token(self.org.pk)
            if wait_s <= 0:
                return
            if wait_s > max_wait_s:
                raise WxccRateLimited(wait_s, reason="shared request budget spent")
            self._sleep(wait_s)

    def _rate_limited(self, headers: Mapping[str, str] | None, what: str) -> WxccRateLimited:
        retry_after_s = ratelimit.retry_after_seconds(
            (headers or {}).get("Retry-After"), float(settings.WXCC_DEFAULT_RETRY_AFTER_S)
        )
        ratelimit.block_for(self.org.pk, retry_after_s, timezone.now())
        logger.warning(
            "event=wxcc_rate_limited org_id=%s call=%s retry_after_s=%s",
            self.org.pk,
            what,
            retry_after_s,
        )
        return WxccRateLimited(retry_after_s)

    def _with_retries(self, what: str, attempt_once: Callable[[], T]) -> T:
        """Run `attempt_once`, which raises `_Retryable` for 5xx/network errors."""
        last_reason = ""
        for attempt in range(1, self._max_attempts + 1):
            self._take_budget()
            self.requests_made += 1
            try:
                return attempt_once()
            except _Retryable as exc:
                last_reason = exc.reason
                logger.info(
                    "event=wxcc_retry org_id=%s call=%s attempt=%d reason=%s",
                    self.org.pk,
                    what,
                    attempt,
                    exc.reason,
                )
                if attempt < self._max_attempts:
                    self._sleep(backoff_s(attempt, float(settings.WXCC_RETRY_BASE_S)))
        raise WxccUnavailable(f"{what} failed after {self._max_attempts} attempts: {last_reason}")

    def _check_response(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code == 429:
            raise self._rate_limited(response.headers, what)
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            key, descriptions, tracking_id = _error_details(response)
            raise WxccBadRequest(
                response.status_code, key=key, descriptions=descriptions, tracking_id=tracking_id
            )
        return response

    # --- REST ----------------------------------------------------------------------------

    def _rest(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        what = f"{method} {path}"

        def attempt_once() -> httpx.Response:
            try:
                response = self._http.request(
                    method,
                    path,
                    params={"orgId": self.org_id, **(params or {})},
                    json=body,
                    headers={"TrackingId": f"WALLBOARD_{uuid.uuid4()}"},
                )
            except httpx.TransportError as exc:
                raise _Retryable(type(exc).__name__) from exc
            return self._check_response(response, what)

        return self._with_retries(what, attempt_once)

    def _rest_data(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        data = _json(self._rest("GET", path, params=params)).get("data")
        return [item for item in data or [] if isinstance(item, dict)]

    # --- GraphQL -------------------------------------------------------------------------

    def graphql(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one search document; returns its `data`."""
        request = GraphQLRequest(document, variable_values=dict(variables or {}))

        def attempt_once() -> dict[str, Any]:
            if self._session is None:
                self._session = self._gql.connect_sync()
            try:
                return dict(self._session.execute(request))
            except TransportServerError as exc:
                response = getattr(exc.__cause__, "response", None)
                if exc.code == 429:
                    raise self._rate_limited(
                        response.headers if response is not None else None, "search"
                    ) from None
                if exc.code is not None and exc.code >= 500:
                    raise _Retryable(f"HTTP {exc.code}") from exc
                if response is not None:
                    key, descriptions, tracking_id = _error_details(response)
                else:
                    key, descriptions, tracking_id = "", (), ""
                raise WxccBadRequest(
                    exc.code, key=key, descriptions=descriptions, tracking_id=tracking_id
                ) from None
            except TransportQueryError as exc:
                descriptions = tuple(
                    str(e.get("message", ""))[:200] for e in exc.errors or [] if isinstance(e, dict)
                )
                raise WxccBadRequest(None, key="graphql", descriptions=descriptions) from None
            except TransportConnectionFailed as exc:
                if isinstance(exc.__cause__, OAuthError):
                    raise exc.__cause__ from None
                raise _Retryable(f"network: {type(exc.__cause__).__name__}") from exc
            except TransportProtocolError as exc:
                raise _Retryable("not a GraphQL answer") from exc

        return self._with_retries("search", attempt_once)

    def _paginate(
        self, query_name: str, list_field: str, document: str, variables: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Rows of a search query, following `pageInfo.endCursor` until `hasNextPage` is false."""
        cursor: str | None = "0"
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            block = self.graphql(document, {**variables, "cursor": cursor}).get(query_name) or {}
            for row in block.get(list_field) or []:
                if isinstance(row, dict):
                    yield row
            page = block.get("pageInfo") or {}
            cursor = page.get("endCursor")
            if not page.get("hasNextPage") or cursor is None:
                return
            if cursor in seen:
                raise WxccUnavailable(f"{query_name} pagination repeated cursor {cursor!r}")
            seen.add(cursor)
        raise WxccUnavailable(f"{query_name} pagination exceeded {MAX_PAGES} pages")

    # --- search ----------------------------------------------------------------------------

    def search_tasks(
        self,
        start: datetime,
        end: datetime,
        *,
        filter: Mapping[str, Any] | None = None,
        time_comparator: str = "createdTime",
    ) -> list[TaskRecord]:
        """Every `taskDetails` row in [start, end) matching `filter`, all pages."""
        document = queries.tasks_document(filter, time_comparator)
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(end)}
        return parse_all(
            TaskRecord.parse, self._paginate("taskDetails", "tasks", document, variables)
        )

    def active_tasks(self, now: datetime) -> list[TaskRecord]:
        """Tasks still open at `now`, created within settings.WXCC_ACTIVE_TASK_LOOKBACK_H."""
        start = now - timedelta(hours=float(settings.WXCC_ACTIVE_TASK_LOOKBACK_H))
        return self.search_tasks(start, now, filter={"isActive": {"equals": True}})

    def active_agent_sessions(self, now: datetime) -> list[AgentSessionRecord]:
        """Agent sessions still logged in at `now` (started within the look-back window)."""
        start = now - timedelta(hours=float(settings.WXCC_ACTIVE_SESSION_LOOKBACK_H))
        document = queries.ACTIVE_SESSIONS_DOCUMENT
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(now)}
        rows = self._paginate("agentSession", "agentSessions", document, variables)
        return parse_all(AgentSessionRecord.parse, rows)

    def queue_aggregates_today(self, start: datetime, now: datetime) -> list[QueueAggregate]:
        """Per-queue totals of tasks created in [start, now): ONE grouped aggregation query
        (grouped by lastQueue, isActive and terminationType, summed per queue here)."""
        document = queries.QUEUE_TOTALS_DOCUMENT
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(now)}
        rows = list(self._paginate("taskDetails", "tasks", document, variables))
        return queries.sum_queue_groups(rows)

    # --- statistics REST (deprecated by Cisco, EOL 31 Mar 2027: optional path) -------------

    def queue_statistics(
        self, start: datetime, end: datetime, interval_min: int = 15
    ) -> list[QueueStatistics]:
        params = _stats_window(start, end, interval_min)
        return parse_all(QueueStatistics.parse, self._rest_data("/v1/queues/statistics", params))

    def agent_statistics(
        self, start: datetime, end: datetime, interval_min: int = 15
    ) -> list[AgentStatistics]:
        params = _stats_window(start, end, interval_min)
        return parse_all(AgentStatistics.parse, self._rest_data("/v1/agents/statistics", params))

    def agent_activities(
        self, start: datetime, end: datetime, *, page_size: int = ACTIVITIES_PAGE_SIZE
    ) -> list[AgentActivityRecord]:
        """Agent Activities in [start, end) (span < 24 h), every page. No paging metadata is
        documented, so a page shorter than `page_size` is the last (§3.3)."""
        if end - start >= timedelta(hours=24):
            start = end - timedelta(hours=24) + timedelta(seconds=1)
        records: list[AgentActivityRecord] = []
        for page in range(MAX_PAGES):
            params = {
                "from": to_epoch_ms(start),
                "to": to_epoch_ms(end),
                "pageSize": page_size,
                "page": page,
            }
            items = self._rest_data("/v1/agents/activities", params)
            records.extend(parse_all(AgentActivityRecord.parse, items))
            if len(items) < page_size:
                return records
        raise WxccUnavailable("agent activities exceeded the page limit")

    # --- subscriptions (V2, §1.2) ----------------------------------------------------------

    def list_event_types(self) -> list[str]:
        body = _json(self._rest("GET", "/v2/event-types"))
        return [
            str(e["name"]) for e in body.get("data") or [] if isinstance(e, dict) and "name" in e
        ]

    def list_subscriptions(self) -> list[Subscription]:
        body = _json(self._rest("GET", "/v2/subscriptions"))
        items = [s for s in body.get("data") or [] if isinstance(s, dict)]
        return parse_all(Subscription.parse, items)

    def create_subscription(
        self,
        *,
        name: str,
        event_types: list[str],
        destination_url: str,
        secret: str,
        resource_version: str,
        description: str = "",
    ) -> Subscription:
        body = {
            "name": name,
            "description": description,
            "eventTypes": event_types,
            "destinationUrl": destination_url,
            "secret": secret,
            "orgId": self.org_id,
            "resourceVersion": resource_version,
        }
        response = self._rest("POST", "/v2/subscriptions", body=body)
        return parse_all(Subscription.parse, [_json(response).get("data") or {}])[0]

    def update_subscription(
        self, subscription_id: str, *, resource_version: str, **fields: Any
    ) -> Subscription:
        """PATCH: `fields` in WxCC's names (eventTypes, destinationUrl, secret, status…)."""
        body = {"resourceVersion": resource_version, "orgId": self.org_id, **fields}
        response = self._rest("PATCH", f"/v2/subscriptions/{subscription_id}", body=body)
        return parse_all(Subscription.parse, [_json(response).get("data") or {}])[0]

    def delete_subscription(self, subscription_id: str) -> None:
        self._rest("DELETE", f"/v2/subscriptions/{subscription_id}")


class _Retryable(Exception):
    """Internal: a failure worth retrying (5xx, network)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _stats_window(start: datetime, end: datetime, interval_min: int) -> dict[str, Any]:
    if interval_min not in (15, 30, 60):
        raise ValueError("interval must be 15, 30 or 60 minutes")
    if end - start > STATISTICS_MAX_WINDOW:
        start = end - STATISTICS_MAX_WINDOW
    return {"from": to_epoch_ms(start), "to": to_epoch_ms(end), "interval": interval_min}
