"""A web process's board fan-out over the real Redis channel layer: the board's group has one
member for the process, every socket of the board gets every push in order, a screen whose
sends wait holds up only itself, and the process leaves the group with its last socket."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from channels.layers import get_channel_layer

from wallboard import board_fanout
from wallboard.channel_layer import BoardChannelLayer


class Screen:
    """The far end of one board socket, as the fan-out sees it: what it was sent, and
    optionally a gate its sends wait at (a screen whose buffer is full)."""

    def __init__(self, *, gate: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.received: list[str] = []
        self.closed = False

    async def pushed(self, html: str) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.received.append(html)

    async def revoked(self) -> None:
        self.closed = True


def _layer() -> BoardChannelLayer:
    layer = get_channel_layer()
    assert isinstance(layer, BoardChannelLayer)
    return layer


async def _until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async def wait() -> None:
        while not condition():  # noqa: ASYNC110 - polls what the fan-out's tasks record
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout_s)


async def _members(group: str) -> list[str]:
    (members,) = await _layer()._members_of([group])
    return members


async def test_every_socket_gets_every_push_in_order_and_a_slow_one_holds_up_only_itself() -> None:
    group = f"board-fanout-{uuid.uuid4().hex[:8]}"
    gate = asyncio.Event()
    fast, other, slow = Screen(), Screen(), Screen(gate=gate)
    channel = await board_fanout.join(group, fast)
    assert await board_fanout.join(group, other) == channel
    assert await board_fanout.join(group, slow) == channel
    # One member for the process, whatever the number of its sockets.
    assert await _members(group) == [channel]

    for n in range(3):
        await _layer().send_each_group(board_fanout.PUSH_TYPE, {group: f"<p>{n}</p>"})
    pushes = ["<p>0</p>", "<p>1</p>", "<p>2</p>"]
    await _until(lambda: fast.received == pushes and other.received == pushes)
    assert slow.received == []

    # The slow screen catches up, and an update pushed as it does comes after the others.
    gate.set()
    await _layer().send_each_group(board_fanout.PUSH_TYPE, {group: "<p>3</p>"})
    pushes.append("<p>3</p>")
    await _until(lambda: slow.received == pushes and fast.received == pushes)

    for screen in (fast, other, slow):
        await board_fanout.leave(group, screen)
    assert await _members(group) == []
    assert board_fanout.sockets_held(group) == 0


async def test_deleting_the_board_closes_the_sockets_of_its_group_only() -> None:
    tag = uuid.uuid4().hex[:8]
    gone, kept = f"board-gone-{tag}", f"board-kept-{tag}"
    on_gone, on_kept = Screen(), Screen()
    await board_fanout.join(gone, on_gone)
    await board_fanout.join(kept, on_kept)

    await _layer().group_send(gone, {"type": board_fanout.REVOKED_TYPE, "group": gone})

    await _until(lambda: on_gone.closed)
    assert not on_kept.closed
    await board_fanout.leave(gone, on_gone)
    await board_fanout.leave(kept, on_kept)
