"""The integration's request budget and the 429 block, in the real Redis: one budget per
client id shared by its orgs, bulk reads only from what live ones leave, fair shares."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from wxcc import ratelimit
from wxcc.ratelimit import Priority

CLIENT = "test-ratelimit-client"
OTHER_CLIENT = "test-ratelimit-other-client"
ORG_A, ORG_B = 987_654, 987_655  # ids no database row uses in these tests


@pytest.fixture(autouse=True)
def clean_clients() -> Iterator[None]:
    for client in (CLIENT, OTHER_CLIENT):
        ratelimit.forget_client(client_id=client)
    yield
    for client in (CLIENT, OTHER_CLIENT):
        ratelimit.forget_client(client_id=client)


def take(org_id: int, priority: Priority = Priority.LIVE, client: str = CLIENT) -> float:
    return ratelimit.take_token(org_id, priority, client_id=client)


def drain(org_id: int, priority: Priority, limit: int = 500) -> int:
    """Take tokens until the limiter says wait; returns how many were taken."""
    for taken in range(limit):
        if take(org_id, priority) > 0:
            return taken
    raise AssertionError("the limiter never asked to wait")


def test_the_default_budget_stays_inside_wxccs_300_a_minute_in_any_window(settings: Any) -> None:
    assert settings.WXCC_REQUESTS_PER_MINUTE == 240
    assert ratelimit.most_requests_in(60) <= 300


def test_a_spent_budget_asks_the_caller_to_wait(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 6  # a bucket of one token, refilled every 10 s
    assert take(ORG_A) == 0
    wait_s = take(ORG_A)
    assert 0 < wait_s <= 10


def test_every_org_of_one_client_id_spends_the_same_budget(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 6
    assert take(ORG_A) == 0
    assert take(ORG_B) > 0  # org A spent the integration's only token


def test_another_client_id_has_a_budget_of_its_own(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 6
    assert take(ORG_A) == 0
    assert take(ORG_A, client=OTHER_CLIENT) == 0


def test_bulk_reads_leave_half_the_bucket_to_live_requests(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 600  # a bucket of 60, refilled 10 a second
    bulk_taken = drain(ORG_A, Priority.BULK)
    assert 28 <= bulk_taken <= 32  # down to half, give or take the refill meanwhile
    assert take(ORG_B, Priority.LIVE) == 0
    assert take(ORG_A, Priority.LIVE) == 0  # even the backfilling org's own live poll


def test_an_org_above_its_fair_share_waits_while_one_within_it_goes_first(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 600
    settings.WXCC_FAIR_SHARE_WINDOW_S = 1.0  # shares judged on the last second, for speed
    assert take(ORG_B) == 0  # B is polling too: two orgs share the budget
    busy_taken = drain(ORG_A, Priority.LIVE)
    assert busy_taken < 60  # A was stopped above the quarter kept for fair shares
    assert take(ORG_A) > 0
    assert take(ORG_B) == 0


def test_alone_an_org_may_use_the_whole_budget(settings: Any) -> None:
    settings.WXCC_REQUESTS_PER_MINUTE = 600
    settings.WXCC_FAIR_SHARE_WINDOW_S = 1.0
    assert drain(ORG_A, Priority.LIVE) >= 59


def test_a_block_pauses_every_org_of_the_client_id_and_only_ever_moves_later() -> None:
    now = timezone.now()
    ratelimit.block_client(now + timedelta(seconds=30), client_id=CLIENT)
    ratelimit.block_client(now + timedelta(seconds=5), client_id=CLIENT)
    blocked = ratelimit.blocked_until(now, client_id=CLIENT)
    assert blocked is not None
    assert blocked > now + timedelta(seconds=20)
    assert ratelimit.blocked_until(now, client_id=OTHER_CLIENT) is None


def test_a_block_in_the_past_does_not_block() -> None:
    now = timezone.now()
    ratelimit.block_client(now + timedelta(seconds=30), client_id=CLIENT)
    assert ratelimit.blocked_until(now + timedelta(seconds=31), client_id=CLIENT) is None
