"""A board socket with nothing to say for a while stays open: the channel layer's blocking
read (channels_redis waits up to 5 s for a message) must not trip Redis's socket timeout, or
every quiet TV's consumer dies and the pushes of the gap are lost."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tests.fixtures.factories import OrganizationFactory
from tests.wallboard.tv_browser import quiet_board
from wallboard.keys import board_group

pytestmark = [pytest.mark.django_db(transaction=True)]

# Longer than channels_redis's blocking read (RedisChannelLayer.brpop_timeout, 5 s).
QUIET_S = 7.0
PROBE = '<div id="quiet-probe">still here</div>'


@pytest.mark.timeout(240)
def test_a_quiet_board_socket_stays_open_and_receives_the_next_push(live_asgi: str) -> None:
    tv = quiet_board(OrganizationFactory.create())
    url = live_asgi.replace("http://", "ws://") + f"/ws/tv/lobby/?token={tv.screen.token}"
    send_later = async_to_sync(get_channel_layer().group_send)

    async def watch() -> tuple[str, str]:
        async with websockets.connect(url, origin="http://127.0.0.1") as ws:  # type: ignore[arg-type]
            first = str(await asyncio.wait_for(ws.recv(), 10))
            await asyncio.sleep(QUIET_S)
            await asyncio.to_thread(
                send_later,
                board_group(tv.board.pk),
                {"type": "board.updates", "payloads": {board_group(tv.board.pk): PROBE}},
            )
            return first, str(await asyncio.wait_for(ws.recv(), 10))

    first, pushed = asyncio.run(watch())

    assert f'id="tile-{tv.waiting_tile.pk}"' in first
    assert pushed == PROBE
