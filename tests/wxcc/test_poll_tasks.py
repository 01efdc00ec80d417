"""The Celery edges: a real worker runs the beat fan-out and the per-org poll."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.conf import settings

from tests.fixtures.simulator import RunningSimulator
from wxcc import tasks
from wxcc.models import SyncStatus, Task, TaskStatus


def test_the_beat_schedule_polls_every_configured_interval_and_prunes_raw_events() -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["wxcc-poll-all-orgs"]["task"] == tasks.poll_all_orgs.name
    assert schedule["wxcc-poll-all-orgs"]["schedule"] == settings.WXCC_POLL_INTERVAL_S
    assert schedule["wxcc-prune-raw-events"]["task"] == tasks.prune_raw_events.name


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_polls_each_connected_org_on_the_beat_tick(
    live_sim: RunningSimulator, connect_org: Any, celery_worker_session: Any
) -> None:
    org = connect_org(live_sim)
    queue_id = live_sim.state()["queues"][0]["id"]
    injected = {live_sim.inject_task(queue_id, handleSeconds=600)["id"] for _ in range(2)}

    tasks.poll_all_orgs.delay()

    deadline = time.monotonic() + 30
    while not SyncStatus.objects.filter(organization=org, last_poll_ok_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker did not poll the org in time"
        time.sleep(0.1)
    stored = set(
        Task.objects.filter(organization=org)
        .exclude(status=TaskStatus.ENDED)
        .values_list("wxcc_id", flat=True)
    )
    assert stored == injected


@pytest.mark.django_db(transaction=True)  # the scheduler closes its DB connection
def test_the_database_scheduler_installs_the_poll_with_an_expiry_of_one_interval() -> None:
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    DatabaseScheduler(app=app, lazy=True).setup_schedule()
    task = PeriodicTask.objects.get(name="wxcc-poll-all-orgs")
    assert task.task == tasks.poll_all_orgs.name
    assert task.interval is not None
    assert task.interval.every == int(settings.WXCC_POLL_INTERVAL_S)
    assert task.expire_seconds == int(settings.WXCC_POLL_INTERVAL_S)
