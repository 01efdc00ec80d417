"""Over the real Redis channel layer and a live ASGI server: revoking a display link on the
screens page closes its open socket at once (4403: the TV says its link no longer works and
does not reconnect); saving a board in
the editor pushes the whole board, with a new layout, to its open screens; deleting a board
closes them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import websockets
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from websockets.asyncio.client import ClientConnection

from tests.fixtures.factories import MembershipFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.wallboard.editor_data import editor_post
from wallboard.models import Board, Screen, Tile

pytestmark = pytest.mark.django_db(transaction=True)
LAYOUT = re.compile(r'data-layout="([0-9a-f]+)"')


@dataclass
class Lobby:
    board: Board
    tile: Tile
    screen: Screen
    admin: Client


def build_lobby() -> Lobby:
    board = BoardFactory.create(slug="lobby", name="Lobby")
    tile = TileFactory.create(page=BoardPageFactory.create(board=board), metric="contacts_waiting")
    screen = ScreenFactory.create(board=board, name="Reception")
    membership = MembershipFactory.create(organization=board.organization, admin=True)
    admin = Client()
    admin.force_login(membership.user)
    return Lobby(board, tile, screen, admin)


@pytest.fixture
async def lobby() -> Lobby:
    return await database_sync_to_async(build_lobby)()


@pytest.fixture
async def tv(lobby: Lobby, live_asgi: str) -> AsyncIterator[ClientConnection]:
    url = live_asgi.replace("http://", "ws://") + f"/ws/tv/lobby/?token={lobby.screen.token}"
    ws = await websockets.connect(url, origin="http://127.0.0.1")  # type: ignore[arg-type]
    yield ws
    await ws.close()


async def receive(ws: ClientConnection, timeout_s: float = 10) -> str:
    return str(await asyncio.wait_for(ws.recv(), timeout_s))


async def close_code(ws: ClientConnection, timeout_s: float = 2) -> int:
    """Wait for the server to close the socket (within `timeout_s`: "at once"); its code."""
    await asyncio.wait_for(ws.wait_closed(), timeout_s)
    return int(ws.close_code or 0)


async def test_revoking_on_the_screens_page_closes_the_tvs_socket_at_once(
    tv: ClientConnection, lobby: Lobby
) -> None:
    await receive(tv)
    url = reverse("wallboard:screen_revoke", args=[lobby.screen.pk])
    response = await database_sync_to_async(lobby.admin.post)(url)
    assert response.status_code == 302

    assert await close_code(tv) == 4403


async def test_saving_in_the_editor_pushes_the_new_board_to_the_open_tv(
    tv: ClientConnection, lobby: Lobby
) -> None:
    first = await receive(tv)
    old_layout = LAYOUT.search(first)
    assert old_layout is not None
    data = editor_post(
        name="Lobby",
        slug=None,
        tiles=[
            {
                "tile_id": str(lobby.tile.pk),
                "label": "Queue now",
                "level1_value": "0",
                "level1_colour": "red",
            }
        ],
        initial_pages=1,
        initial_tiles=1,
    )
    url = reverse("wallboard:board_edit", args=["lobby"])
    response = await database_sync_to_async(lobby.admin.post)(url, data)
    assert response.status_code == 302

    pushed = await receive(tv)
    new_layout = LAYOUT.search(pushed)
    assert new_layout is not None
    assert new_layout.group(1) != old_layout.group(1)
    tile = re.search(rf'<article id="tile-{lobby.tile.pk}"[^>]*>.*?</article>', pushed, re.S)
    assert tile is not None
    assert "level-red" in tile.group(0)
    assert "Queue now" in tile.group(0)


async def test_deleting_the_board_closes_its_screens(tv: ClientConnection, lobby: Lobby) -> None:
    await receive(tv)
    url = reverse("wallboard:board_delete", args=["lobby"])
    response = await database_sync_to_async(lobby.admin.post)(url)
    assert response.status_code == 302

    assert await close_code(tv) == 4403
