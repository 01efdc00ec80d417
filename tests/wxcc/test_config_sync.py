"""Queues and teams from WxCC's Config API: every configured queue is stored with its channel
and service-level threshold, including queues without traffic today, in a constant number of
queries however many there are, and only when something changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wxcc_factories import QueueFactory
from wxcc import poller
from wxcc.api_types import ConfigQueue, ConfigTeam
from wxcc.config_sync import upsert_configured_queues, upsert_configured_teams
from wxcc.models import Queue, SyncStatus, Team

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def configured(count: int) -> list[ConfigQueue]:
    return [
        ConfigQueue(f"q-{n}", f"Queue {n}", "telephony", 20 + n % 40, active=True)
        for n in range(count)
    ]


def sql_of(run: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured.captured_queries]


def test_the_first_poll_stores_every_configured_queue_with_its_threshold(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    assert poller.poll_org(sim_org.pk).ok

    stored = {q.wxcc_id: q for q in Queue.objects.filter(organization=sim_org)}
    state = live_sim.state()
    assert set(stored) == {q["id"] for q in state["queues"]}  # with or without traffic
    by_name = {q.name: q for q in stored.values()}
    assert {n: q.service_level_threshold_s for n, q in by_name.items()} == {
        "Sales": 20,
        "Support": 30,
        "Billing": 30,
        "Web Chat": 60,
        "Email Support": 3600,
    }
    assert by_name["Email Support"].channel_type == "email"
    assert {t.wxcc_id for t in Team.objects.filter(organization=sim_org)} == {
        t["id"] for t in state["teams"]
    }
    assert SyncStatus.objects.get(organization=sim_org).config_synced_at is not None


def test_a_queue_search_named_first_gets_its_configured_name_and_threshold(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    sales = next(q for q in live_sim.state()["queues"] if q["name"] == "Sales")
    QueueFactory.create(organization=sim_org, wxcc_id=sales["id"], name="", channel_type="")
    assert poller.poll_org(sim_org.pk).ok
    queue = Queue.objects.get(organization=sim_org, wxcc_id=sales["id"])
    assert (queue.name, queue.channel_type, queue.service_level_threshold_s) == (
        "Sales",
        "telephony",
        20,
    )


def test_the_sync_runs_again_only_after_its_interval(
    sim_org: Organization, live_sim: RunningSimulator, settings
) -> None:  # type: ignore[no-untyped-def]
    assert poller.poll_org(sim_org.pk).config_requests == 2
    assert poller.poll_org(sim_org.pk).config_requests == 0
    settings.WXCC_CONFIG_SYNC_INTERVAL_S = 0
    assert poller.poll_org(sim_org.pk).config_requests == 2


def test_storing_5_or_500_queues_takes_the_same_queries_and_a_repeat_writes_nothing() -> None:
    small, large = OrganizationFactory.create(), OrganizationFactory.create()
    small_sql = sql_of(lambda: upsert_configured_queues(org=small, queues=configured(5)))
    large_sql = sql_of(lambda: upsert_configured_queues(org=large, queues=configured(500)))
    assert len(small_sql) == len(large_sql)
    assert Queue.objects.filter(organization=large).count() == 500

    again = sql_of(lambda: upsert_configured_queues(org=large, queues=configured(500)))
    assert [s for s in again if s.lstrip().upper().startswith(WRITES)] == []

    changed = [*configured(500)]
    changed[7] = ConfigQueue("q-7", "Queue 7", "telephony", 45)
    changed[9] = ConfigQueue("q-9", "Renamed", "telephony", 29)
    written = upsert_configured_queues(org=large, queues=changed)
    assert len(written) == 2
    updated = {q.wxcc_id: q for q in Queue.objects.filter(organization=large, pk__in=written)}
    assert updated["q-7"].service_level_threshold_s == 45
    assert updated["q-9"].name == "Renamed"


def test_teams_are_stored_with_their_names() -> None:
    org = OrganizationFactory.create()
    upsert_configured_teams(org=org, teams=[ConfigTeam("t-1", "Blue"), ConfigTeam("t-2", "Red")])
    assert dict(Team.objects.filter(organization=org).values_list("wxcc_id", "name")) == {
        "t-1": "Blue",
        "t-2": "Red",
    }


@pytest.mark.parametrize(("sent", "stored"), [(20, 20), (0, None), (-3, None), (None, None)])
def test_a_threshold_that_is_not_positive_is_unknown(sent: object, stored: int | None) -> None:
    queue = ConfigQueue.parse(
        {"id": "q", "name": "Q", "channelType": "CHAT", "serviceLevelThreshold": sent}
    )
    assert queue.service_level_threshold_s == stored
    assert queue.channel_type == "chat"
