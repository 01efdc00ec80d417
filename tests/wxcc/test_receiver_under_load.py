"""Under concurrent deliveries the receiver holds a bounded number of PostgreSQL connections
and never answers 5xx: uvicorn runs the real ASGI app with production database settings."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import connection

from oauth.models import Organization
from tests.foundation.processes import PrivateRedis, production_env, uvicorn_process
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc.models import RawEvent, WebhookSubscription

SECRET = "s3cr3t-for-the-load-test-long-enough-99"
SENDERS = 20
DELIVERIES_PER_SENDER = 15
POOL_MAX_SIZE = 4
APPLICATION_NAME = "wallboard-load-test"


class ConnectionSampler:
    """Counts the server process's connections in pg_stat_activity, every few ms."""

    def __init__(self, application_name: str) -> None:
        self.application_name = application_name
        self.peak = 0
        self._stop = threading.Event()
        params = connection.get_connection_params()
        self._params = {k: v for k, v in params.items() if k in ("host", "port", "user")}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **self._params) as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    [self.application_name],
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                self._stop.wait(0.02)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True)
def test_concurrent_signed_senders_get_no_5xx_and_connections_stay_bounded(
    tmp_path: Path,
) -> None:
    org = Organization.objects.create(name="Busy Care", webex_org_id="org-busy")
    WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-busy",
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )
    redis_server = PrivateRedis(tmp_path).start()
    env = production_env(
        redis_url=redis_server.url,
        application_name=APPLICATION_NAME,
        DB_POOL_MAX_SIZE=str(POOL_MAX_SIZE),
    )
    statuses: list[int] = []
    try:
        with (
            uvicorn_process(env, tmp_path) as url,
            ConnectionSampler(APPLICATION_NAME) as sampler,
        ):

            def send(sender: int) -> list[int]:
                answers = []
                with httpx.Client(base_url=url, timeout=30) as client:
                    for _ in range(DELIVERIES_PER_SENDER):
                        payload = envelope(
                            "sub-busy",
                            "task:new",
                            {"taskId": f"task-{sender}-{uuid.uuid4().hex[:8]}"},
                            at_ms=now_ms(),
                        )
                        body, headers = signed(SECRET, payload)
                        response = client.post(
                            "/webhooks/wxcc/",
                            content=body,
                            headers={**headers, "Content-Type": "application/json"},
                        )
                        answers.append(response.status_code)
                return answers

            with ThreadPoolExecutor(max_workers=SENDERS) as senders:
                for answers in senders.map(send, range(SENDERS)):
                    statuses.extend(answers)
    finally:
        redis_server.stop()

    assert len(statuses) == SENDERS * DELIVERIES_PER_SENDER
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {202}
    assert RawEvent.objects.count() == SENDERS * DELIVERIES_PER_SENDER
    assert 0 < sampler.peak <= POOL_MAX_SIZE, sampler.peak
