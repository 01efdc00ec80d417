"""Registering our webhook receiver with WxCC for an org (V2 subscriptions, §1.2 of
docs/wxcc-contract.md).

A V2 subscription carries one `resourceVersion`, so agent and task events need one
subscription each. Each gets its own random secret (stored encrypted on
`WebhookSubscription`; the receiver verifies deliveries with it). When settings.WXCC_WEBHOOK_SECRET
is set (the demo org) that value is used instead, so a simulator started with it can sign.

Registering again is safe: a subscription we still know at WxCC is updated in place (PATCH,
same secret), one WxCC no longer has is created anew.

Webex refuses a `destinationUrl` that is not https on a public domain, with a path, without
query, userinfo, fragment or a port other than 443 (§1.2). `destination_url_problems` says
which rules a URL breaks (pure), the connection page shows them to the admin, and
`register_subscription` refuses such a URL up front, unless settings.WXCC_WEBHOOK_ALLOW_LOOPBACK
lets the demo and the tests register their `http://127.0.0.1:<port>/...` receivers with the
simulator (which has the same opt-in).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from oauth.models import Organization
from wxcc.api_types import Subscription
from wxcc.client import WxccClient
from wxcc.exceptions import WxccDestinationRefused
from wxcc.models import WebhookSubscription

logger = logging.getLogger(__name__)

API_VERSION = "v2"
SECRET_BYTES = 36  # 48 URL-safe characters; WxCC accepts 32-256


@dataclass(frozen=True)
class SubscriptionPlan:
    """One subscription we want: a resource version and the events we consume from it."""

    name: str
    resource_version: str
    event_types: tuple[str, ...]


# The events wxcc.events understands (§1.3). Only those WxCC lists for the org are asked for.
PLANS = (
    SubscriptionPlan(
        name="Wallboard agent events",
        resource_version="agent:1.0.0",
        event_types=("agent:login", "agent:logout", "agent:state_change"),
    ),
    SubscriptionPlan(
        name="Wallboard task events",
        resource_version="task:1.0.0",
        event_types=("task:new", "task:parked", "task:connect", "task:connected", "task:ended"),
    ),
)


# "An IANA-listed top-level domain": approximated, as the simulator does, by a last label of
# letters (or an IDN's xn-- form); the exact list is WxCC's.
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_problem(host: str) -> str:
    if not host:
        return "it names no host"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return "its host is an IP address, not a domain name"
    labels = host.rstrip(".").split(".")
    if len(labels) < 2 or not _TLD.match(labels[-1]):
        return "its host is not a domain name on a public top-level domain"
    return ""


def destination_url_problems(url: str, *, allow_loopback: bool = False) -> tuple[str, ...]:
    """Why Webex would refuse `url` as a subscription's destinationUrl (docs/wxcc-contract.md
    §1.2), in plain words; empty when it would accept it. `allow_loopback` admits http or
    https on localhost / 127.0.0.1 / [::1] on any port (the demo's and tests' receivers)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ("it is not a valid URL",)
    host = (parts.hostname or "").lower()
    loopback = allow_loopback and host in LOOPBACK_HOSTS and parts.scheme in ("http", "https")
    problems: list[str] = []
    if parts.scheme != "https" and not loopback:
        problems.append("it must use https")
    if not loopback:
        host_problem = _host_problem(host)
        if host_problem:
            problems.append(host_problem)
        if port is not None and port != 443:
            problems.append(f"it uses port {port}; only 443 is allowed")
    if not parts.path:
        problems.append("it needs a path (at least /)")
    if parts.query:
        problems.append("it must not have a query (?...)")
    if parts.username is not None or parts.password is not None:
        problems.append("it must not carry a user name or password")
    if parts.fragment or url.strip().endswith("#"):
        problems.append("it must not have a fragment (#...)")
    return tuple(problems)


def loopback_allowed() -> bool:
    return bool(settings.WXCC_WEBHOOK_ALLOW_LOOPBACK)


def check_destination_url(url: str) -> None:
    """Refuse a URL Webex would refuse, before asking it (WxccDestinationRefused)."""
    problems = destination_url_problems(url, allow_loopback=loopback_allowed())
    if problems:
        raise WxccDestinationRefused(url, problems)


def new_secret() -> str:
    configured = str(settings.WXCC_WEBHOOK_SECRET or "")
    if configured:
        return configured
    return secrets.token_urlsafe(SECRET_BYTES)


def register_subscription(
    org: Organization, destination_url: str, *, client: WxccClient | None = None
) -> list[WebhookSubscription]:
    """Create (or bring up to date) the org's agent and task subscriptions at WxCC. Raises
    WxccDestinationRefused for a URL Webex would refuse."""
    check_destination_url(destination_url)
    if client is None:
        with WxccClient(org) as own_client:
            return register_subscription(org, destination_url, client=own_client)

    available = set(client.list_event_types())
    remote = {s.id: s for s in client.list_subscriptions()}
    stored = {
        s.resource_version: s
        for s in WebhookSubscription.objects.filter(organization=org, api_version=API_VERSION)
    }
    results = []
    for plan in PLANS:
        event_types = [e for e in plan.event_types if e in available] or list(plan.event_types)
        existing = stored.get(plan.resource_version)
        if existing is not None and existing.wxcc_subscription_id in remote:
            updated = client.update_subscription(
                existing.wxcc_subscription_id,
                resource_version=plan.resource_version,
                eventTypes=event_types,
                destinationUrl=destination_url,
                secret=existing.secret,
                status="active",
            )
            results.append(_store(org, updated, existing.secret, plan, replacing=existing))
            continue
        secret = new_secret()
        created = client.create_subscription(
            name=plan.name,
            event_types=event_types,
            destination_url=destination_url,
            secret=secret,
            resource_version=plan.resource_version,
            description="Live wallboard and reporting for Webex Contact Center",
        )
        results.append(_store(org, created, secret, plan, replacing=existing))
    logger.info(
        "event=webhooks_registered org_id=%s subscriptions=%s",
        org.pk,
        ",".join(s.wxcc_subscription_id for s in results),
    )
    return results


@transaction.atomic
def _store(
    org: Organization,
    remote: Subscription,
    secret: str,
    plan: SubscriptionPlan,
    *,
    replacing: WebhookSubscription | None,
) -> WebhookSubscription:
    if replacing is not None and replacing.wxcc_subscription_id != remote.id:
        replacing.delete()
        replacing = None
    row = replacing or WebhookSubscription(organization=org, wxcc_subscription_id=remote.id)
    row.name = remote.name or plan.name
    row.event_types = list(remote.event_types)
    row.destination_url = remote.destination_url
    row.secret = secret
    row.api_version = API_VERSION
    row.resource_version = remote.resource_version or plan.resource_version
    row.status = remote.status or "active"
    row.save()
    return row


def unregister_subscriptions(org: Organization, *, client: WxccClient | None = None) -> int:
    """Delete the org's subscriptions at WxCC (those it still has) and here."""
    if client is None:
        with WxccClient(org) as own_client:
            return unregister_subscriptions(org, client=own_client)
    remote_ids = {s.id for s in client.list_subscriptions()}
    rows = list(WebhookSubscription.objects.filter(organization=org, api_version=API_VERSION))
    for row in rows:
        if row.wxcc_subscription_id in remote_ids:
            client.delete_subscription(row.wxcc_subscription_id)
        row.delete()
    return len(rows)


def default_destination_url() -> str:
    """Where WxCC should deliver: settings.PUBLIC_BASE_URL + the receiver's path."""
    from django.urls import reverse

    return f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}{reverse('wxcc:webhook')}"
