"""Fault tests start their own servers; the wallboard's Redis keys of an earlier run (test
databases restart their primary keys) are dropped around each test, as tests/wallboard does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.wallboard.conftest import forget_wallboard_redis


@pytest.fixture(autouse=True)
def clean_wallboard_redis() -> Iterator[None]:
    forget_wallboard_redis()
    yield
    forget_wallboard_redis()
