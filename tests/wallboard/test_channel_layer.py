"""`BoardChannelLayer.send_each_group` over the real Redis: every member of each group gets its
group's payload through channels_redis's own `receive`, as one message per process, and a
push to more boards than channels_redis's default capacity loses nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from wallboard.channel_layer import BoardChannelLayer


def _layer() -> BoardChannelLayer:
    layer = get_channel_layer()
    assert isinstance(layer, BoardChannelLayer)
    return layer


async def _receive_all(
    layer: BoardChannelLayer, channels: list[str]
) -> dict[str, list[dict[str, Any]]]:
    got: dict[str, list[dict[str, Any]]] = {channel: [] for channel in channels}
    for channel in channels:
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.3)
            except TimeoutError:
                break
            got[channel].append(message)
    return got


async def test_every_member_gets_its_groups_payload() -> None:
    layer = _layer()
    tag = uuid.uuid4().hex[:8]
    # Three channels of this process (they share one Redis key) and a plain one.
    a1, a2, b1 = [await layer.new_channel() for _ in range(3)]
    plain = f"plain-{tag}"
    await layer.group_add(f"a-{tag}", a1)
    await layer.group_add(f"a-{tag}", a2)
    await layer.group_add(f"b-{tag}", b1)
    await layer.group_add(f"b-{tag}", plain)
    await layer.group_add(f"c-{tag}", a1)

    dropped = await layer.send_each_group(
        "board.updates",
        {f"a-{tag}": "for a", f"b-{tag}": "for b", f"nobody-{tag}": "lost in the void"},
    )

    assert dropped == 0
    got = await _receive_all(layer, [a1, a2, b1, plain])
    # The process's channels: one message, read once, handed to each of them.
    process_message = {
        "type": "board.updates",
        "payloads": {f"a-{tag}": "for a", f"b-{tag}": "for b"},
    }
    assert got[a1] == got[a2] == got[b1] == [process_message]
    assert got[plain] == [{"type": "board.updates", "payloads": {f"b-{tag}": "for b"}}]


async def test_a_push_to_many_boards_of_one_process_loses_none() -> None:
    """150 boards shown by one web process, each pushed twice before it reads: sent with
    channels_redis's group_send, 300 messages in an inbox of 100 (its default capacity) lost
    two thirds; here the process's inbox holds two."""
    layer = _layer()
    tag = uuid.uuid4().hex[:8]
    channels = [await layer.new_channel() for _ in range(150)]
    for n, channel in enumerate(channels):
        await layer.group_add(f"board-{tag}-{n}", channel)

    for push in (1, 2):
        dropped = await layer.send_each_group(
            "board.updates", {f"board-{tag}-{n}": f"push {push} board {n}" for n in range(150)}
        )
        assert dropped == 0

    for n, channel in enumerate(channels):
        got = [await asyncio.wait_for(layer.receive(channel), timeout=5) for _ in (1, 2)]
        assert [m["payloads"][f"board-{tag}-{n}"] for m in got] == [
            f"push 1 board {n}",
            f"push 2 board {n}",
        ]


async def test_over_capacity_is_counted_and_dropped_as_group_send_drops_it() -> None:
    default: dict[str, Any] = dict(settings.CHANNEL_LAYERS["default"])
    layer = BoardChannelLayer(
        hosts=default["CONFIG"]["hosts"],
        prefix=f"wb:test-{uuid.uuid4().hex[:8]}",
        capacity=2,
    )
    channel = await layer.new_channel()
    await layer.group_add("g", channel)

    dropped = [await layer.send_each_group("board.updates", {"g": n}) for n in range(3)]

    assert dropped == [0, 0, 1]
    got = await _receive_all(layer, [channel])
    assert [m["payloads"]["g"] for m in got[channel]] == [0, 1]
    await layer.flush()
