"""A Celery worker killed mid-task: the task runs again, once. Real worker processes
(prefork) on a queue of each test's own; the tests kill only processes they started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.security.worker_probe import FINISHED, STARTED

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def worker(broker: str, queue: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A prefork worker consuming only `queue` (of this test alone) from the broker."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-I",
            "tests.security.worker_probe",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": broker, "DEBUG": "false", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Redis drops a message published to a queue nobody has declared yet: wait for it.
        bound = lambda: bool(redis.Redis.from_url(broker).exists(f"_kombu.binding.{queue}"))  # noqa: E731
        assert _wait_until(bound, 60), "the worker did not start"
        time.sleep(1)  # and for its consumer to begin
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _send(queue: str, run_id: str, first_run_s: float) -> None:
    from config.celery import app

    app.send_task("tests.security.probe", args=[run_id, first_run_s], queue=queue)


@pytest.fixture
def broker() -> str:
    return str(settings.REDIS_URL)


@pytest.fixture
def run_id(broker: str) -> Iterator[str]:
    """This test's run: its queue is named after it, and its keys are deleted after."""
    run = f"probe-{uuid.uuid4().hex[:12]}"
    yield run
    client = redis.Redis.from_url(broker)
    client.delete(
        f"{STARTED}:{run}",
        f"{FINISHED}:{run}",
        run,
        f"_kombu.binding.{run}",
        f"_kombu.binding_permanent.{run}",
    )


def test_a_task_whose_worker_child_is_killed_runs_again_once(broker: str, run_id: str) -> None:
    client = redis.Redis.from_url(broker)
    started = lambda: client.llen(f"{STARTED}:{run_id}")  # noqa: E731
    finished = lambda: client.llen(f"{FINISHED}:{run_id}")  # noqa: E731

    with worker(broker, run_id) as process:
        _send(run_id, run_id, first_run_s=120)
        assert _wait_until(lambda: started() == 1, 60), "the task never started"
        children = _children(process.pid)
        assert children, "no pool process"
        for child in children:
            os.kill(child, signal.SIGKILL)  # the worker's own child, mid-task
        assert _wait_until(lambda: finished() == 1, 60), "the task did not run again"
        time.sleep(3)  # and does not run a third time

    assert started() == 2
    assert finished() == 1


def test_a_task_whose_whole_worker_is_killed_is_redelivered_after_the_visibility_timeout(
    broker: str, run_id: str
) -> None:
    client = redis.Redis.from_url(broker)
    started = lambda: client.llen(f"{STARTED}:{run_id}")  # noqa: E731
    finished = lambda: client.llen(f"{FINISHED}:{run_id}")  # noqa: E731
    short = {"CELERY_VISIBILITY_TIMEOUT_S": "5", "REPORTING_RATE_LIMIT_MAX_WAIT_S": "1"}

    with worker(broker, run_id, **short) as first:
        _send(run_id, run_id, first_run_s=120)
        assert _wait_until(lambda: started() == 1, 60), "the task never started"
        for child in _children(first.pid):
            os.kill(child, signal.SIGKILL)
        os.kill(first.pid, signal.SIGKILL)  # no chance to requeue: the broker must
        first.wait(timeout=10)
    # A replacement worker restores unacknowledged messages older than the visibility timeout
    # when it starts (and every ~100 s after): start it once that has passed.
    time.sleep(int(short["CELERY_VISIBILITY_TIMEOUT_S"]) + 1)
    with worker(broker, run_id, **short):
        assert _wait_until(lambda: finished() == 1, 60), "the task was not redelivered"
        time.sleep(3)

    assert started() == 2
    assert finished() == 1
