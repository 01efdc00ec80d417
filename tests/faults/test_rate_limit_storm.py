"""A 429 storm from WxCC: the poller backs off (one request per Retry-After, the whole
integration blocked meanwhile), WxCC never sees more than the integration's budget in any
60 s window, the board says it is stale because of the rate limit, and once the storm ends the
polls resume by themselves and the board is fresh again. Small budgets and short windows keep
it to seconds of wall time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from tests.faults.counted_simulator import RequestLog, counted_simulator
from tests.fixtures.simulator import RunningSimulator
from tests.wallboard.tv_browser import beat, quiet_board
from wallboard.live import full_board_html
from wallboard.specs import board_specs
from wxcc import ratelimit
from wxcc.models import SyncStatus
from wxcc.poller import poll_org

pytestmark = [pytest.mark.django_db(transaction=True)]

REQUESTS_PER_MINUTE = 60
RETRY_AFTER_S = 3
STORM_S = 18.0
BEAT_EVERY_S = 0.5
RATE_LIMIT_REASON = "WxCC rate limit"


@pytest.fixture
def counted_sim() -> Iterator[tuple[RunningSimulator, RequestLog]]:
    sim, log = counted_simulator(start_time_ms=None, history_days=0)
    sim.quiet()
    yield sim, log
    sim.stop()


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def board_status(org_id: int) -> str:
    """The status fragment of the org's board as a TV receives it on connect."""
    html = full_board_html(board_specs(org_id=org_id)[0])
    start = html.index('id="board-status"')
    return html[start : html.index("</div>", start)]


def is_stale(status: str) -> bool:
    return "is-stale" in status.split(">", 1)[0]


@pytest.mark.timeout(240)
def test_a_429_storm_backs_the_poller_off_within_budget_and_the_board_recovers_unaided(
    counted_sim: tuple[RunningSimulator, RequestLog],
    connect_org: Callable[[RunningSimulator], Any],
    settings: Any,
) -> None:
    sim, log = counted_sim
    org = connect_org(sim)
    settings.WXCC_REQUESTS_PER_MINUTE = REQUESTS_PER_MINUTE
    settings.WXCC_FAIR_SHARE_WINDOW_S = 10.0
    assert poll_org(org.pk).ok
    quiet_board(org, stale_after_s=4)

    with beat(org.pk, every_s=BEAT_EVERY_S):
        wait_until(lambda: not is_stale(board_status(org.pk)), "a fresh board", 30)
        storm_start_s = time.monotonic()
        sim.set_fault(mode="ratelimit", retry_after_s=RETRY_AFTER_S)
        wait_until(lambda: is_stale(board_status(org.pk)), "the board to say it is stale", STORM_S)
        status_in_storm = board_status(org.pk)
        limited_until = SyncStatus.objects.get(organization=org).rate_limited_until
        time.sleep(max(0.0, storm_start_s + STORM_S - time.monotonic()))
        sim.clear_faults()
        storm_end_s = time.monotonic()
        storm_ended_at = timezone.now()

        def fresh_again() -> bool:
            sync = SyncStatus.objects.get(organization=org)
            polled = sync.last_poll_ok_at is not None and sync.last_poll_ok_at > storm_ended_at
            return polled and not is_stale(board_status(org.pk))

        wait_until(fresh_again, "polls to resume and the board to be fresh", 40)
    status_after = board_status(org.pk)
    sync = SyncStatus.objects.get(organization=org)

    assert is_stale(status_in_storm)
    assert RATE_LIMIT_REASON in status_in_storm
    assert limited_until is not None
    # Backed off: at most one request per Retry-After (the first 429 stops the poll and blocks
    # the integration), where an unblocked beat would have sent several each second.
    storm_requests = log.count_between(storm_start_s, storm_end_s)
    assert 1 <= storm_requests <= STORM_S / RETRY_AFTER_S + 2
    # Within the budget in every 60 s window of the whole run, storm and catch-up included.
    assert log.most_in_any_window(60.0) <= ratelimit.most_requests_in(60.0)
    assert RATE_LIMIT_REASON not in status_after
    assert sync.rate_limited_until is None
    assert sync.last_error == ""
