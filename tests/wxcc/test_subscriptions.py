"""Registering webhook subscriptions with WxCC (the simulator): service, command, admin."""

from __future__ import annotations

import hashlib
import hmac
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from oauth.models import Organization
from tests.fixtures.factories import UserFactory
from tests.fixtures.simulator import RunningSimulator, WebhookReceiver
from wxcc.exceptions import WxccBadRequest, WxccDestinationRefused
from wxcc.models import WebhookSubscription
from wxcc.subscriptions import destination_url_problems, register_subscription

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


# --- the destination URL Webex would refuse (§1.2) ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://wallboard.example.com/hooks", "must use https"),
        ("https://10.1.2.3/hooks", "IP address"),
        ("https://intranet/hooks", "public top-level domain"),
        ("https://wallboard.example.com", "needs a path"),
        ("https://wallboard.example.com/hooks?token=x", "query"),
        ("https://user:pw@wallboard.example.com/hooks", "user name or password"),
        ("https://wallboard.example.com:8443/hooks", "port 8443"),
        ("https://wallboard.example.com/hooks#x", "fragment"),
    ],
)
def test_each_rule_webex_applies_to_a_destination_is_named(url: str, problem: str) -> None:
    problems = destination_url_problems(url)
    assert len(problems) == 1
    assert problem in problems[0]


@pytest.mark.parametrize(
    "url",
    [
        "https://wallboard.example.com/",
        "https://wallboard.example.com/webhooks/wxcc/",
        "https://wallboard.example.com:443/webhooks/wxcc/",
        "https://xn--bcher-kva.example/webhooks/wxcc/",
    ],
)
def test_a_public_https_address_with_a_path_is_accepted(url: str) -> None:
    assert destination_url_problems(url) == ()


def test_loopback_receivers_pass_only_with_the_opt_in() -> None:
    demo = "http://127.0.0.1:8000/webhooks/wxcc/"
    assert destination_url_problems(demo)  # real Webex refuses it
    assert destination_url_problems(demo, allow_loopback=True) == ()
    assert (
        destination_url_problems("http://localhost:8000/webhooks/wxcc/", allow_loopback=True) == ()
    )
    # The opt-in admits loopback hosts only, and the other rules still hold.
    assert destination_url_problems("http://example.com/hooks", allow_loopback=True)
    assert destination_url_problems("http://127.0.0.1:8000/hooks?x=1", allow_loopback=True)


def test_registering_refuses_an_address_webex_would_refuse_before_asking_it(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(WxccDestinationRefused) as caught:
        register_subscription(sim_org, "http://127.0.0.1:8000/webhooks/wxcc/")
    assert isinstance(caught.value, WxccBadRequest)  # every edge already handles those
    assert caught.value.key == "destination_url"
    assert "must use https" in caught.value.problems[0]
    assert str(caught.value).startswith("Webex would refuse 'http://127.0.0.1:8000/")
    assert remote(live_sim) == []
    assert not WebhookSubscription.objects.filter(organization=sim_org).exists()


def test_the_command_says_plainly_why_an_address_is_refused(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_WEBHOOK_ALLOW_LOOPBACK = False
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    with pytest.raises(CommandError, match="must use https"):
        call_command("register_webhooks", "--org", str(sim_org.pk), stdout=StringIO())
    assert remote(live_sim) == []
