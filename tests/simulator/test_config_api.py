"""The simulator's Config API (docs/wxcc-contract.md §6): each org's contact service queues
and teams, paged as Cisco's OpenAPI file describes, for the token's own org only, with
cjp:config_read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from httpx import Response

from tests.fixtures.simulator import RunningSimulator

QUEUES = "/organization/{org}/v2/contact-service-queue"
TEAMS = "/organization/{org}/v2/team"


def get(sim: RunningSimulator, path: str, *, token: str | None = None, **params: Any) -> Response:
    return sim.api("GET", path.format(org=sim.org_id), token=token, params=params)


def test_every_queue_comes_with_its_channel_and_service_level_threshold_in_seconds(
    simulator: RunningSimulator,
) -> None:
    body = get(simulator, QUEUES).json()
    queues = {q["name"]: q for q in body["data"]}
    assert set(queues) == {q["name"] for q in simulator.state()["queues"]}
    sales = queues["Sales"]
    assert sales["channelType"] == "TELEPHONY"  # the Config API writes channels in capitals
    assert sales["serviceLevelThreshold"] == 20
    assert queues["Email Support"]["serviceLevelThreshold"] == 3600
    assert sales["organizationId"] == simulator.org_id
    assert {"id", "version", "queueType", "active", "createdTime", "lastUpdatedTime"} <= set(sales)
    assert body["meta"] == {
        "orgid": simulator.org_id,
        "page": 0,
        "pageSize": 100,
        "totalPages": 1,
        "totalRecords": 5,
    }


def test_teams_are_listed_with_their_sites(simulator: RunningSimulator) -> None:
    teams = get(simulator, TEAMS).json()["data"]
    assert {t["id"] for t in teams} == {t["id"] for t in simulator.state()["teams"]}
    assert all(t["siteName"] and t["teamType"] == "AGENT" for t in teams)


def test_pages_count_from_zero_and_say_how_many_there_are(simulator: RunningSimulator) -> None:
    pages = [get(simulator, QUEUES, page=n, pageSize=2).json() for n in range(4)]
    assert [len(p["data"]) for p in pages] == [2, 2, 1, 0]
    assert {p["meta"]["totalPages"] for p in pages} == {3}
    ids = [q["id"] for p in pages for q in p["data"]]
    assert len(set(ids)) == 5


def test_a_page_size_above_the_maximum_is_cut_to_it(simulator: RunningSimulator) -> None:
    assert get(simulator, QUEUES, pageSize=5000).json()["meta"]["pageSize"] == 100


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": -1}, {"pageSize": 0}])
def test_bad_paging_is_a_400_in_wxccs_error_shape(
    simulator: RunningSimulator, params: dict[str, Any]
) -> None:
    response = get(simulator, QUEUES, **params)
    assert response.status_code == 400
    assert response.json()["error"]["key"] == "400"


def test_reading_needs_a_config_read_scope(simulator: RunningSimulator) -> None:
    login_only = simulator.new_tokens(scope="spark:people_read")["access_token"]
    config = simulator.new_tokens(scope="cjp:config spark:people_read")["access_token"]
    refused = get(simulator, QUEUES, token=login_only)
    assert refused.status_code == 403
    assert refused.json()["error"]["key"] == "403"
    assert get(simulator, TEAMS, token=config).status_code == 200


def test_each_org_reads_its_own_configuration_and_no_other(
    make_simulator: Callable[..., RunningSimulator],
) -> None:
    sim = make_simulator(org_count=2, history_days=0)
    second = sim.for_org(2)
    own = {q["id"] for q in get(second, QUEUES).json()["data"]}
    assert own == {q["id"] for q in second.state()["queues"]}
    assert own.isdisjoint(q["id"] for q in get(sim, QUEUES).json()["data"])
    # Org 2's token may not read org 1's queues, though this simulator serves both.
    foreign = second.api("GET", QUEUES.format(org=sim.org_id))
    assert foreign.status_code == 403
