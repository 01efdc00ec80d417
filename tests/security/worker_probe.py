"""A task for the worker-loss tests, loaded into a real worker with `-I`: it notes each start
and finish in Redis and, on its first run, works long enough to be killed mid-task."""

from __future__ import annotations

import time

import redis
from celery import shared_task
from django.conf import settings

STARTED = "test:probe:started"
FINISHED = "test:probe:finished"


@shared_task(name="tests.security.probe", acks_late=True)
def probe(run_id: str, first_run_s: float) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    attempt = client.rpush(f"{STARTED}:{run_id}", str(time.time()))
    if attempt == 1:
        time.sleep(first_run_s)  # killed here
    client.rpush(f"{FINISHED}:{run_id}", str(time.time()))
