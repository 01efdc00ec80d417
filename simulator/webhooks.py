"""Signed webhook delivery to every org's subscriptions (the subscriptions themselves live in
simulator/subscriptions.py).

Contract (docs/wxcc-contract.md sections 1.4-1.7): deliveries POST a CloudEvents-inspired
envelope {id, specversion, type, source "/com/cisco/wxcc/<subscriptionId>", comciscoorgid,
[comciscotimestamp on V2], datacontenttype, data}; when the subscription has a secret, header
X-WebexCC-Signature carries the lowercase hex HMAC-SHA256 of the raw body keyed by the secret;
V2 adds X-WebExCC-Timestamp and X-WebexCC-Webhook-Version. Any 2xx is success; anything else
is retried with exponential back-off. Each uncertain detail is one constant below.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from simulator.config import SimConfig
from simulator.records import ModelEvent
from simulator.subscriptions import Subscription, SubscriptionStore

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-WebexCC-Signature"
SIGNATURE_DIGEST = hashlib.sha256
# Lowercase hex, no "sha256=" prefix.
SIGNATURE_PREFIX = ""
V2_TIMESTAMP_HEADER = "X-WebExCC-Timestamp"
V2_VERSION_HEADER = "X-WebexCC-Webhook-Version"
SOURCE_PREFIX = "/com/cisco/wxcc/"
SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body, as WxCC computes it."""
    digest = hmac.new(secret.encode("utf-8"), body, SIGNATURE_DIGEST).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


@dataclass(frozen=True)
class Delivery:
    org_id: str
    subscription_id: str
    event_id: str
    event_type: str
    url: str
    body: bytes
    headers: dict[str, str]
    attempt: int = 1


def build_delivery(subscription: Subscription, org_id: str, event: ModelEvent) -> Delivery:
    envelope: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "specversion": SPEC_VERSION,
        "type": event.type,
        "source": f"{SOURCE_PREFIX}{subscription.id}",
        "comciscoorgid": org_id,
        "datacontenttype": CONTENT_TYPE,
        "data": event.data,
    }
    headers = {"Content-Type": CONTENT_TYPE}
    if subscription.api_version == 2:
        # Cisco's example sends the dispatch time as a string of epoch milliseconds.
        envelope["comciscotimestamp"] = str(event.time_ms)
        headers[V2_TIMESTAMP_HEADER] = str(event.time_ms)
        headers[V2_VERSION_HEADER] = subscription.resource_version or ""
    body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
    if subscription.secret:
        headers[SIGNATURE_HEADER] = sign(subscription.secret, body)
    return Delivery(
        org_id,
        subscription.id,
        envelope["id"],
        event.type,
        subscription.destination_url,
        body,
        headers,
    )


class WebhookDispatcher:
    """Fans each org's model events out to that org's subscriptions and delivers them off the
    model's path; one pool of workers serves every org."""

    def __init__(
        self, config: SimConfig, stores: Mapping[str, SubscriptionStore], workers: int = 4
    ) -> None:
        self.config = config
        self.stores = stores
        self.workers = workers
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)
        self._queue: asyncio.Queue[Delivery] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._pending = 0
        self.clock_ms: Callable[[], int] = lambda: 0

    def publisher(self, org_id: str) -> Callable[[ModelEvent], None]:
        """The listener org `org_id`'s model announces its events to."""
        store = self.stores[org_id]

        def publish(event: ModelEvent) -> None:
            if self._queue is None:
                return
            for subscription in store.subscriptions.values():
                if subscription.status == "active" and event.type in subscription.event_types:
                    self._enqueue(build_delivery(subscription, org_id, event))

        return publish

    def _enqueue(self, delivery: Delivery) -> None:
        assert self._queue is not None
        self._pending += 1
        self._queue.put_nowait(delivery)

    @property
    def pending(self) -> int:
        return self._pending

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._client = httpx.AsyncClient(
            timeout=self.config.webhook_timeout_s, follow_redirects=False
        )
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._retries]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks = []
        self._retries.clear()
        if self._client is not None:
            await self._client.aclose()
        self._queue = None

    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            delivery = await self._queue.get()
            try:
                await self._deliver(delivery)
            finally:
                self._queue.task_done()

    async def _deliver(self, delivery: Delivery) -> None:
        assert self._client is not None
        status: int | None = None
        error: str | None = None
        retry_after_s = 0.0
        try:
            response = await self._client.post(
                delivery.url, content=delivery.body, headers=delivery.headers
            )
            status = response.status_code
            if status == 429:
                retry_after_s = _seconds(response.headers.get("Retry-After"))
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        ok = status is not None and 200 <= status < 300
        self.log.append(
            {
                "orgId": delivery.org_id,
                "eventId": delivery.event_id,
                "subscriptionId": delivery.subscription_id,
                "type": delivery.event_type,
                "attempt": delivery.attempt,
                "status": status,
                "error": error,
                "ok": ok,
                "time": self.clock_ms(),
            }
        )
        store = self.stores[delivery.org_id]
        subscription = store.subscriptions.get(delivery.subscription_id)
        if ok or subscription is None:
            if subscription is not None:
                subscription.failed_events_in_a_row = 0
            self._pending -= 1
            return
        if delivery.attempt < self.config.webhook_max_attempts:
            delay_s = min(
                self.config.webhook_backoff_max_s,
                self.config.webhook_backoff_base_s * 2 ** (delivery.attempt - 1),
            )
            # A receiver that answers 429 asks us to slow down: wait at least that long.
            delay_s = max(delay_s, min(retry_after_s, self.config.webhook_backoff_max_s))
            retry = Delivery(**{**delivery.__dict__, "attempt": delivery.attempt + 1})
            task = asyncio.create_task(self._retry_later(retry, delay_s))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        self._pending -= 1
        subscription.failed_events_in_a_row += 1
        limit = self.config.webhook_disable_after_failed_events
        if limit and subscription.failed_events_in_a_row >= limit:
            subscription.status = "inactive"
            store.on_change()
            logger.warning(
                "subscription disabled after failed deliveries org_id=%s subscription_id=%s",
                delivery.org_id,
                subscription.id,
            )

    async def _retry_later(self, delivery: Delivery, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        if self._queue is not None:
            self._queue.put_nowait(delivery)


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
