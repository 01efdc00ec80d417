"""The simulator tests use the shared simulator fixtures (also a plugin for other suites)."""

from __future__ import annotations

from tests.fixtures.simulator import (  # noqa: F401 - fixtures are found by name
    make_simulator,
    simulator,
    webhook_receiver,
)
