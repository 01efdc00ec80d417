"""The webhook receiver is served straight from the ASGI server, outside Django's request
handling, yet a request naming another site in its Host header is refused as Django would
refuse it (400), before anything is read or stored."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from asgiref.sync import async_to_sync

from wxcc.models import RawEvent, WebhookRejection
from wxcc.receiver import webhook_app

pytestmark = pytest.mark.django_db(transaction=True)


def _post(host: str, content_type: str = "application/json") -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=cast(Any, webhook_app), client=("192.0.2.10", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            return await client.post(
                "/webhooks/wxcc/",
                content=b'{"id": "e-1"}',
                headers={"Host": host, "Content-Type": content_type},
            )

    return async_to_sync(post)()


@pytest.mark.parametrize("host", ["attacker.example", "localhost.attacker.example", ""])
def test_a_host_outside_allowed_hosts_gets_a_400_and_nothing_is_stored(host: str) -> None:
    answer = _post(host)

    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid Host header"}
    assert not RawEvent.objects.exists()
    assert not WebhookRejection.objects.exists()


def test_an_allowed_host_reaches_the_receiver_which_judges_the_delivery() -> None:
    answer = _post("localhost:8000", content_type="text/plain")

    # The receiver's own refusal, counted where the admins see refusals.
    assert answer.status_code == 415
    assert WebhookRejection.objects.count() == 1
    assert not RawEvent.objects.exists()


def test_a_request_without_a_host_header_gets_a_400() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/webhooks/wxcc/",
        "headers": [(b"content-type", b"application/json")],
        "client": ("192.0.2.10", 4000),
    }
    async_to_sync(webhook_app)(scope, receive, send)

    assert sent[0]["status"] == 400
    assert not RawEvent.objects.exists()
