"""The WxCC client against the simulator over real HTTP: pagination, retries, 429s, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.simulator import RunningSimulator
from wxcc import ratelimit
from wxcc.client import WxccClient
from wxcc.exceptions import WxccBadRequest, WxccRateLimited, WxccUnavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def history_sim(make_simulator) -> RunningSimulator:  # type: ignore[no-untyped-def]
    """A wall-clock simulator with a day of history (several pages of tasks)."""
    sim = make_simulator(start_time_ms=None, history_days=1, tasks_per_day=600)
    sim.quiet()
    return sim


def count_tasks(sim: RunningSimulator, from_ms: int, to_ms: int) -> int:
    query = (
        "query($from: Long!, $to: Long!) { taskDetails(from: $from, to: $to,"
        ' aggregations: [{field: "id", type: count, name: "n"}]) {'
        " tasks { aggregation { name value } } } }"
    )
    body = sim.search(query, {"from": from_ms, "to": to_ms}).json()
    return round(body["data"]["taskDetails"]["tasks"][0]["aggregation"][0]["value"])


def test_search_follows_the_cursor_to_the_last_page(
    history_sim: RunningSimulator, connect_org
) -> None:  # type: ignore[no-untyped-def]
    org = connect_org(history_sim)
    end = timezone.now()
    start = end - timedelta(hours=23)
    with WxccClient(org) as client:
        tasks = client.search_tasks(start, end)
        pages = client.requests_made
    expected = count_tasks(history_sim, int(start.timestamp() * 1000), int(end.timestamp() * 1000))
    assert expected > 200  # more than two pages of 100
    assert len(tasks) == expected
    assert len({t.id for t in tasks}) == expected
    assert pages == -(-expected // 100)


def test_a_5xx_is_retried_and_the_call_then_succeeds(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("5xx", status_code=502, remaining=2)
    with WxccClient(sim_org) as client:
        sessions = client.active_agent_sessions(timezone.now())
        assert client.requests_made == 3
    assert sessions  # the quiet simulator still has its morning shift logged in


def test_5xx_outlasting_the_retries_raises_unavailable(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("outage")
    with WxccClient(sim_org) as client, pytest.raises(WxccUnavailable):
        client.active_tasks(timezone.now())
    assert client.requests_made == 3


def test_a_429_blocks_the_org_for_retry_after_so_the_next_call_waits(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.set_fault("ratelimit", retry_after_s=7, remaining=1)
    with WxccClient(sim_org) as client:
        with pytest.raises(WxccRateLimited) as caught:
            client.active_tasks(timezone.now())
        assert caught.value.retry_after_s == 7
        blocked = ratelimit.blocked_until(sim_org.pk, timezone.now())
        assert blocked is not None
        assert blocked > timezone.now() + timedelta(seconds=5)
        # The block is shared: this call never reaches WxCC.
        with pytest.raises(WxccRateLimited):
            client.active_tasks(timezone.now())
        assert client.requests_made == 1


def test_a_rejected_request_carries_wxccs_error_key(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    with WxccClient(sim_org) as client, pytest.raises(WxccBadRequest) as caught:
        client.create_subscription(
            name="Too short a secret",
            event_types=["task:new"],
            destination_url="https://example.com/webhooks/wxcc/",
            secret="short",
            resource_version="task:1.0.0",
        )
    assert caught.value.status == 400
    assert caught.value.key == "400"
    assert any("secret" in d for d in caught.value.descriptions)


def test_agent_activities_page_until_a_short_page(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    now = timezone.now()
    with WxccClient(sim_org) as client:
        all_at_once = client.agent_activities(now - timedelta(hours=2), now)
        before = client.requests_made
        paged = client.agent_activities(now - timedelta(hours=2), now, page_size=5)
        pages = client.requests_made - before
    assert len(all_at_once) > 5
    assert [(a.agent.id, a.started_at) for a in paged] == [
        (a.agent.id, a.started_at) for a in all_at_once
    ]
    assert pages == len(all_at_once) // 5 + 1


def test_queue_statistics_come_back_typed(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    live_sim.inject_task(live_sim.state()["queues"][0]["id"])
    now = timezone.now()
    with WxccClient(sim_org) as client:
        queues = client.queue_statistics(now - timedelta(hours=1), now)
        agents = client.agent_statistics(now - timedelta(hours=1), now)
    assert all(q.queue.id for q in queues)
    assert all(a.agent.id for a in agents)
