"""A prefork Celery worker keeps its PostgreSQL connection from one task to the next (Celery's
Django fixup closed the whole connection pool around every task, so each task connected
anew), and returns it to the pool at each task's end."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.db import connection

from oauth.models import Organization
from tests.foundation.processes import (
    PrivateRedis,
    production_env,
    uvicorn_process,
    worker_process,
)
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc.models import RawEvent, WebhookSubscription

SECRET = "s3cr3t-for-the-connection-test-long-enough"
WORKER_APP = "wallboard-test-worker-conns"


def deliver_and_wait(url: str) -> None:
    event_id = str(uuid.uuid4())
    payload = envelope(
        "sub-conns", "task:new", {"taskId": f"t-{event_id[:8]}"}, at_ms=now_ms(), event_id=event_id
    )
    body, headers = signed(SECRET, payload)
    response = httpx.post(
        f"{url}/webhooks/wxcc/",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 202
    deadline = time.monotonic() + 30
    while not RawEvent.objects.filter(event_id=event_id, processed_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker did not apply the event"
        time.sleep(0.05)


def worker_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP])
        return {pid for (pid,) in cursor.fetchall()}


@pytest.mark.timeout(180)
@pytest.mark.django_db(transaction=True)
def test_a_worker_applies_task_after_task_on_the_connection_it_opened_first(
    tmp_path: Path,
) -> None:
    org = Organization.objects.create(name="Conns Care", webex_org_id="org-conns")
    WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-conns",
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )
    redis_server = PrivateRedis(tmp_path).start()
    web_env = production_env(redis_url=redis_server.url)
    worker_env = production_env(redis_url=redis_server.url, application_name=WORKER_APP)
    try:
        with uvicorn_process(web_env, tmp_path) as url, worker_process(worker_env, tmp_path):
            deliver_and_wait(url)
            first = worker_backends()
            assert first, "the worker closed its connection after the task"
            for _ in range(5):
                deliver_and_wait(url)
            assert worker_backends() == first
    finally:
        redis_server.stop()
