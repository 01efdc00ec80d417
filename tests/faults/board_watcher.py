"""A board websocket as a TV holds it, without a browser: it reconnects after any close or
refused handshake (as htmx's websocket extension does, with a short back-off) and keeps every
message it receives, numbered by the connection it came on."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import websockets
from websockets.exceptions import WebSocketException

RECONNECT_AFTER_S = 0.5


@dataclass
class BoardWatcher:
    url: str
    messages: list[tuple[int, str]] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def received(self, *, connection: int | None = None) -> list[tuple[int, str]]:
        with self.lock:
            return [m for m in self.messages if connection is None or m[0] == connection]

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                async with websockets.connect(
                    self.url,
                    origin="http://127.0.0.1",  # type: ignore[arg-type]
                    open_timeout=5,
                ) as ws:
                    with self.lock:
                        self.connections += 1
                        number = self.connections
                    while not self.stopping.is_set():
                        try:
                            message = await asyncio.wait_for(ws.recv(), 0.5)
                        except TimeoutError:
                            continue
                        with self.lock:
                            self.messages.append((number, str(message)))
            except (OSError, TimeoutError, WebSocketException):
                pass
            await asyncio.sleep(RECONNECT_AFTER_S)


@contextmanager
def watching(url: str) -> Iterator[BoardWatcher]:
    """A BoardWatcher on a thread of its own for the duration of the block."""
    watcher = BoardWatcher(url)
    thread = threading.Thread(target=watcher.run, name="board-watcher", daemon=True)
    thread.start()
    try:
        yield watcher
    finally:
        watcher.stopping.set()
        thread.join(timeout=10)


def tile_value(html: str, tile_id: int) -> str | None:
    """The figure a message shows for the tile, if it carries the tile."""
    match = re.search(
        rf'id="tile-{tile_id}".*?<div class="tile-value">([^<]*)</div>', html, flags=re.S
    )
    return match.group(1).strip() if match else None


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
