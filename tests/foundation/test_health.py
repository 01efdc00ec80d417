"""Liveness and readiness probes."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.fixtures.servers import free_port


def test_liveness_answers_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_ok_when_database_and_redis_answer(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readiness_reports_a_down_redis_as_503_with_the_reason(client: Client) -> None:
    nothing_listens_here = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(REDIS_URL=nothing_listens_here):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert set(body["failures"]) == {"redis"}
    assert body["failures"]["redis"].startswith("redis unavailable")
