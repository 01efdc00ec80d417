"""Registering webhook subscriptions with WxCC (the simulator): service, command, admin."""

from __future__ import annotations

import hashlib
import hmac
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from oauth.models import Organization
from tests.fixtures.factories import UserFactory
from tests.fixtures.simulator import RunningSimulator, WebhookReceiver
from wxcc.models import WebhookSubscription
from wxcc.subscriptions import register_subscription

pytestmark = pytest.mark.django_db

URL = "https://wallboard.example.com/webhooks/wxcc/"


def remote(sim: RunningSimulator) -> list[dict[str, object]]:
    return sim.api("GET", "/v2/subscriptions", params={"orgId": sim.org_id}).json()["data"]


def test_registering_creates_one_agent_and_one_task_subscription_each_with_its_own_secret(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    rows = register_subscription(sim_org, URL)

    by_version = {row.resource_version: row for row in rows}
    assert set(by_version) == {"agent:1.0.0", "task:1.0.0"}
    assert "agent:logout" in by_version["agent:1.0.0"].event_types
    assert "task:ended" in by_version["task:1.0.0"].event_types
    assert {s["id"] for s in remote(live_sim)} == {r.wxcc_subscription_id for r in rows}
    secrets = {row.secret for row in rows}
    assert len(secrets) == 2
    assert all(len(secret) >= 32 for secret in secrets)


def test_the_secret_is_encrypted_at_rest(sim_org: Organization, live_sim: RunningSimulator) -> None:
    row = register_subscription(sim_org, URL)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM wxcc_webhooksubscription WHERE id = %s", [row.pk])
        (stored,) = cursor.fetchone()
    assert row.secret not in stored


def test_registering_again_updates_the_same_subscriptions_in_place(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    first = {r.wxcc_subscription_id: r.secret for r in register_subscription(sim_org, URL)}
    new_url = "https://wallboard2.example.com/webhooks/wxcc/"
    second = register_subscription(sim_org, new_url)

    assert {r.wxcc_subscription_id: r.secret for r in second} == first
    assert {s["destinationUrl"] for s in remote(live_sim)} == {new_url}
    assert WebhookSubscription.objects.filter(organization=sim_org).count() == 2


def test_the_configured_demo_secret_is_used_when_set(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_WEBHOOK_SECRET = "d" * 40
    rows = register_subscription(sim_org, URL)
    assert {row.secret for row in rows} == {"d" * 40}


def test_deliveries_are_signed_with_the_secret_we_stored(
    sim_org: Organization, live_sim: RunningSimulator, webhook_receiver: WebhookReceiver
) -> None:
    rows = register_subscription(sim_org, webhook_receiver.url)
    live_sim.inject_task(live_sim.state()["queues"][0]["id"])
    webhook_receiver.wait_for(lambda events: any(e["type"] == "task:new" for e in events))

    hook = next(h for h in webhook_receiver.received if h.json()["type"] == "task:new")
    subscription_id = hook.json()["source"].rsplit("/", 1)[-1]
    secret = next(r.secret for r in rows if r.wxcc_subscription_id == subscription_id)
    expected = hmac.new(secret.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["x-webexcc-signature"] == expected


def test_the_management_command_registers_the_orgs_webhooks(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    out = StringIO()
    call_command("register_webhooks", "--org", str(sim_org.pk), "--url", URL, stdout=out)
    assert len(remote(live_sim)) == 2
    for row in WebhookSubscription.objects.filter(organization=sim_org):
        assert row.wxcc_subscription_id in out.getvalue()


def test_the_admin_button_registers_webhooks_for_the_chosen_org(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    changelist = client.get(reverse("admin:wxcc_webhooksubscription_changelist"))
    register_url = reverse("admin:wxcc_webhooksubscription_register")
    assert register_url in changelist.content.decode()

    response = client.post(register_url, {"organization": sim_org.pk, "destination_url": URL})
    assert response.status_code == 302
    assert WebhookSubscription.objects.filter(organization=sim_org).count() == 2
