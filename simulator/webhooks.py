"""Subscriptions (V1 and V2) and signed webhook delivery.

Contract (docs/wxcc-contract.md sections 1.2-1.7): subscriptions at /v1|v2/subscriptions;
deliveries POST a CloudEvents-inspired envelope {id, specversion, type, source
"/com/cisco/wxcc/<subscriptionId>", comciscoorgid, [comciscotimestamp on V2], datacontenttype,
data}; when the subscription has a secret, header X-WebexCC-Signature carries the lowercase hex
HMAC-SHA256 of the raw body keyed by the secret; V2 adds X-WebExCC-Timestamp and
X-WebexCC-Webhook-Version. Any 2xx is success; anything else is retried with exponential
back-off. Each uncertain detail is one constant below.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from simulator.config import SimConfig
from simulator.records import ModelEvent

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
# Third-party observation on a real tenant; the OAS only says a limit exists.
MAX_SUBSCRIPTIONS_PER_ORG = 20
# Event types this simulator emits. capture:available is listed by WxCC but never emitted here.
EMITTED_EVENT_TYPES = (
    "agent:login",
    "agent:logout",
    "agent:state_change",
    "task:new",
    "task:parked",
    "task:connect",
    "task:connected",
    "task:ended",
)
EVENT_TYPES = (*EMITTED_EVENT_TYPES, "capture:available")
RESOURCE_VERSIONS = (("agent", "1.0.0"), ("task", "1.0.0"), ("capture", "1.0.0"))
DESTINATION_PATTERN = re.compile(r"^(https?)://.*$")


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body, as WxCC computes it."""
    digest = hmac.new(secret.encode("utf-8"), body, SIGNATURE_DIGEST).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


class SubscriptionInvalid(Exception):
    """A create/update body WxCC would refuse with 400; carries one description per problem."""

    def __init__(self, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.descriptions = descriptions


@dataclass
class Subscription:
    id: str
    api_version: int
    name: str
    description: str | None
    event_types: list[str]
    destination_url: str
    secret: str | None
    status: str
    created_ms: int
    created_by: str
    updated_ms: int
    updated_by: str
    resource_version: str | None = None
    failed_events_in_a_row: int = 0

    def as_json(self) -> dict[str, Any]:
        # The secret is write-only: never echoed back.
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "eventTypes": list(self.event_types),
            "destinationUrl": self.destination_url,
            "createdTime": self.created_ms,
            "createdBy": self.created_by,
            "status": self.status,
            "lastUpdatedTime": self.updated_ms,
            "lastUpdatedBy": self.updated_by,
        }
        if self.description is not None:
            body["description"] = self.description
        if self.api_version == 2:
            body["resourceVersion"] = self.resource_version
        return body


def _validate(body: dict[str, Any], api_version: int, creating: bool) -> list[str]:
    problems: list[str] = []
    required = ["name", "eventTypes", "destinationUrl"] if creating else []
    if api_version == 2:
        required.append("resourceVersion")
    problems += [f"{name} is required." for name in required if body.get(name) is None]
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not 4 <= len(name) <= 64):
        problems.append("name must be 4 to 64 characters.")
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > 1024):
        problems.append("description must be at most 1024 characters.")
    event_types = body.get("eventTypes")
    if event_types is not None:
        if not isinstance(event_types, list) or not 1 <= len(event_types) <= 32:
            problems.append("eventTypes must list 1 to 32 event types.")
        else:
            problems += [f"Unknown event type {e!r}." for e in event_types if e not in EVENT_TYPES]
    url = body.get("destinationUrl")
    if url is not None and (not isinstance(url, str) or not DESTINATION_PATTERN.match(url)):
        problems.append("destinationUrl must be an http(s) URL.")
    secret = body.get("secret")
    if secret is not None and (not isinstance(secret, str) or not 32 <= len(secret) <= 256):
        problems.append("secret must be 32 to 256 characters.")
    status = body.get("status")
    if status is not None and status not in ("active", "inactive"):
        problems.append("status must be active or inactive.")
    version = body.get("resourceVersion")
    if version is not None and (
        not isinstance(version, str) or tuple(version.split(":", 1)) not in RESOURCE_VERSIONS
    ):
        problems.append(f"Unknown resourceVersion {version!r}.")
    return problems


@dataclass
class SubscriptionStore:
    org_id: str
    subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def list(self, api_version: int) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.api_version == api_version]

    def get(self, subscription_id: str, api_version: int) -> Subscription | None:
        subscription = self.subscriptions.get(subscription_id)
        # V1 and V2 subscriptions are each visible only through their own API.
        if subscription is None or subscription.api_version != api_version:
            return None
        return subscription

    def create(
        self, body: dict[str, Any], api_version: int, user: str, now_ms: int
    ) -> Subscription:
        problems = _validate(body, api_version, creating=True)
        if body.get("status") is not None:
            problems.append("status cannot be set on create.")
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS_PER_ORG:
            problems.append("The organization's subscription limit has been reached.")
        if problems:
            raise SubscriptionInvalid(problems)
        subscription = Subscription(
            id=str(uuid.uuid4()),
            api_version=api_version,
            name=body["name"],
            description=body.get("description"),
            event_types=list(body["eventTypes"]),
            destination_url=body["destinationUrl"],
            secret=body.get("secret"),
            status="active",
            created_ms=now_ms,
            created_by=user,
            updated_ms=now_ms,
            updated_by=user,
            resource_version=body.get("resourceVersion") if api_version == 2 else None,
        )
        self.subscriptions[subscription.id] = subscription
        return subscription

    def update(
        self, subscription: Subscription, body: dict[str, Any], user: str, now_ms: int
    ) -> Subscription:
        problems = _validate(body, subscription.api_version, creating=False)
        if "name" in body:
            problems.append("name cannot be updated.")
        if problems:
            raise SubscriptionInvalid(problems)
        if body.get("description") is not None:
            subscription.description = body["description"]
        if body.get("eventTypes") is not None:
            subscription.event_types = list(body["eventTypes"])
        if body.get("destinationUrl") is not None:
            subscription.destination_url = body["destinationUrl"]
        if body.get("secret") is not None:
            subscription.secret = body["secret"]
        if body.get("status") is not None:
            subscription.status = body["status"]
            subscription.failed_events_in_a_row = 0
        if body.get("resourceVersion") is not None:
            subscription.resource_version = body["resourceVersion"]
        subscription.updated_ms = now_ms
        subscription.updated_by = user
        return subscription

    def delete(self, subscription_id: str) -> None:
        self.subscriptions.pop(subscription_id, None)


@dataclass(frozen=True)
class Delivery:
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
        subscription.id, envelope["id"], event.type, subscription.destination_url, body, headers
    )


class WebhookDispatcher:
    """Fans model events out to subscriptions and delivers them off the model's path."""

    def __init__(self, config: SimConfig, store: SubscriptionStore, workers: int = 4) -> None:
        self.config = config
        self.store = store
        self.workers = workers
        self.log: deque[dict[str, Any]] = deque(maxlen=2000)
        self._queue: asyncio.Queue[Delivery] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._retries: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._pending = 0
        self.clock_ms: Callable[[], int] = lambda: 0

    def publish(self, event: ModelEvent) -> None:
        if self._queue is None:
            return
        for subscription in self.store.subscriptions.values():
            if subscription.status == "active" and event.type in subscription.event_types:
                self._enqueue(build_delivery(subscription, self.store.org_id, event))

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
        subscription = self.store.subscriptions.get(delivery.subscription_id)
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
            logger.warning("subscription=%s disabled after failed deliveries", subscription.id)

    async def _retry_later(self, delivery: Delivery, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        if self._queue is not None:
            self._queue.put_nowait(delivery)


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
