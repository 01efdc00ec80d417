"""The shared per-org budget and the 429 block, in the real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from wxcc import ratelimit

ORG_ID = 987_654  # an id no database row uses in these tests


@pytest.fixture(autouse=True)
def clean_org() -> Iterator[None]:
    ratelimit.unblock_org(ORG_ID)
    yield
    ratelimit.unblock_org(ORG_ID)


def test_a_spent_budget_asks_the_caller_to_wait(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_REQUESTS_PER_MINUTE = 6  # a bucket of one token, refilled every 10 s
    assert ratelimit.take_token(ORG_ID) == 0
    wait_s = ratelimit.take_token(ORG_ID)
    assert 0 < wait_s <= 10


def test_the_budget_is_per_org(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WXCC_REQUESTS_PER_MINUTE = 6
    ratelimit.take_token(ORG_ID)
    assert ratelimit.take_token(ORG_ID) > 0
    ratelimit.unblock_org(ORG_ID + 1)
    assert ratelimit.take_token(ORG_ID + 1) == 0
    ratelimit.unblock_org(ORG_ID + 1)


def test_a_block_only_ever_moves_later() -> None:
    now = timezone.now()
    ratelimit.block_org(ORG_ID, now + timedelta(seconds=30))
    ratelimit.block_org(ORG_ID, now + timedelta(seconds=5))
    blocked = ratelimit.blocked_until(ORG_ID, now)
    assert blocked is not None
    assert blocked > now + timedelta(seconds=20)


def test_a_block_in_the_past_does_not_block() -> None:
    now = timezone.now()
    ratelimit.block_org(ORG_ID, now + timedelta(seconds=30))
    assert ratelimit.blocked_until(ORG_ID, now + timedelta(seconds=31)) is None
