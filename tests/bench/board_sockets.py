"""Boards and their websocket clients for the push figures: boards with one contacts-waiting
tile and one display link each, and many plain `websockets` clients held on one asyncio loop
on a thread of its own, each keeping the arrival time (time.monotonic) of every message."""

from __future__ import annotations

import asyncio
import gc
import re
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from websockets.exceptions import WebSocketException

from oauth.models import Organization
from wallboard.models import Board

# Connecting is authorizing plus rendering the full board in the web process: a few at once.
CONNECT_CONCURRENCY = 20
CONNECT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class BenchBoard:
    board_id: int
    tile_id: int
    ws_path: str  # /ws/tv/<slug>/?token=...


def make_boards(org: Organization, count: int, prefix: str) -> list[BenchBoard]:
    """`count` boards of `org`, each with one center contacts-waiting tile and a screen."""
    from tests.fixtures.wallboard_factories import (
        BoardFactory,
        BoardPageFactory,
        ScreenFactory,
        TileFactory,
    )

    Board.objects.filter(organization=org, slug__startswith=prefix).delete()
    boards = []
    for n in range(count):
        board = BoardFactory.create(organization=org, slug=f"{prefix}-{n}", name=f"Bench {n}")
        tile = TileFactory.create(page=BoardPageFactory.create(board=board))
        screen = ScreenFactory.create(board=board)
        boards.append(BenchBoard(board.pk, tile.pk, f"/ws/tv/{board.slug}/?token={screen.token}"))
    return boards


def raise_open_files_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards `wanted` (children started later inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


@dataclass
class Received:
    at_s: float
    text: str


@dataclass
class SocketPool:
    """Websocket clients of one or more boards; `messages[i]` is what client i received."""

    urls: list[str]
    on_message: Callable[[int, float, str], None] | None = None
    messages: list[list[Received]] = field(default_factory=list)
    connected: int = 0
    failed: int = 0
    _ready: threading.Event = field(default_factory=threading.Event)
    _loop: asyncio.AbstractEventLoop | None = None
    _stop: asyncio.Event | None = None
    _thread: threading.Thread | None = None
    _collector_was_on: bool = True

    def __enter__(self) -> SocketPool:
        # While the clients listen, this process's cyclic collector is off: a full collection
        # over what they have received stopped their loop for up to 100 ms, and the figures
        # counted that as the product's latency. They make next to no cyclic garbage.
        self._collector_was_on = gc.isenabled()
        gc.disable()
        self.messages = [[] for _ in self.urls]
        self._thread = threading.Thread(target=self._run, name="bench-sockets", daemon=True)
        self._thread.start()
        if not self._ready.wait(CONNECT_TIMEOUT_S + len(self.urls) * 0.5):
            raise RuntimeError("the bench's websocket clients did not connect in time")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._collector_was_on:
            gc.enable()

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        all_connected = asyncio.Event()
        pending = [len(self.urls)]

        def settled() -> None:
            pending[0] -= 1
            if pending[0] == 0:
                all_connected.set()

        async def client(index: int, url: str) -> None:
            try:
                async with gate:
                    ws = await websockets.connect(
                        url,
                        origin="http://127.0.0.1",  # type: ignore[arg-type]
                        open_timeout=CONNECT_TIMEOUT_S,
                        max_size=None,
                    )
                    # The full board, sent on connect: the client is now in the board's group.
                    first = await asyncio.wait_for(ws.recv(), CONNECT_TIMEOUT_S)
                    self._record(index, str(first))
            except (OSError, TimeoutError, WebSocketException):
                self.failed += 1
                settled()
                return
            self.connected += 1
            settled()
            try:
                async for message in ws:
                    self._record(index, str(message))
            except WebSocketException:
                pass
            finally:
                await ws.close()

        tasks = [asyncio.ensure_future(client(i, url)) for i, url in enumerate(self.urls)]
        await all_connected.wait()
        self._ready.set()
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _record(self, index: int, text: str) -> None:
        now_s = time.monotonic()
        self.messages[index].append(Received(now_s, text))
        if self.on_message is not None:
            self.on_message(index, now_s, text)


def tile_value(html: str, tile_id: int) -> str | None:
    """The figure a message shows for the tile, if it carries the tile."""
    match = re.search(
        rf'id="tile-{tile_id}".*?<div class="tile-value">([^<]*)</div>', html, flags=re.S
    )
    return match.group(1).strip() if match else None
