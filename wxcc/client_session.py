"""One org's session with the WxCC API: connections, the shared request budget, retries, error
mapping, GraphQL and pagination (`WxccSession`). The endpoints are `wxcc.client.WxccClient`'s;
its module docstring says how the budget, priorities and errors work.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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
from oauth.models import Organization, WebexConnection
from oauth.regions import api_root
from wxcc import ratelimit, scopes
from wxcc import search_queries as queries
from wxcc.client_support import Retryable, backoff_s, error_details, json_object, next_cursor
from wxcc.exceptions import (
    WxccBadRequest,
    WxccBudgetExhausted,
    WxccForbidden,
    WxccRateLimited,
    WxccUnavailable,
)
from wxcc.ratelimit import Priority

logger = logging.getLogger(__name__)

T = TypeVar("T")
SessionT = TypeVar("SessionT", bound="WxccSession")

# Guard against a server that keeps answering hasNextPage with the same cursor.
MAX_PAGES = 1000


class WxccSession:
    """One org's WxCC API session; use as a context manager (it holds connections)."""

    def __init__(
        self,
        org: Organization,
        *,
        priority: Priority = Priority.LIVE,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int | None = None,
    ) -> None:
        if not org.webex_org_id:
            raise WxccBadRequest(None, key="no_org_id", descriptions=("org has no WxCC org id",))
        self.org = org
        self.org_id = org.webex_org_id
        self.priority = priority
        self._sleep = sleep
        self._max_attempts = max_attempts or int(settings.WXCC_HTTP_MAX_ATTEMPTS)
        timeout = httpx.Timeout(float(settings.WXCC_HTTP_TIMEOUT_S), connect=5.0)
        # One auth for both transports: the token is read once per session (oauth.client).
        self.auth = wxcc_auth(org)
        self._http = wxcc_client(org, timeout=timeout, auth=self.auth)
        self._transport = HTTPXTransport(
            url=f"{api_root(org.region)}/search?orgId={self.org_id}",
            auth=self.auth,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )
        self._gql = GqlClient(transport=self._transport, execute_timeout=None)
        self._session: Any = None
        self.requests_made = 0

    def __enter__(self: SessionT) -> SessionT:
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

    @contextmanager
    def prioritised(self: SessionT, priority: Priority) -> Iterator[SessionT]:
        """Send the requests of the block with `priority`, then go back."""
        before, self.priority = self.priority, priority
        try:
            yield self
        finally:
            self.priority = before

    # --- the retry loop ------------------------------------------------------------------

    def _take_budget(self) -> None:
        """Wait for a token of the integration's budget; raise if blocked or the wait is too
        long for this priority."""
        bulk = self.priority == Priority.BULK
        max_wait_s = float(
            settings.WXCC_BULK_BUDGET_MAX_WAIT_S if bulk else settings.WXCC_BUDGET_MAX_WAIT_S
        )
        waited_s = 0.0
        while True:
            until = ratelimit.blocked_until(timezone.now())
            if until is not None:
                remaining_s = (until - timezone.now()).total_seconds()
                raise WxccRateLimited(max(remaining_s, 0.001), reason="blocked after a 429")
            wait_s = ratelimit.take_token(self.org.pk, self.priority)
            if wait_s <= 0:
                return
            if waited_s + wait_s > max_wait_s:
                raise WxccBudgetExhausted(wait_s)
            self._sleep(wait_s)
            waited_s += wait_s

    def _rate_limited(self, headers: Mapping[str, str] | None, what: str) -> WxccRateLimited:
        retry_after_s = ratelimit.retry_after_seconds(
            (headers or {}).get("Retry-After"), float(settings.WXCC_DEFAULT_RETRY_AFTER_S)
        )
        ratelimit.block_for(retry_after_s, timezone.now())
        logger.warning(
            "event=wxcc_rate_limited org_id=%s call=%s retry_after_s=%s",
            self.org.pk,
            what,
            retry_after_s,
        )
        return WxccRateLimited(retry_after_s)

    def _forbidden(self, response: httpx.Response | None, method: str, path: str) -> WxccForbidden:
        key, descriptions, tracking_id = error_details(response) if response else ("", (), "")
        granted = (
            WebexConnection.objects.filter(organization=self.org)
            .values_list("scopes", flat=True)
            .first()
        )
        needed = scopes.scope_needed(method, path)
        what = "search" if path == "/search" else f"{method} {path.split('?')[0]}"
        reason = scopes.forbidden_reason(what, needed, granted)
        logger.warning("event=wxcc_forbidden org_id=%s call=%s needs=%s", self.org.pk, what, needed)
        return WxccForbidden(
            reason,
            needed_scope=needed,
            key=key,
            descriptions=descriptions,
            tracking_id=tracking_id,
        )

    def _with_retries(self, what: str, attempt_once: Callable[[], T]) -> T:
        """Run `attempt_once`, which raises `Retryable` for 5xx/network errors."""
        last_reason = ""
        for attempt in range(1, self._max_attempts + 1):
            self._take_budget()
            self.requests_made += 1
            try:
                return attempt_once()
            except Retryable as exc:
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

    def _check_response(self, response: httpx.Response, method: str, path: str) -> httpx.Response:
        if response.status_code == 429:
            raise self._rate_limited(response.headers, f"{method} {path}")
        if response.status_code >= 500:
            raise Retryable(f"HTTP {response.status_code}")
        if response.status_code == 403:
            raise self._forbidden(response, method, path)
        if response.status_code >= 400:
            key, descriptions, tracking_id = error_details(response)
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
        org_query: bool = True,
    ) -> httpx.Response:
        """One REST call; `orgId` goes in the query unless the path carries it already."""
        what = f"{method} {path}"
        query = {"orgId": self.org_id, **(params or {})} if org_query else dict(params or {})

        def attempt_once() -> httpx.Response:
            try:
                response = self._http.request(
                    method,
                    path,
                    params=query,
                    json=body,
                    headers={"TrackingId": f"WALLBOARD_{uuid.uuid4()}"},
                )
            except httpx.TransportError as exc:
                raise Retryable(type(exc).__name__) from exc
            return self._check_response(response, method, path)

        return self._with_retries(what, attempt_once)

    def _rest_data(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        data = json_object(self._rest("GET", path, params=params)).get("data")
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
                    raise Retryable(f"HTTP {exc.code}") from exc
                if exc.code == 403:
                    raise self._forbidden(response, "POST", "/search") from None
                details = error_details(response) if response is not None else ("", (), "")
                raise WxccBadRequest(
                    exc.code, key=details[0], descriptions=details[1], tracking_id=details[2]
                ) from None
            except TransportQueryError as exc:
                descriptions = tuple(
                    str(e.get("message", ""))[:200] for e in exc.errors or [] if isinstance(e, dict)
                )
                raise WxccBadRequest(None, key="graphql", descriptions=descriptions) from None
            except TransportConnectionFailed as exc:
                if isinstance(exc.__cause__, OAuthError):
                    raise exc.__cause__ from None
                raise Retryable(f"network: {type(exc.__cause__).__name__}") from exc
            except TransportProtocolError as exc:
                raise Retryable("not a GraphQL answer") from exc

        return self._with_retries("search", attempt_once)

    def paginate(
        self, query_name: str, list_field: str, document: str, variables: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Rows of a search query, every page (§2.8). `document` takes `$cursor` in
        `pagination: {cursor: $cursor}`: the first page is asked for with "NA", each next one
        with `pageInfo.endCursor` exactly as WxCC sent it, until `hasNextPage` is false."""
        cursor = queries.FIRST_PAGE_CURSOR
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            block = self.graphql(document, {**variables, "cursor": cursor}).get(query_name) or {}
            for row in block.get(list_field) or []:
                if isinstance(row, dict):
                    yield row
            following = next_cursor(block.get("pageInfo"))
            if following is None:
                return
            if following in seen:
                raise WxccUnavailable(f"{query_name} pagination repeated cursor {following!r}")
            seen.add(following)
            cursor = following
        raise WxccUnavailable(f"{query_name} pagination exceeded {MAX_PAGES} pages")
