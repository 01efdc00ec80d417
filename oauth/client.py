"""The authenticated WxCC API client: the only way other apps reach Webex with an org's
token. They get an `httpx.Client` (or an `httpx.Auth` for transports such as gql's) and never
see a token.

One auth object (one client session: a poll, a report) reads the org's token from the
database once and reuses it for every request until it is within EXPIRY_MARGIN of expiry or
WxCC answers 401; then it reads the current token again (another worker may have refreshed
it), refreshes first if that one is about to expire too, and on a 401 refreshes once
(single-flight by token generation, see `oauth.services.refresh_connection`) and retries once.
So a poll's database reads do not grow with the number of pages it fetches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from django.utils import timezone

from oauth import services
from oauth.exceptions import NotConnected, ReconsentRequired, TokenRefreshFailed
from oauth.models import ConnectionStatus, Organization, WebexConnection
from oauth.regions import api_root

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# Refresh before sending when the token has less than this left, rather than collect a 401.
EXPIRY_MARGIN = timedelta(seconds=60)
USER_AGENT = "wxcc-wallboard/0.1"

logger = logging.getLogger(__name__)

__all__ = ["WebexTokenAuth", "wxcc_async_client", "wxcc_auth", "wxcc_client"]


@dataclass(frozen=True)
class _Token:
    value: str = field(repr=False)
    generation: int
    expires_at: datetime | None


def _current_token(org_id: int) -> _Token:
    conn = WebexConnection.objects.filter(organization_id=org_id).first()
    if conn is None or conn.status == ConnectionStatus.DISCONNECTED or not conn.access_token:
        if conn is not None and conn.status == ConnectionStatus.NEEDS_RECONSENT:
            raise ReconsentRequired(org_id, conn.last_error or "re-consent pending")
        raise NotConnected(f"org {org_id} is not connected to Webex")
    if conn.status == ConnectionStatus.NEEDS_RECONSENT:
        raise ReconsentRequired(org_id, conn.last_error or "re-consent pending")
    return _Token(conn.access_token, conn.token_generation, conn.access_token_expires_at)


def _near_expiry(token: _Token, now: datetime) -> bool:
    return token.expires_at is not None and token.expires_at - now < EXPIRY_MARGIN


def _usable_token(org: Organization) -> _Token:
    token = _current_token(org.pk)
    now = timezone.now()
    if _near_expiry(token, now):
        assert token.expires_at is not None
        try:
            services.refresh_connection(org, seen_generation=token.generation)
        except TokenRefreshFailed:
            # A passing failure (Webex down, lock busy): the old token still works for a
            # little while, so use it; the 401 path or the next call will try again.
            if token.expires_at <= now:
                raise
            logger.warning("event=early_refresh_failed org_id=%s using=current_token", org.pk)
            return token
        token = _current_token(org.pk)
    return token


def _refreshed_after_401(org: Organization, rejected: _Token) -> _Token:
    services.refresh_connection(org, seen_generation=rejected.generation)
    return _current_token(org.pk)


class WebexTokenAuth(httpx.Auth):
    """Bearer auth with the org's token, read once and reused until near expiry or a 401;
    refreshes once on 401 and retries once. Raises NotConnected / ReconsentRequired /
    TokenRefreshFailed from the request call. Share one instance between the transports of
    one client session (e.g. REST and GraphQL) so they share the token too."""

    requires_request_body = True  # so the retry can resend the body

    def __init__(self, org: Organization, *, token: _Token | None = None) -> None:
        self.org = org
        self._token = token
        self._lock = threading.Lock()
        self.database_reads = 0  # how often the token was read (for tests and logs)

    def __repr__(self) -> str:
        return f"WebexTokenAuth(org_id={self.org.pk})"

    @staticmethod
    def _authorize(request: httpx.Request, token: _Token) -> None:
        request.headers["Authorization"] = f"Bearer {token.value}"

    def _token_to_send(self) -> _Token:
        with self._lock:
            token = self._token
            if token is None or _near_expiry(token, timezone.now()):
                token = _usable_token(self.org)
                self.database_reads += 1
                self._token = token
            return token

    def _token_after_401(self, rejected: _Token) -> _Token:
        with self._lock:
            token = _refreshed_after_401(self.org, rejected)
            self.database_reads += 1
            self._token = token
            return token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        token = self._token_to_send()
        self._authorize(request, token)
        response = yield request
        if response.status_code != 401:
            return
        self._authorize(request, self._token_after_401(token))
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = await sync_to_async(self._token_to_send)()
        self._authorize(request, token)
        response = yield request
        if response.status_code != 401:
            return
        self._authorize(request, await sync_to_async(self._token_after_401)(token))
        yield request


def wxcc_auth(org: Organization) -> WebexTokenAuth:
    """Auth for any httpx-based transport (e.g. gql's HTTPXTransport(auth=...)); reads the
    org's token now, so an org that is not connected fails here rather than on a request."""
    return WebexTokenAuth(org, token=_current_token(org.pk))


def _client_kwargs(org: Organization, httpx_kwargs: dict[str, Any]) -> dict[str, Any]:
    # Fail fast with a clear exception rather than on the first request.
    auth = httpx_kwargs.pop("auth", None) or wxcc_auth(org)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    headers.update(httpx_kwargs.pop("headers", None) or {})
    return {
        "base_url": api_root(org.region),
        "auth": auth,
        "timeout": httpx_kwargs.pop("timeout", DEFAULT_TIMEOUT),
        "headers": headers,
        **httpx_kwargs,
    }


def wxcc_client(org: Organization, **httpx_kwargs: Any) -> httpx.Client:
    """An httpx.Client on the org's regional WxCC API root, authenticated as the org.
    Use as a context manager. Raises NotConnected / ReconsentRequired up front."""
    return httpx.Client(**_client_kwargs(org, httpx_kwargs))


def wxcc_async_client(org: Organization, **httpx_kwargs: Any) -> httpx.AsyncClient:
    """The async twin of `wxcc_client`; call it from sync code (it reads the database)."""
    return httpx.AsyncClient(**_client_kwargs(org, httpx_kwargs))
