"""Fixtures for the live boards: a clean slate of the wallboard's Redis keys per test (test
databases restart their primary keys, so keys of an earlier run would otherwise match), and
a board with a display link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wallboard.redis_client import get_redis


def forget_wallboard_redis() -> None:
    redis = get_redis()
    stale = list(redis.scan_iter(match="wb:live:*", count=500))
    if stale:
        redis.delete(*stale)


@pytest.fixture(autouse=True)
def clean_wallboard_redis() -> Iterator[None]:
    forget_wallboard_redis()
    yield
    forget_wallboard_redis()
