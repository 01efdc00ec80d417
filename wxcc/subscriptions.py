"""Registering our webhook receiver with WxCC for an org (V2 subscriptions, §1.2 of
docs/wxcc-contract.md).

A V2 subscription carries one `resourceVersion`, so agent and task events need one
subscription each. Each gets its own random secret (stored encrypted on
`WebhookSubscription`; the receiver verifies deliveries with it). When settings.WXCC_WEBHOOK_SECRET
is set (the demo org) that value is used instead, so a simulator started with it can sign.

Registering again is safe: a subscription we still know at WxCC is updated in place (PATCH,
same secret), one WxCC no longer has is created anew.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from oauth.models import Organization
from wxcc.api_types import Subscription
from wxcc.client import WxccClient
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


def new_secret() -> str:
    configured = str(settings.WXCC_WEBHOOK_SECRET or "")
    if configured:
        return configured
    return secrets.token_urlsafe(SECRET_BYTES)


def register_subscription(
    org: Organization, destination_url: str, *, client: WxccClient | None = None
) -> list[WebhookSubscription]:
    """Create (or bring up to date) the org's agent and task subscriptions at WxCC."""
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
