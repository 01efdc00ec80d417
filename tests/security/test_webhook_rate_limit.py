"""The webhook receiver's rate limit per source address: 429 with Retry-After past it, other
addresses unaffected, every delivery under it stored, and open when Redis cannot answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from oauth.models import Organization
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc import webhook_limit
from wxcc.models import RawEvent, WebhookSubscription

SECRET = "s3cr3t-for-rate-limit-tests-long-enough"
URL = "/webhooks/wxcc/"
FLOODER = "203.0.113.77"
WXCC = "198.51.100.20"


@pytest.fixture
def subscription(db: None) -> WebhookSubscription:
    org = Organization.objects.create(name="Limited Care", webex_org_id="org-limit-1")
    return WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-limit-1",
        name="wallboard tasks",
        event_types=["task:new"],
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
        resource_version="task:1.0.0",
    )


@pytest.fixture(autouse=True)
def forget_counters() -> Iterator[None]:
    def forget() -> None:
        from wxcc.redis_client import get_redis

        window = int(time.time() // webhook_limit.WINDOW_S)
        keys = [
            webhook_limit.counter_key(address, w)
            for address in (FLOODER, WXCC)
            for w in (window - 1, window, window + 1)
        ]
        get_redis().delete(*keys)

    forget()
    yield
    forget()


def deliver(subscription: WebhookSubscription, address: str) -> Any:
    payload = envelope(
        subscription.wxcc_subscription_id,
        "task:new",
        {"taskId": f"task-{time.monotonic_ns()}", "channelType": "telephony", "queueId": "q-1"},
        at_ms=now_ms(),
        org_id="org-limit-1",
    )
    body, headers = signed(SECRET, payload)
    return Client(REMOTE_ADDR=address).generic(
        "POST", URL, data=body, content_type="application/json", headers=headers
    )


def test_past_the_limit_an_address_gets_429_with_retry_after_and_others_are_served(
    subscription: WebhookSubscription, settings: Any
) -> None:
    settings.WXCC_WEBHOOK_RATE_LIMIT_PER_MIN = 5
    # Keep the whole burst inside one window: start at the beginning of a fresh one if the
    # current one is about to end.
    if webhook_limit.WINDOW_S - time.time() % webhook_limit.WINDOW_S < 5:
        time.sleep(webhook_limit.WINDOW_S - time.time() % webhook_limit.WINDOW_S)

    flood = [deliver(subscription, FLOODER) for _ in range(8)]
    from_wxcc = deliver(subscription, WXCC)

    statuses = [r.status_code for r in flood]
    assert statuses == [202] * 5 + [429] * 3
    retry_after_s = int(flood[-1]["Retry-After"])
    assert 1 <= retry_after_s <= webhook_limit.WINDOW_S
    assert "too many" in flood[-1].json()["error"]
    assert from_wxcc.status_code == 202
    assert RawEvent.objects.count() == 6  # what was refused was not stored


def test_the_default_limit_never_refuses_a_busy_center_s_deliveries(
    subscription: WebhookSubscription, settings: Any
) -> None:
    assert settings.WXCC_WEBHOOK_RATE_LIMIT_PER_MIN >= 6000  # 100 deliveries a second
    statuses = {deliver(subscription, WXCC).status_code for _ in range(50)}
    assert statuses == {202}


def test_the_limit_is_skipped_not_fatal_when_redis_cannot_answer(
    subscription: WebhookSubscription, settings: Any
) -> None:
    settings.WXCC_WEBHOOK_RATE_LIMIT_PER_MIN = 1
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there

    statuses = [deliver(subscription, FLOODER).status_code for _ in range(3)]

    assert statuses == [202, 202, 202]
