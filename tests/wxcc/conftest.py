"""Fixtures of the wxcc tests: a simulator that records every request it serves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fixtures.recording import RecordingApp, start_recording_simulator
from tests.fixtures.simulator import RunningSimulator, sim_test_config

MakeRecordingSimulator = Callable[..., tuple[RunningSimulator, RecordingApp]]


@pytest.fixture
def make_recording_simulator() -> Iterator[MakeRecordingSimulator]:
    """make_recording_simulator(**SimConfig overrides) -> (simulator, its request recorder),
    on the wall clock unless told otherwise; stopped after the test."""
    started: list[RunningSimulator] = []

    def make(**overrides: Any) -> tuple[RunningSimulator, RecordingApp]:
        config = sim_test_config(**{"start_time_ms": None, "history_days": 0, **overrides})
        sim, recorder = start_recording_simulator(config)
        started.append(sim)
        return sim, recorder

    yield make
    for sim in started:
        sim.stop()
