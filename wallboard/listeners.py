"""The listening sockets a web process holds (boards' and supervisor pages'), and one beat
for all of them.

Every WALLBOARD_PRESENCE_HEARTBEAT_S the beat renews, for every socket at once:
- its presence (`presence.touch_all`), so the push keeps rendering for its board;
- its screen's last-seen time (`presence.record_seen_all`, throttled per screen);
- its channel-layer group memberships, and the board fan-out's
  (`BoardChannelLayer.renew_memberships`).

One beat per process rather than one per socket: each socket's own heartbeat hopped onto the
process's one thread for synchronous code and made two or three Redis round trips, so 5,000
TVs on one process made 250 hops a second, a fifth of its CPU, queued behind every page it
served. The memberships matter on their own: channels_redis drops a group member a day
(`group_expiry`) after it joined, however alive its socket, so a TV left on the wall for
more than a day stopped receiving updates, and a display link revoked after that no longer
closed its screen.

A registry belongs to the event loop its sockets live on (one per process under uvicorn;
tests run servers on loops of their own); its beat runs while it holds a socket.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from wallboard import board_fanout, presence
from wallboard.channel_layer import BoardChannelLayer

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Listener:
    """One open socket: whose it is, how presence counts it, and the (group, channel)
    memberships of its own channel. A board's group has the process's fan-out channel as
    member instead (`wallboard.board_fanout.memberships`), renewed on the same beat."""

    org_id: int
    connection: presence.Connection
    memberships: tuple[tuple[str, str], ...]


@dataclass
class _Registry:
    listeners: dict[int, Listener] = field(default_factory=dict)  # by id() of the consumer
    # Held by a beat while it renews, and by a socket's departure while it leaves presence
    # and its groups: a beat never renews a socket that has just left.
    renewing: asyncio.Lock = field(default_factory=asyncio.Lock)
    beat: asyncio.Task[None] | None = None


_registries: dict[asyncio.AbstractEventLoop, _Registry] = {}


def _registry() -> _Registry:
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        registry = _registries[loop] = _Registry()
    return registry


def listen(owner: object, listener: Listener) -> None:
    """Count the socket `owner` (its consumer) in this process's beat."""
    registry = _registry()
    registry.listeners[id(owner)] = listener
    if registry.beat is None or registry.beat.done():
        registry.beat = asyncio.ensure_future(_beat(registry))


async def leaving(owner: object) -> asyncio.Lock:
    """Take `owner` out of the beat. Returns the registry's lock, to hold while the socket
    leaves presence and its groups (`async with await leaving(self): ...`)."""
    loop = asyncio.get_running_loop()
    registry = _registries.get(loop)
    if registry is None:
        return asyncio.Lock()  # nothing of this loop's is renewed: nothing to wait for
    registry.listeners.pop(id(owner), None)
    if not registry.listeners:
        if registry.beat is not None:
            registry.beat.cancel()
        _registries.pop(loop, None)
    return registry.renewing


async def _beat(registry: _Registry) -> None:
    while True:
        await asyncio.sleep(float(settings.WALLBOARD_PRESENCE_HEARTBEAT_S))
        try:
            async with registry.renewing:
                await renew(list(registry.listeners.values()))
        except Exception:
            # A Redis or database blip must not close a TV; the next beat tries again.
            logger.warning("event=listeners_beat_failed", exc_info=True)


async def renew(listeners: list[Listener]) -> None:
    """One beat's work for these sockets: three round trips and one UPDATE, however many."""
    if not listeners:
        return
    layer = get_channel_layer()
    assert isinstance(layer, BoardChannelLayer), "CHANNEL_LAYERS must use BoardChannelLayer"
    own = {pair for lsn in listeners for pair in lsn.memberships}
    await layer.renew_memberships(own | board_fanout.memberships())
    await database_sync_to_async(_renew_presence)(listeners)


def _renew_presence(listeners: list[Listener]) -> None:
    presence.touch_all((lsn.org_id, lsn.connection) for lsn in listeners)
    screens = {s for lsn in listeners if (s := lsn.connection.screen_id) is not None}
    presence.record_seen_all(screens, now=timezone.now())
