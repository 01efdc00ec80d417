"""The board's websocket over the real Redis channel layer: the full board on connect, then
only the fragments a change alters; tokens scoped to their board; revocation closes."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import ClientConnection

from oauth.models import Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import QueueFactory, TaskFactory
from wallboard import presence
from wallboard.keys import board_group, screen_group
from wallboard.live import push_change
from wallboard.models import Board, Screen, Tile
from wallboard.redis_client import get_redis
from wallboard.services import screen_revoke
from wxcc.models import Queue
from wxcc.signals import LiveStateChange

pytestmark = pytest.mark.django_db(transaction=True)
FRAGMENT_ID = re.compile(r'<(?:article|div) id="([a-z0-9-]+)"[^>]*hx-swap-oob="true"')


@dataclass
class Wall:
    org: Organization
    board: Board
    screen: Screen
    queue_a: Queue
    queue_b: Queue
    center_tile: Tile
    tile_a: Tile
    tile_b: Tile


def build_wall() -> Wall:
    org = OrganizationFactory.create()
    queue_a = QueueFactory.create(organization=org, name="A")
    queue_b = QueueFactory.create(organization=org, name="B")
    board = BoardFactory.create(organization=org, slug="wall")
    page = BoardPageFactory.create(board=board)
    center_tile = TileFactory.create(page=page, metric="contacts_waiting")
    tile_a = TileFactory.create(page=page, metric="contacts_waiting", scope="queue", queue=queue_a)
    tile_b = TileFactory.create(page=page, metric="offered", scope="queue", queue=queue_b)
    screen = ScreenFactory.create(board=board)
    return Wall(org, board, screen, queue_a, queue_b, center_tile, tile_a, tile_b)


@pytest.fixture
async def wall() -> Wall:
    return await database_sync_to_async(build_wall)()


def fragment_ids(html: str) -> set[str]:
    return set(FRAGMENT_ID.findall(html))


async def socket(base_url: str, path: str, *headers: tuple[str, str]) -> ClientConnection:
    url = base_url.replace("http://", "ws://") + path
    return await websockets.connect(url, origin="http://127.0.0.1", additional_headers=headers)  # type: ignore[arg-type]


async def receive(ws: ClientConnection, timeout_s: float = 10) -> str:
    return str(await asyncio.wait_for(ws.recv(), timeout_s))


async def close_code(ws: ClientConnection, timeout_s: float = 5) -> int:
    """Wait for the server to close the socket; its close code (0: closed without one)."""
    await asyncio.wait_for(ws.wait_closed(), timeout_s)
    return int(ws.close_code or 0)


@pytest.fixture
async def tv(wall: Wall, live_asgi: str) -> AsyncIterator[ClientConnection]:
    ws = await socket(live_asgi, f"/ws/tv/wall/?token={wall.screen.token}")
    yield ws
    await ws.close()


async def test_the_full_board_arrives_on_connect(tv: ClientConnection, wall: Wall) -> None:
    html = await receive(tv)
    assert fragment_ids(html) == {
        "board-status",
        f"tile-{wall.center_tile.pk}",
        f"tile-{wall.tile_a.pk}",
        f"tile-{wall.tile_b.pk}",
    }


async def test_a_change_in_one_queue_pushes_only_the_tiles_that_depend_on_it(
    tv: ClientConnection, wall: Wall
) -> None:
    first = await receive(tv)
    assert f'id="tile-{wall.tile_a.pk}"' in first

    def a_contact_arrives_in_queue_a() -> Any:
        now = timezone.now()
        TaskFactory.create(organization=wall.org, queue=wall.queue_a, created_at=now, queued_at=now)
        return push_change(LiveStateChange.of(wall.org.pk, queue_ids=[wall.queue_a.pk]))

    report = await database_sync_to_async(a_contact_arrives_in_queue_a)()
    html = await receive(tv)

    assert fragment_ids(html) == {
        "board-status",
        f"tile-{wall.center_tile.pk}",
        f"tile-{wall.tile_a.pk}",
    }
    assert report.boards_rendered == 1
    tile_a = re.search(rf'id="tile-{wall.tile_a.pk}".*?</article>', html, re.S)
    assert tile_a is not None
    assert '<div class="tile-value">1</div>' in tile_a.group(0)


async def test_a_change_that_alters_nothing_shown_sends_no_tile(
    tv: ClientConnection, wall: Wall
) -> None:
    await receive(tv)
    report = await database_sync_to_async(push_change)(
        LiveStateChange.of(wall.org.pk, queue_ids=[wall.queue_b.pk])
    )
    # Queue B's tile was rendered but is unchanged: only the status (the server's clock) goes.
    assert report.fragments_sent == {wall.board.pk: ["board-status"]}
    html = await receive(tv)
    assert fragment_ids(html) == {"board-status"}


async def test_presence_records_the_connected_screen(tv: ClientConnection, wall: Wall) -> None:
    await receive(tv)
    assert await database_sync_to_async(presence.connected_screens)(wall.org.pk) == {wall.screen.pk}
    screen = await database_sync_to_async(Screen.objects.get)(pk=wall.screen.pk)
    assert screen.last_seen_at is not None


async def test_revoking_the_token_closes_its_open_socket(tv: ClientConnection, wall: Wall) -> None:
    await receive(tv)
    await database_sync_to_async(screen_revoke)(screen=wall.screen, now=timezone.now())
    assert await close_code(tv, timeout_s=1) == 4403


async def refused_with(base_url: str, path: str, *headers: tuple[str, str]) -> int:
    ws = await socket(base_url, path, *headers)
    return await close_code(ws)


async def test_a_token_of_board_a_cannot_open_board_b(wall: Wall, live_asgi: str) -> None:
    await database_sync_to_async(BoardFactory.create)(organization=wall.org, slug="other")
    assert await refused_with(live_asgi, f"/ws/tv/other/?token={wall.screen.token}") == 4403


async def test_another_orgs_board_is_not_found_with_a_token(wall: Wall, live_asgi: str) -> None:
    await database_sync_to_async(BoardFactory.create)(slug="theirs")
    assert await refused_with(live_asgi, f"/ws/tv/theirs/?token={wall.screen.token}") == 4404


async def test_a_revoked_or_unknown_token_is_refused(wall: Wall, live_asgi: str) -> None:
    assert await refused_with(live_asgi, "/ws/tv/wall/?token=nope") == 4401
    assert await refused_with(live_asgi, "/ws/tv/wall/") == 4401
    await database_sync_to_async(screen_revoke)(screen=wall.screen, now=timezone.now())
    assert await refused_with(live_asgi, f"/ws/tv/wall/?token={wall.screen.token}") == 4403


def session_cookie(org: Organization) -> tuple[str, str]:
    membership = MembershipFactory.create(organization=org)
    client = Client()
    client.force_login(membership.user)
    return ("cookie", f"sessionid={client.cookies['sessionid'].value}")


async def test_a_signed_in_member_gets_the_board_and_others_do_not(
    wall: Wall, live_asgi: str
) -> None:
    cookie = await database_sync_to_async(session_cookie)(wall.org)
    ws = await socket(live_asgi, "/ws/boards/wall/", cookie)
    assert f'id="tile-{wall.tile_b.pk}"' in await receive(ws)
    await ws.close()

    stranger = await database_sync_to_async(session_cookie)(
        await database_sync_to_async(OrganizationFactory.create)()
    )
    assert await refused_with(live_asgi, "/ws/boards/wall/", stranger) == 4404


def a_contact_arrives_in_queue_a(wall: Wall) -> None:
    """A new contact waits in queue A and its change is pushed, as the worker does (run on
    a thread of its own, which then closes its database connection)."""
    try:
        now = timezone.now()
        TaskFactory.create(organization=wall.org, queue=wall.queue_a, created_at=now, queued_at=now)
        push_change(LiveStateChange.of(wall.org.pk, queue_ids=[wall.queue_a.pk]))
    finally:
        connection.close()


async def test_a_push_reaches_the_tv_while_the_sync_thread_is_busy(
    tv: ClientConnection, wall: Wall
) -> None:
    """The web process runs synchronous code (Django pages, a PDF report) on one thread.
    A pushed update must not wait for it: before, each board's consumer hopped onto that
    thread to close stale database connections first."""
    await receive(tv)
    busy = threading.Event()
    release = threading.Event()

    def a_slow_page() -> None:
        busy.set()
        release.wait(30)

    # The process's one thread for synchronous code (the server in this test shares it).
    page = asyncio.ensure_future(sync_to_async(a_slow_page, thread_sensitive=True)())
    try:
        assert await asyncio.to_thread(busy.wait, 10)

        # Pushed from a thread of its own, as the worker pushes from its process.
        await asyncio.to_thread(a_contact_arrives_in_queue_a, wall)
        html = await receive(tv, timeout_s=5)
        assert f'id="tile-{wall.tile_a.pk}"' in html
    finally:
        release.set()
        await page


async def test_a_wall_of_screens_closing_at_once_leaves_no_listener_behind(
    wall: Wall, live_asgi: str
) -> None:
    """A site's network blip drops every TV at the same moment: each closing connection
    leaves its groups and its presence, however many close together (the channel layer's
    Redis pool holds 100 connections; the 101st at once must wait for one, not fail and
    skip the rest of the clean-up)."""
    screens = 250
    path = f"/ws/tv/wall/?token={wall.screen.token}"
    sockets = await asyncio.gather(*(socket(live_asgi, path) for _ in range(screens)))
    await asyncio.gather(*(receive(ws, timeout_s=60) for ws in sockets))
    listening = await database_sync_to_async(presence.listening_boards)(wall.org.pk)
    assert listening == {wall.board.pk: screens}

    await asyncio.gather(*(ws.close() for ws in sockets))

    async def still_listening() -> int:
        counted = await database_sync_to_async(presence.listening_boards)(wall.org.pk)
        return counted[wall.board.pk]

    for _ in range(100):
        if await still_listening() == 0:
            break
        await asyncio.sleep(0.1)
    assert await still_listening() == 0


def _age_memberships_past_expiry(groups: list[str]) -> int:
    """Make every member of these channel-layer groups look as if it joined a day and a
    minute ago (channels_redis drops members older than its `group_expiry`)."""
    layer = get_channel_layer()
    client = get_redis()
    aged = 0
    for group in groups:
        key = layer._group_key(group)
        members = client.zrange(key, 0, -1)
        joined_long_ago = time.time() - layer.group_expiry - 60
        client.zadd(key, dict.fromkeys(members, joined_long_ago))
        aged += len(members)
    return aged


async def test_a_tv_open_for_more_than_a_day_still_gets_updates_and_revocation(
    wall: Wall, live_asgi: str, settings: Any
) -> None:
    """A TV stays on the wall for weeks. channels_redis forgets a group member a day after
    it joined however alive its socket is, so the web process's beat renews the groups of
    every socket it holds: without it, this TV froze on its last figures a day after it
    connected, and revoking its link no longer closed it."""
    settings.WALLBOARD_PRESENCE_HEARTBEAT_S = 0.2
    ws = await socket(live_asgi, f"/ws/tv/wall/?token={wall.screen.token}")
    await receive(ws)
    groups = [board_group(wall.board.pk), screen_group(wall.screen.pk)]
    assert await database_sync_to_async(_age_memberships_past_expiry)(groups) >= 2

    await asyncio.sleep(1.0)  # several beats

    await asyncio.to_thread(a_contact_arrives_in_queue_a, wall)
    assert f'id="tile-{wall.tile_a.pk}"' in await receive(ws, timeout_s=5)
    await database_sync_to_async(screen_revoke)(screen=wall.screen, now=timezone.now())
    assert await close_code(ws, timeout_s=5) == 4403
