"""Shared pytest configuration: fixtures are grouped by concern under tests/fixtures/."""

from __future__ import annotations

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
