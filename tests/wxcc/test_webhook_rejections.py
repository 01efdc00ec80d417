"""Refused deliveries are counted where an admin sees them, and no sender can grow the count
table faster than one row per subscription, reason and minute."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc.models import RejectionReason, WebhookRejection, WebhookSubscription
from wxcc.rejections import record_rejection

SECRET = "s3cr3t-for-rejection-tests-long-enough-7"
URL = "/webhooks/wxcc/"


@pytest.fixture
def subscription(db: None) -> WebhookSubscription:
    org = OrganizationFactory.create(name="Counted Care")
    return WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-counted",
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )


def post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.generic("POST", URL, data=body, content_type="application/json", headers=headers)


def forged(subscription_id: str = "sub-counted") -> tuple[bytes, dict[str, str]]:
    payload = envelope(subscription_id, "task:new", {"taskId": "t-1"}, at_ms=now_ms())
    return signed("not-the-subscriptions-secret-at-all-000", payload)


def test_a_flood_of_forged_deliveries_is_one_counted_row_per_minute(
    client: Client, subscription: WebhookSubscription
) -> None:
    for _ in range(60):
        assert post(client, *forged()).json()["status"] == "dropped"
    rows = list(WebhookRejection.objects.all())
    assert sum(row.count for row in rows) == 60
    assert len(rows) <= 2  # the flood may straddle a minute boundary


def test_made_up_subscription_ids_share_one_row_and_are_not_stored(
    client: Client, subscription: WebhookSubscription
) -> None:
    made_up = [f"probe-{uuid.uuid4().hex}" for _ in range(30)]
    for subscription_id in made_up:
        post(client, *forged(subscription_id))
    rows = list(WebhookRejection.objects.all())
    assert {row.reason for row in rows} == {RejectionReason.UNKNOWN_SUBSCRIPTION}
    assert {row.wxcc_subscription_id for row in rows} == {""}
    assert sum(row.count for row in rows) == 30


def test_counts_older_than_the_retention_are_deleted_when_a_new_minute_begins(
    subscription: WebhookSubscription, settings: Any
) -> None:
    settings.WXCC_WEBHOOK_REJECTION_RETENTION_DAYS = 7
    now = datetime(2026, 11, 23, 12, 0, 30, tzinfo=UTC)
    for when in (now - timedelta(days=8), now - timedelta(days=6), now):
        record_rejection(
            reason=RejectionReason.BAD_SIGNATURE,
            status_code=200,
            detail="missing or invalid signature",
            now=when,
            subscription_id="sub-counted",
            organization_id=subscription.organization_id,
        )
    assert sorted(r.minute for r in WebhookRejection.objects.all()) == [
        (now - timedelta(days=6)).replace(second=0),
        now.replace(second=0),
    ]


def test_the_connection_page_tells_the_admin_what_was_refused_and_why(
    client: Client, subscription: WebhookSubscription
) -> None:
    for _ in range(3):
        post(client, *forged())
    admin = MembershipFactory.create(organization=subscription.organization, admin=True).user
    client.force_login(admin)
    page = client.get(reverse("oauth:org_connection", args=[subscription.organization_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Webhook deliveries" in html
    assert "None accepted yet." in html
    assert "3 \N{MULTIPLICATION SIGN} missing or invalid signature" in html


def test_the_connection_page_shows_the_last_accepted_delivery_and_no_refusals(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = envelope("sub-counted", "task:new", {"taskId": "t-1"}, at_ms=now_ms())
    assert post(client, *signed(SECRET, payload)).status_code == 202
    client.force_login(
        MembershipFactory.create(organization=subscription.organization, admin=True).user
    )
    html = client.get(
        reverse("oauth:org_connection", args=[subscription.organization_id])
    ).content.decode()
    assert "Last accepted" in html
    assert "None refused in the last 24 hours." in html


def test_another_orgs_refusals_are_not_shown(
    client: Client, subscription: WebhookSubscription
) -> None:
    post(client, *forged())
    other = MembershipFactory.create(admin=True)
    client.force_login(other.user)
    html = client.get(
        reverse("oauth:org_connection", args=[other.organization_id])
    ).content.decode()
    assert "None refused in the last 24 hours." in html


def test_the_django_admin_lists_refused_deliveries(
    client: Client, subscription: WebhookSubscription
) -> None:
    post(client, *forged())
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(staff)
    page = client.get(reverse("admin:wxcc_webhookrejection_changelist"))
    assert page.status_code == 200
    assert "sub-counted" in page.content.decode()
