"""A task round-trips through the real broker and result backend to a real worker."""

from __future__ import annotations

from typing import Any

from config.celery import app as celery_app


@celery_app.task(name="tests.foundation.multiply")
def multiply(a: int, b: int) -> int:
    return a * b


def test_a_task_round_trips_through_the_real_broker(celery_worker_session: Any) -> None:
    result = multiply.delay(6, 7)
    assert result.get(timeout=20) == 42
    assert result.successful()
