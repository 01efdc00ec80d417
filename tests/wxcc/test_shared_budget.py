"""Two orgs connected through one integration (one client id) share WxCC's 300 requests a
minute: under busy polls together they stay inside the budget, counted at the simulator, each
gets its share, and a 429 pauses both. Real PostgreSQL, Redis, HTTP and threads."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.simulator import RunningSimulator
from tests.wxcc.conftest import MakeRecordingSimulator
from wxcc import poller, ratelimit

pytestmark = pytest.mark.django_db(transaction=True)

BUSY_S = 10.0
# Time between the first token and the last request, beyond BUSY_S (a poll in flight).
TAIL_S = 6.0


def poll_busily(org_ids: list[int], seconds: float) -> list[poller.PollResult]:
    """Each org polled back to back in its own thread for `seconds`."""
    results: list[poller.PollResult] = []
    deadline = time.monotonic() + seconds

    def run(org_id: int) -> None:
        try:
            while time.monotonic() < deadline:
                results.append(poller.poll_org(org_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(org_id,)) for org_id in org_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return results


@pytest.fixture
def two_orgs(
    make_recording_simulator: MakeRecordingSimulator,
    connect_org: Callable[[RunningSimulator], Organization],
    settings: Any,
) -> Callable[..., tuple[RunningSimulator, Any, list[Organization]]]:
    def make(**sim_config: Any) -> tuple[RunningSimulator, Any, list[Organization]]:
        sim, recorder = make_recording_simulator(org_count=2, **sim_config)
        orgs = []
        for number in (1, 2):
            seen_as = sim.for_org(number)
            seen_as.quiet()
            orgs.append(connect_org(seen_as))
        assert orgs[0].webex_org_id != orgs[1].webex_org_id
        return sim, recorder, orgs

    return make


def test_two_busy_orgs_of_one_client_id_stay_inside_its_budget_and_share_it(
    two_orgs: Callable[..., tuple[RunningSimulator, Any, list[Organization]]], settings: Any
) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 240  # the product's default, for the one client id
    # Fair shares judged on the last two seconds (not a minute), so they act within the test.
    settings.WXCC_FAIR_SHARE_WINDOW_S = 2.0
    # WxCC's limit scaled to this test: what one shared bucket can spend in it, and about half
    # of what two separate per-org buckets would. Any 429 means we overspent.
    limit = math.ceil(ratelimit.most_requests_in(BUSY_S + TAIL_S)) + 2
    _, recorder, orgs = two_orgs(rate_limit_per_minute=limit)

    results = poll_busily([org.pk for org in orgs], BUSY_S)

    sent = recorder.wxcc_requests()
    assert [r for r in sent if r.status == 429] == []
    elapsed_s = sent[-1].at - sent[0].at
    assert len(sent) <= ratelimit.most_requests_in(elapsed_s) + 2
    # Busy: together the polls used about what the budget refilled.
    assert len(sent) >= 0.7 * (settings.WXCC_REQUESTS_PER_MINUTE / 60) * elapsed_s
    # Both new orgs backfilled today while they polled, and both polls went through.
    assert {r.org_id for r in sent} == {org.webex_org_id for org in orgs}
    assert {r.org_id for r in results if r.ok} == {org.pk for org in orgs}
    # So in any minute: a full bucket plus a minute's refill, inside WxCC's 300.
    assert ratelimit.most_requests_in(60) <= 300


def test_busy_live_polls_of_two_orgs_share_the_budget_fairly(
    two_orgs: Callable[..., tuple[RunningSimulator, Any, list[Organization]]], settings: Any
) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 240
    settings.WXCC_FAIR_SHARE_WINDOW_S = 2.0
    _, recorder, orgs = two_orgs()
    for org in orgs:  # caught up: from here on both only poll live
        assert poller.poll_org(org.pk).ok
    ratelimit.forget_client()
    recorder.clear()

    results = poll_busily([org.pk for org in orgs], BUSY_S)

    per_org = Counter(r.org_id for r in recorder.wxcc_requests())
    assert set(per_org) == {org.webex_org_id for org in orgs}
    assert min(per_org.values()) >= 0.4 * sum(per_org.values())
    assert {r.org_id for r in results if r.ok} == {org.pk for org in orgs}


def test_a_429_pauses_every_org_of_the_client_id_until_retry_after(
    two_orgs: Callable[..., tuple[RunningSimulator, Any, list[Organization]]], settings: Any
) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 240
    sim, recorder, (first, second) = two_orgs()
    assert poller.poll_org(first.pk).ok
    assert poller.poll_org(second.pk).ok

    sim.set_fault("ratelimit", retry_after_s=2, remaining=1)
    limited = poller.poll_org(first.pk)
    assert limited.error == "rate_limited"
    sent_before = len(recorder.wxcc_requests())

    skipped = poller.poll_org(second.pk)
    assert skipped.skipped == "rate_limited"
    assert len(recorder.wxcc_requests()) == sent_before  # the other org did not even ask
    assert poller.orgs_due_for_poll(timezone.now()) == []

    deadline = time.monotonic() + 10
    while ratelimit.blocked_until(timezone.now()) is not None:
        assert time.monotonic() < deadline, "the block outlived its Retry-After"
        time.sleep(0.1)
    assert set(poller.orgs_due_for_poll(timezone.now())) >= {first.pk, second.pk}
    assert poller.poll_org(first.pk).ok
    assert poller.poll_org(second.pk).ok
