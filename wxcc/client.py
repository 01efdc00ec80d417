"""The WxCC API client for one org: GraphQL search through gql over httpx, REST through httpx.

Budget: WxCC counts 300 requests per minute per client ID, for every org of the integration
together (docs/wxcc-contract.md §5). Every request first takes a token from that shared
budget (`wxcc.ratelimit`) with the client's priority, and waits out a block left by a 429:

    WxccClient(org)                          # live: polls, admin actions (the default)
    WxccClient(org, priority=Priority.BULK)  # bulk: history backfill, long report ranges
    with client.prioritised(Priority.BULK):  # one session doing both (the poller's backfill)
        ...

Bulk requests only spend what live requests leave, and orgs share the budget fairly, so a
backfill or a big report never starves another org's live poll. A live request waits at most
settings.WXCC_BUDGET_MAX_WAIT_S for a token, a bulk one settings.WXCC_BULK_BUDGET_MAX_WAIT_S;
then `WxccBudgetExhausted` says how long to wait (nothing was sent). A 429 blocks the whole
integration for `Retry-After` and raises `WxccRateLimited`, so the poll cycle stops at once.

Network errors and 5xx are retried with full-jitter exponential back-off. A 403 raises
`WxccForbidden` naming the scope the call needs (`wxcc.scopes`); other 4xx raise
`WxccBadRequest` with WxCC's parsed error body. Results are typed (`wxcc.api_types`).
Authentication (one token read per session, refresh on 401) and the regional root come from
`oauth.client`. Pagination follows §2.8 (`paginate`, public: reporting reads long ranges with
it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings

from wxcc import search_queries as queries
from wxcc.api_types import (
    AgentActivityRecord,
    AgentSessionRecord,
    AgentStatistics,
    ConfigQueue,
    ConfigTeam,
    QueueAggregate,
    QueueStatistics,
    Subscription,
    TaskRecord,
    to_epoch_ms,
)
from wxcc.client_session import MAX_PAGES, WxccSession
from wxcc.client_support import json_object, parse_all, stats_window
from wxcc.exceptions import WxccUnavailable
from wxcc.ratelimit import Priority

__all__ = ["Priority", "WxccClient", "WxccSession"]

R = TypeVar("R")

# Agent Activities: pageSize 1..1000 (§3.3). Config API lists: pageSize defaults to 100 and
# WxCC caps larger asks at its own maximum (§6), so we ask for 100 and follow the pages.
ACTIVITIES_PAGE_SIZE = 1000
CONFIG_PAGE_SIZE = 100


class WxccClient(WxccSession):
    """One org's WxCC API session with its endpoints; use as a context manager."""

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
            TaskRecord.parse, self.paginate("taskDetails", "tasks", document, variables)
        )

    def _task_lookback_start(self, now: datetime) -> datetime:
        return now - timedelta(hours=float(settings.WXCC_ACTIVE_TASK_LOOKBACK_H))

    def active_tasks(self, now: datetime) -> list[TaskRecord]:
        """Tasks still open at `now`, created within settings.WXCC_ACTIVE_TASK_LOOKBACK_H."""
        start = self._task_lookback_start(now)
        return self.search_tasks(start, now, filter={"isActive": {"equals": True}})

    def live_tasks(self, now: datetime, *, changed_since: datetime, full: bool) -> list[TaskRecord]:
        """Tasks whose record changed since `changed_since` (ended ones with WxCC's
        classification), and with `full` every open task too; created within
        settings.WXCC_ACTIVE_TASK_LOOKBACK_H."""
        query_filter = queries.live_tasks_filter(to_epoch_ms(changed_since), full=full)
        return self.search_tasks(self._task_lookback_start(now), now, filter=query_filter)

    def _sessions(
        self, start: datetime, end: datetime, query_filter: Mapping[str, Any] | None
    ) -> list[AgentSessionRecord]:
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(end)}
        document = queries.sessions_document(query_filter)
        rows = self.paginate("agentSession", "agentSessions", document, variables)
        return parse_all(AgentSessionRecord.parse, rows)

    def _session_lookback_start(self, now: datetime) -> datetime:
        return now - timedelta(hours=float(settings.WXCC_ACTIVE_SESSION_LOOKBACK_H))

    def active_agent_sessions(self, now: datetime) -> list[AgentSessionRecord]:
        """Agent sessions still logged in at `now` (started within the look-back window)."""
        return self._sessions(
            self._session_lookback_start(now), now, {"isActive": {"equals": True}}
        )

    def live_agent_sessions(
        self, now: datetime, *, changed_since: datetime, full: bool
    ) -> list[AgentSessionRecord]:
        """Sessions whose state changed or that ended since `changed_since`, and with `full`
        every open session too, each with its channels' current states."""
        query_filter = queries.live_sessions_filter(to_epoch_ms(changed_since), full=full)
        return self._sessions(self._session_lookback_start(now), now, query_filter)

    def agent_sessions(self, start: datetime, end: datetime) -> list[AgentSessionRecord]:
        """Every agent session that started in [start, end), active or ended, all pages."""
        return self._sessions(start, end, None)

    def queue_aggregates_today(self, start: datetime, now: datetime) -> list[QueueAggregate]:
        """Per-queue totals of tasks created in [start, now): ONE grouped aggregation query
        (grouped by lastQueue, isActive and contactHandleType, summed per queue here)."""
        document = queries.QUEUE_TOTALS_DOCUMENT
        variables = {"from": to_epoch_ms(start), "to": to_epoch_ms(now)}
        rows = list(self.paginate("taskDetails", "tasks", document, variables))
        return queries.sum_queue_groups(rows)

    # --- Config API (§6): queues and teams ---------------------------------------------------

    def _config_list(
        self, resource: str, parse: Callable[[dict[str, Any]], R], page_size: int
    ) -> list[R]:
        """Every item of a Config API list, page by page (`page` from 0) until the last page
        `meta.totalPages` names, or a short page when it names none."""
        path = f"/organization/{self.org_id}/v2/{resource}"
        items: list[R] = []
        for page in range(MAX_PAGES):
            params = {"page": page, "pageSize": page_size}
            body = json_object(self._rest("GET", path, params=params, org_query=False))
            data = [item for item in body.get("data") or [] if isinstance(item, dict)]
            items.extend(parse_all(parse, data))
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            total_pages = meta.get("totalPages") if isinstance(meta, dict) else None
            last = (
                page + 1 >= total_pages
                if isinstance(total_pages, int) and not isinstance(total_pages, bool)
                else len(data) < page_size
            )
            if last or not data:
                return items
        raise WxccUnavailable(f"{resource} list exceeded {MAX_PAGES} pages")

    def list_queues(self, *, page_size: int = CONFIG_PAGE_SIZE) -> list[ConfigQueue]:
        """The org's contact service queues, with their service-level thresholds."""
        return self._config_list("contact-service-queue", ConfigQueue.parse, page_size)

    def list_teams(self, *, page_size: int = CONFIG_PAGE_SIZE) -> list[ConfigTeam]:
        return self._config_list("team", ConfigTeam.parse, page_size)

    # --- statistics REST (deprecated by Cisco, EOL 31 Mar 2027: a cross-check only) ---------

    def queue_statistics(
        self, start: datetime, end: datetime, interval_min: int = 15
    ) -> list[QueueStatistics]:
        params = stats_window(start, end, interval_min)
        return parse_all(QueueStatistics.parse, self._rest_data("/v1/queues/statistics", params))

    def agent_statistics(
        self, start: datetime, end: datetime, interval_min: int = 15
    ) -> list[AgentStatistics]:
        params = stats_window(start, end, interval_min)
        return parse_all(AgentStatistics.parse, self._rest_data("/v1/agents/statistics", params))

    def agent_activities(
        self,
        start: datetime,
        end: datetime,
        *,
        page_size: int = ACTIVITIES_PAGE_SIZE,
        channel_types: Sequence[str] = (),
    ) -> list[AgentActivityRecord]:
        """Agent Activities in [start, end) (span < 24 h), every page; `channel_types` narrows
        them (lowercase: telephony, chat, email, social, customMessaging). No paging metadata
        is documented, so a page shorter than `page_size` is the last (§3.3)."""
        if end - start >= timedelta(hours=24):
            start = end - timedelta(hours=24) + timedelta(seconds=1)
        records: list[AgentActivityRecord] = []
        for page in range(MAX_PAGES):
            params: dict[str, Any] = {
                "from": to_epoch_ms(start),
                "to": to_epoch_ms(end),
                "pageSize": page_size,
                "page": page,
            }
            if channel_types:
                params["channelTypes"] = ",".join(channel_types)
            items = self._rest_data("/v1/agents/activities", params)
            records.extend(parse_all(AgentActivityRecord.parse, items))
            if len(items) < page_size:
                return records
        raise WxccUnavailable("agent activities exceeded the page limit")

    # --- subscriptions (V2, §1.2) ----------------------------------------------------------

    def list_event_types(self) -> list[str]:
        body = json_object(self._rest("GET", "/v2/event-types"))
        return [
            str(e["name"]) for e in body.get("data") or [] if isinstance(e, dict) and "name" in e
        ]

    def list_subscriptions(self) -> list[Subscription]:
        body = json_object(self._rest("GET", "/v2/subscriptions"))
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
        return parse_all(Subscription.parse, [json_object(response).get("data") or {}])[0]

    def update_subscription(
        self, subscription_id: str, *, resource_version: str, **fields: Any
    ) -> Subscription:
        """PATCH: `fields` in WxCC's names (eventTypes, destinationUrl, secret, status…)."""
        body = {"resourceVersion": resource_version, "orgId": self.org_id, **fields}
        response = self._rest("PATCH", f"/v2/subscriptions/{subscription_id}", body=body)
        return parse_all(Subscription.parse, [json_object(response).get("data") or {}])[0]

    def delete_subscription(self, subscription_id: str) -> None:
        self._rest("DELETE", f"/v2/subscriptions/{subscription_id}")
