"""A prefork Celery worker keeps its PostgreSQL connection from one task to the next (Celery's
Django fixup closed the whole connection pool around every task, so each task connected
anew), and returns it to the pool at each task's end."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import WebhookSubscriptionFactory
from tests.foundation.processes import (
    PrivateRedis,
    production_env,
    uvicorn_process,
    worker_process,
)
from tests.wxcc.webhook_helpers import (
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    post_task_event,
    processed,
    wait_until,
)

SECRET = "s3cr3t-for-the-connection-test-long-enough"
WORKER_APP = "wallboard-test-worker-conns"


def deliver_and_wait(url: str, subscription_id: str) -> None:
    status, event_id = post_task_event(url, subscription_id, SECRET)
    assert status == 202
    wait_until(lambda: processed(event_id), "the worker to apply the event", 30)


def worker_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP])
        return {pid for (pid,) in cursor.fetchall()}


@pytest.mark.timeout(180)
@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_task_after_task_on_the_connection_it_opened_first(
    tmp_path: Path,
) -> None:
    subscription = WebhookSubscriptionFactory.create(
        organization=OrganizationFactory.create(), secret=SECRET, event_types=["task:new"]
    )
    sub_id = subscription.wxcc_subscription_id
    redis_server = PrivateRedis(tmp_path).start()
    web_env = production_env(redis_url=redis_server.url)
    worker_env = production_env(redis_url=redis_server.url, application_name=WORKER_APP)
    try:
        with uvicorn_process(web_env, tmp_path) as url, worker_process(worker_env, tmp_path):
            deliver_and_wait(url, sub_id)
            first = worker_backends()
            assert first, "the worker closed its connection after the task"
            for _ in range(5):
                deliver_and_wait(url, sub_id)
            assert worker_backends() == first
    finally:
        redis_server.stop()
