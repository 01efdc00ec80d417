"""Shared pytest configuration: fixtures are grouped by concern under tests/fixtures/."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.simulator",
    "tests.fixtures.accounts",
    "tests.fixtures.webex",
    "tests.fixtures.wxcc",
]
