"""The engine pauses Python's cyclic collector during a computation and leaves it as it
found it: running, or stopped by someone else, also when the computation raises."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import timedelta

import pytest

from wallboard.metrics import MetricsConfig, NaiveDatetimeError, compute_center
from wallboard.metrics.collector import collector_paused

from .builders import LONDON
from .strategies import NOW


@pytest.fixture
def collector_running() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_the_collector_is_paused_inside_and_running_again_after_a_computation(
    collector_running: None,
) -> None:
    seen: list[bool] = []

    @collector_paused
    def compute() -> None:
        seen.append(gc.isenabled())
        nested()

    @collector_paused
    def nested() -> None:
        seen.append(gc.isenabled())

    compute()
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_stopped_by_someone_else_stays_stopped(collector_running: None) -> None:
    gc.disable()
    compute_center(contacts=[], agents=[], spans=[], config=MetricsConfig(), now=NOW, zone=LONDON)
    assert not gc.isenabled()


def test_the_collector_runs_again_when_a_computation_raises(collector_running: None) -> None:
    with pytest.raises(NaiveDatetimeError):
        compute_center(
            contacts=[],
            agents=[],
            spans=[],
            config=MetricsConfig(),
            now=(NOW + timedelta(hours=1)).replace(tzinfo=None),
            zone=LONDON,
        )
    assert gc.isenabled()


def test_existing_objects_are_frozen_only_while_a_report_is_built() -> None:
    import gc

    from wallboard.metrics.collector import existing_objects_frozen

    before = gc.get_freeze_count()
    with existing_objects_frozen():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0
