"""A second `make demo` on an existing data/: the demo's setup steps (setup_demo, then
register_webhooks, as demo/management/commands/demo.py runs them) against a restarted
simulator that keeps its state in the same folder, work again without re-consent."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from oauth.models import ConnectionStatus, Organization, WebexConnection
from tests.fixtures.simulator import RunningSimulator
from wxcc import ratelimit
from wxcc.models import WebhookSubscription

pytestmark = pytest.mark.django_db

DEMO_ORG_NAME = "Demo Contact Center"


def demo_setup(receiver_url: str) -> str:
    """What `manage.py demo` runs once the simulator answers; returns their output."""
    out = io.StringIO()
    call_command("setup_demo", "--wait", "5", stdout=out)
    org = Organization.objects.get(name=DEMO_ORG_NAME)
    call_command("register_webhooks", "--org", str(org.pk), "--url", receiver_url, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_sim(
    make_simulator: Callable[..., RunningSimulator], settings: Any
) -> Callable[[Path | None], RunningSimulator]:
    def make(state_dir: Path | None) -> RunningSimulator:
        sim = make_simulator(
            start_time_ms=None,
            history_days=0,
            state_dir=str(state_dir) if state_dir is not None else None,
        )
        settings.DEBUG = True  # as the demo runs (setup_demo refuses otherwise)
        settings.WEBEX_IDENTITY_URL = sim.identity_url
        settings.WXCC_API_URL = sim.api_url
        settings.WEBEX_CLIENT_ID = sim.client_id
        settings.WEBEX_CLIENT_SECRET = sim.client_secret
        settings.WXCC_WEBHOOK_ALLOW_LOOPBACK = True  # the demo's default (DEBUG)
        ratelimit.forget_client(client_id=sim.client_id)
        return sim

    return make


def test_a_second_demo_run_against_the_restarted_simulator_needs_no_reconsent(
    demo_sim: Callable[[Path | None], RunningSimulator], tmp_path: Path
) -> None:
    sim = demo_sim(tmp_path / "data" / "simulator")
    receiver = "http://127.0.0.1:8000/webhooks/wxcc/"
    demo_setup(receiver)
    first_ids = set(WebhookSubscription.objects.values_list("wxcc_subscription_id", flat=True))
    generation = WebexConnection.objects.get().token_generation

    sim.restart()  # the next `make demo`: same port, same state dir
    output = demo_setup(receiver)

    assert "already connected" in output
    conn = WebexConnection.objects.get()
    assert conn.status == ConnectionStatus.CONNECTED
    assert conn.token_generation == generation  # the stored token still works
    assert set(WebhookSubscription.objects.values_list("wxcc_subscription_id", flat=True)) == (
        first_ids
    )
    remote = sim.api("GET", "/v2/subscriptions", token=conn.access_token).json()["data"]
    assert {s["id"] for s in remote} == first_ids  # updated in place, not created again


def test_without_a_state_dir_the_restarted_simulator_forgets_and_asks_for_reconsent(
    demo_sim: Callable[[Path | None], RunningSimulator],
) -> None:
    sim = demo_sim(None)
    receiver = "http://127.0.0.1:8000/webhooks/wxcc/"
    demo_setup(receiver)

    sim.restart()
    with pytest.raises(CommandError, match="needs re-consent"):
        demo_setup(receiver)
    assert WebexConnection.objects.get().status == ConnectionStatus.NEEDS_RECONSENT
