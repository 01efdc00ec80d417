"""Fixtures for the oauth tests. The shared ones (orgs, members, signed-in clients, the
simulator as Webex) live in tests/fixtures/."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()
