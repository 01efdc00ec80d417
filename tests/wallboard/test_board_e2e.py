"""End to end: the simulator signs a webhook, our receiver stores it, a real Celery worker
applies it, the wallboard's receiver recomputes the org's figures, and the changed tile
arrives on a TV's websocket, with no poll in between."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
import websockets

from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from wxcc.subscriptions import register_subscription


@pytest.mark.django_db(transaction=True)
def test_a_contact_arriving_in_wxcc_reaches_the_tv_as_a_fragment(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    celery_worker_session: Any,
) -> None:
    org = connect_org(live_sim)
    register_subscription(org, f"{live_asgi}/webhooks/wxcc/")
    board = BoardFactory.create(organization=org, slug="lobby")
    tile = TileFactory.create(page=BoardPageFactory.create(board=board), metric="contacts_waiting")
    screen = ScreenFactory.create(board=board)
    queue_id = live_sim.state()["queues"][0]["id"]
    waiting_one = re.compile(
        rf'<article id="tile-{tile.pk}"[^>]*hx-swap-oob="true".*?'
        r'<div class="tile-value">1</div>',
        re.S,
    )

    async def watch() -> tuple[str, str]:
        url = live_asgi.replace("http://", "ws://") + f"/ws/tv/lobby/?token={screen.token}"
        async with websockets.connect(url, origin="http://127.0.0.1") as ws:  # type: ignore[arg-type]
            first = str(await asyncio.wait_for(ws.recv(), 10))
            await asyncio.to_thread(live_sim.inject_task, queue_id, handleSeconds=600)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while True:
                message = str(await asyncio.wait_for(ws.recv(), deadline - loop.time()))
                if waiting_one.search(message):
                    return first, message

    first, pushed = asyncio.run(watch())

    assert f'id="tile-{tile.pk}"' in first
    assert '<div class="tile-value">0</div>' in first
    assert waiting_one.search(pushed)
