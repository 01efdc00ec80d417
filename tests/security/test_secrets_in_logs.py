"""Secrets never reach the log: an OAuth connect, a token refresh, a webhook delivery and a TV
(page and websocket, through uvicorn's access log) are run with everything logged at DEBUG,
and the written log is searched for every token and secret involved."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from django.test import Client

from oauth.models import WebexConnection
from oauth.services import refresh_connection
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.servers import free_port
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.wxcc.webhook_helpers import envelope, fresh_signing_keys, now_ms, signed  # noqa: F401
from wxcc.models import WebhookSubscription

WEBHOOK_SECRET = "whsec-" + "-".join(["must", "never", "be", "logged", "at", "all"])


@contextmanager
def uvicorn_with_access_log() -> Iterator[str]:
    """The whole ASGI app under uvicorn with its access log on and no logging config of its
    own, so access lines go through settings.LOGGING as in production."""
    from config.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_config=None,
            access_log=True,
            log_level="info",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_connect_refresh_webhook_and_tv_leave_no_secret_in_the_log(
    webex: Any, settings: Any, written_log: io.StringIO
) -> None:
    org = OrganizationFactory.create(name="Quiet Logs", webex_org_id=None)
    admin = MembershipFactory.create(organization=org, admin=True, user__username="logs-admin")
    admin_client = Client()
    admin_client.force_login(admin.user)

    # OAuth connect (authorization code + PKCE against the simulator), then a refresh.
    assert webex.connect(admin_client, org).status_code == 302
    first = WebexConnection.objects.get(organization=org)
    refresh_connection(org)
    second = WebexConnection.objects.get(organization=org)
    assert second.access_token != first.access_token

    # A signed webhook delivery.
    WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-logs-1",
        name="tasks",
        event_types=["task:new"],
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=WEBHOOK_SECRET,
        resource_version="task:1.0.0",
    )
    payload = envelope("sub-logs-1", "task:new", {"taskId": "t-1"}, at_ms=now_ms())
    body, headers = signed(WEBHOOK_SECRET, payload)
    delivered = Client().generic(
        "POST", "/webhooks/wxcc/", data=body, content_type="application/json", headers=headers
    )
    assert delivered.status_code in (200, 202)

    # A TV: its page and its websocket, and a wrong token, through uvicorn's access log.
    board = BoardFactory.create(organization=org, slug="quiet")
    TileFactory.create(page=BoardPageFactory.create(board=board), metric="contacts_waiting")
    screen = ScreenFactory.create(board=board)
    wrong_token = "wrong-" + screen.token[::-1]
    with uvicorn_with_access_log() as base:
        page = httpx.get(f"{base}/tv/quiet/?token={screen.token}")
        denied = httpx.get(f"{base}/tv/quiet/?token={wrong_token}")
        snapshot = httpx.get(f"{base}/api/boards/quiet/snapshot?token={screen.token}")

        async def watch() -> str:
            url = base.replace("http://", "ws://") + f"/ws/tv/quiet/?token={screen.token}"
            async with websockets.connect(url, origin="http://127.0.0.1") as ws:  # type: ignore[arg-type]
                return str(await asyncio.wait_for(ws.recv(), 10))

        first_frame = asyncio.run(watch())

    assert page.status_code == 200
    assert denied.status_code in (401, 403, 404)
    assert wrong_token not in denied.text  # nor in the error page
    assert snapshot.status_code == 200
    assert "tile-" in first_frame

    logged = written_log.getvalue()
    assert "GET /tv/quiet/?token=[redacted]" in logged  # the access log was captured
    assert "event=" in logged  # and our own structured lines
    secrets = {
        "access token": first.access_token,
        "refresh token": first.refresh_token,
        "new access token": second.access_token,
        "new refresh token": second.refresh_token,
        "client secret": settings.WEBEX_CLIENT_SECRET,
        "webhook secret": WEBHOOK_SECRET,
        "display token": screen.token,
        "wrong display token": wrong_token,
        "signature": headers[next(iter(headers))],
    }
    assert all(secrets.values())
    leaked = [name for name, secret in secrets.items() if secret in logged]
    assert leaked == []
