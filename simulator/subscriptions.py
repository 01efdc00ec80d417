"""One org's webhook subscriptions (V1 and V2), and the rules a create or update must pass.

Contract (docs/wxcc-contract.md 1.2): at most MAX_SUBSCRIPTIONS_PER_ORG per org; `name`
4-64 characters, `eventTypes` 1-32 known types, `secret` 32-256 characters and write-only,
V2 needs `resourceVersion`. `destinationUrl` must be "HTTPS on an IANA-listed top-level domain
name (e.g. .com) with a path (at least /). No query parameters, userinfo, non-443 ports, or
fragments allowed." (Cisco's OAS); `destination_url_problems` checks each rule, and admits
loopback receivers only when the simulator is told to (`allow_loopback_destinations`).
"""

from __future__ import annotations

import builtins
import ipaddress
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
# agent:2.0.0 is a documented resource version (docs/wxcc-contract.md 1.3); its own event
# shapes are not, so a 2.0.0 subscription receives the 1.0.0 events under the 2.0.0 header.
RESOURCE_VERSIONS = (
    ("agent", "1.0.0"),
    ("agent", "2.0.0"),
    ("task", "1.0.0"),
    ("capture", "1.0.0"),
)
# The OAS pattern; the prose rules below are stricter.
DESTINATION_PATTERN = re.compile(r"^(https?)://.*$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# "an IANA-listed top-level domain": approximated as a last label of letters (or an IDN
# "xn--" label); checking IANA's live list is beyond a simulator.
TLD_PATTERN = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")

# One description per destinationUrl rule (what a 400 ErrorResult carries).
URL_NOT_A_URL = "destinationUrl must be an absolute http(s) URL."
URL_NOT_HTTPS = "destinationUrl must use HTTPS."
URL_USERINFO = "destinationUrl must not contain userinfo."
URL_PORT = "destinationUrl must not use a port other than 443."
URL_NO_PATH = "destinationUrl must have a path (at least /)."
URL_QUERY = "destinationUrl must not have query parameters."
URL_FRAGMENT = "destinationUrl must not have a fragment."
URL_HOST = "destinationUrl must be on a domain name with an IANA-listed top-level domain."


class SubscriptionInvalid(Exception):
    """A create/update body WxCC would refuse with 400; carries one description per problem."""

    def __init__(self, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.descriptions = descriptions


def destination_url_problems(url: object, *, allow_loopback: bool) -> list[str]:
    """What is wrong with a destinationUrl (empty when it is acceptable)."""
    if not isinstance(url, str) or not DESTINATION_PATTERN.match(url):
        return [URL_NOT_A_URL]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [URL_NOT_A_URL]
    host = (parts.hostname or "").lower()
    loopback = allow_loopback and host in LOOPBACK_HOSTS
    problems: list[str] = []
    if parts.scheme != "https" and not loopback:
        problems.append(URL_NOT_HTTPS)
    if "@" in parts.netloc:
        problems.append(URL_USERINFO)
    if port not in (None, 443) and not loopback:
        problems.append(URL_PORT)
    if not parts.path:
        problems.append(URL_NO_PATH)
    if "?" in url:
        problems.append(URL_QUERY)
    if "#" in url:
        problems.append(URL_FRAGMENT)
    if not loopback and not _public_domain(host):
        problems.append(URL_HOST)
    return problems


def _public_domain(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        return len(labels) >= 2 and all(labels) and bool(TLD_PATTERN.match(labels[-1]))
    return False


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


def _validate(
    body: dict[str, Any], api_version: int, *, creating: bool, allow_loopback: bool
) -> list[str]:
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
    if body.get("destinationUrl") is not None:
        problems += destination_url_problems(body["destinationUrl"], allow_loopback=allow_loopback)
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
    """One org's subscriptions. `on_change` runs after every change worth keeping across a
    restart (create, update, delete, a status the dispatcher changed)."""

    org_id: str
    allow_loopback: bool = False
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    on_change: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def count(self) -> int:
        """Every subscription of the org, V1 and V2 (`meta.subscriptionCount`)."""
        return len(self.subscriptions)

    def list(self, api_version: int) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.api_version == api_version]

    def get(self, subscription_id: str, api_version: int) -> Subscription | None:
        subscription = self.subscriptions.get(subscription_id)
        # V1 and V2 subscriptions are each visible only through their own API.
        if subscription is None or subscription.api_version != api_version:
            return None
        return subscription

    def create(
        self, body: dict[str, Any], *, api_version: int, user: str, now_ms: int
    ) -> Subscription:
        problems = _validate(body, api_version, creating=True, allow_loopback=self.allow_loopback)
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
        self.on_change()
        return subscription

    def update(
        self, subscription: Subscription, body: dict[str, Any], *, user: str, now_ms: int
    ) -> Subscription:
        problems = _validate(
            body,
            subscription.api_version,
            creating=False,
            allow_loopback=self.allow_loopback,
        )
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
        self.on_change()
        return subscription

    def delete(self, subscription_id: str) -> None:
        self.subscriptions.pop(subscription_id, None)
        self.on_change()

    # --- surviving a restart -----------------------------------------------------------

    def snapshot(self) -> builtins.list[dict[str, Any]]:
        return [asdict(subscription) for subscription in self.subscriptions.values()]

    def restore(self, snapshot: builtins.list[dict[str, Any]]) -> None:
        self.subscriptions = {item["id"]: Subscription(**item) for item in snapshot}
