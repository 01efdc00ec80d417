"""Shared pytest configuration: fixtures are grouped by concern under tests/fixtures/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.layers import channel_layers
from hypothesis import settings

# Hypothesis' per-example deadline is a wall-clock assertion: on a loaded machine it fails
# tests whose results are right. Tests here never assert times (make bench measures them).
settings.register_profile("wallboard", deadline=None)
settings.load_profile("wallboard")

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.simulator",
    "tests.fixtures.accounts",
    "tests.fixtures.webex",
    "tests.fixtures.wxcc",
]


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """A channel layer per test: channels_redis binds a layer's receive to the event loop
    that first used it, and a layer kept from an earlier test's loop fails with "Two event
    loops are trying to receive() on one channel layer at once"."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
