"""A web process's board sockets, fed from one channel.

Each board's group has one member per web process holding sockets of that board: the
process's fan-out channel, not each socket. A push (one channel-layer message per process,
`BoardChannelLayer.send_each_group`) is read once here and written to every socket of its
boards.

With a channel per socket, channels_redis put each message in every socket's inbox, and
every consumer woke, dispatched and sent on its own: about 300 us a socket, so one process
fell behind at 5,000 TVs of one board getting an update a second. Here a socket costs its
send: the frame is written at once (`_start`), and only a socket whose buffer is full waits,
on a task of its own, with what is pushed to it meanwhile queued behind in order, so one slow
screen holds up only itself.

A fan-out belongs to the event loop its sockets live on (one per process under uvicorn;
tests run servers on loops of their own) and reads while it has a socket.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

PUSH_TYPE = "board.updates"
# `wallboard.services.close_group_sockets`: the board was deleted, close its sockets.
REVOKED_TYPE = "screen.revoked"
# After a failed read (Redis away), the next is tried this much later.
RETRY_READ_S = 1.0


class BoardSocket(Protocol):
    async def pushed(self, html: str) -> None:
        """Send a pushed update on the socket."""

    async def revoked(self) -> None:
        """Close the socket: its board is gone."""


@dataclass
class _Fanout:
    channel: str
    # group -> id(socket) -> socket
    sockets: dict[str, dict[int, BoardSocket]] = field(default_factory=dict)
    # Held while a group's membership changes, so joining and leaving never cross.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    reader: asyncio.Task[None] | None = None
    sending: set[asyncio.Task[None]] = field(default_factory=set)
    # id(socket) -> updates waiting behind a send that could not finish at once.
    backlogs: dict[int, deque[str]] = field(default_factory=dict)


_fanouts: dict[asyncio.AbstractEventLoop, _Fanout] = {}


async def join(group: str, socket: BoardSocket) -> str:
    """Deliver `group`'s board updates to `socket` from now on. Returns the channel that is
    the group's member for this process (renewed on the process's beat, `memberships`)."""
    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    while True:
        fanout = _fanouts.get(loop)
        if fanout is None:
            fanout = _fanouts.setdefault(loop, _Fanout(await layer.new_channel()))
        async with fanout.lock:
            if _fanouts.get(loop) is not fanout:
                continue  # its last socket left while this one waited: a new fan-out
            # Joined again with every socket, not only the first: the membership is gone
            # after a Redis restart, while the sockets from before may not have left yet.
            await layer.group_add(group, fanout.channel)
            fanout.sockets.setdefault(group, {})[id(socket)] = socket
            if fanout.reader is None:
                fanout.reader = asyncio.ensure_future(_read(fanout))
            return fanout.channel


async def leave(group: str, socket: BoardSocket) -> None:
    """Stop delivering to `socket`; the process leaves the group with its last socket."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        return
    async with fanout.lock:
        members = fanout.sockets.get(group, {})
        if members.pop(id(socket), None) is None or members:
            return
        # This process's own record first: it must hold even if Redis is away now.
        del fanout.sockets[group]
        if not fanout.sockets and _fanouts.get(loop) is fanout:
            del _fanouts[loop]
            if fanout.reader is not None:
                fanout.reader.cancel()
        await get_channel_layer().group_discard(group, fanout.channel)


def memberships() -> set[tuple[str, str]]:
    """This loop's (group, channel) memberships: its fan-out channel in each group it holds
    sockets of, renewed on the process's beat (`wallboard.listeners`)."""
    fanout = _fanouts.get(asyncio.get_running_loop())
    return {(group, fanout.channel) for group in fanout.sockets} if fanout else set()


def sockets_held(group: str) -> int:
    """How many of this loop's sockets get `group`'s updates."""
    fanout = _fanouts.get(asyncio.get_running_loop())
    return len(fanout.sockets.get(group, ())) if fanout else 0


async def _read(fanout: _Fanout) -> None:
    layer = get_channel_layer()
    while True:
        try:
            message: dict[str, Any] = await layer.receive(fanout.channel)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("event=board_fanout_read_failed", exc_info=True)
            await asyncio.sleep(RETRY_READ_S)
            continue
        if message.get("type") == PUSH_TYPE:
            _deliver(fanout, message["payloads"])
        elif message.get("type") == REVOKED_TYPE:
            for socket in list(fanout.sockets.get(str(message.get("group")), {}).values()):
                _track(fanout, asyncio.ensure_future(socket.revoked()))


def _deliver(fanout: _Fanout, payloads: dict[str, Any]) -> None:
    """Each socket's update sent now (`_start`), or after the ones it is still waiting to
    send: a socket's updates arrive in the order they were pushed."""
    for group, html in payloads.items():
        text = str(html)
        for key, socket in list(fanout.sockets.get(group, {}).items()):
            backlog = fanout.backlogs.get(key)
            if backlog is not None:
                backlog.append(text)
            else:
                _start(fanout, key, socket, text)


def _start(fanout: _Fanout, key: int, socket: BoardSocket, text: str) -> None:
    """Send as far as it goes without waiting: the frame is written at once unless the
    socket's buffer is full (or its full board is not sent yet). Only then does a task
    finish it, and send what is pushed to the socket meanwhile, so one slow screen holds up
    only itself.

    This is what Python 3.12's eager tasks do. A task for every send made thousands of
    objects a push that outlived the young generations, and every few seconds the
    collector's full pass walked the million objects of 5,000 open sockets: pauses of up to
    a second in the fan-out bench."""
    send = socket.pushed(text)
    try:
        waiting_on = send.send(None)
    except StopIteration:
        return
    except Exception as error:
        _log_failed(error)
        return
    fanout.backlogs[key] = deque()
    _track(fanout, asyncio.ensure_future(_finish(fanout, key, socket, send, waiting_on)))


async def _finish(
    fanout: _Fanout,
    key: int,
    socket: BoardSocket,
    send: Coroutine[Any, Any, None],
    waiting_on: Any,
) -> None:
    try:
        await _resume(send, waiting_on)
        backlog = fanout.backlogs[key]
        while backlog:
            await socket.pushed(backlog.popleft())
    finally:
        fanout.backlogs.pop(key, None)


async def _resume(send: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drive a coroutine that was started by hand and is waiting on `waiting_on` (what it
    yielded) to its end, as a task would."""
    while True:
        try:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield: the loop's turn
            else:
                # As a task does with a future its coroutine yields: marked as taken, else
                # awaiting it again is refused.
                waiting_on._asyncio_future_blocking = False
                await waiting_on
        except asyncio.CancelledError:
            send.close()
            raise
        except Exception as error:
            try:
                waiting_on = send.throw(error)
            except StopIteration:
                return
            continue
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return


def _track(fanout: _Fanout, task: asyncio.Task[None]) -> None:
    fanout.sending.add(task)
    task.add_done_callback(fanout.sending.discard)
    task.add_done_callback(_log_failed_send)


def _log_failed_send(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log_failed(task.exception())


def _log_failed(error: BaseException | None) -> None:
    # Usually a screen that went away mid-send; its consumer is leaving.
    logger.info("event=board_send_failed error=%s", error.__class__.__name__)
