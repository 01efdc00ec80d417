"""The channel layer, with one addition for the push: a different payload to each of many
groups, in a few Redis round trips and one message per web process (`send_each_group`).

channels_redis's `group_send` costs three round trips and its own Python per group, and puts
one message per group in each member process's inbox, read back one round trip each: a push
to 100 boards (100 groups, each its own HTML) took 100 to 400 ms to send and as long again
for the web process to read. Here every group's members are read in one pipeline, expired
messages dropped in a second, and one message per member process stored with one script per
Redis host, under the same expiry and capacity rules as `group_send`. It uses channels_redis's
own naming and serialization (the version is pinned; tests/wallboard/test_channel_layer.py
checks it against the layer's own `receive`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Coroutine, Mapping
from typing import Any, TypeVar

from channels_redis.core import RedisChannelLayer
from redis.asyncio import BlockingConnectionPool, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# KEYS: channel keys, one per message. ARGV: the messages, then each key's capacity, then
# the time and the expiry. As channels_redis's group_send does per key.
_SEND_LUA = """
local n = #KEYS
local now = ARGV[2 * n + 1]
local expiry = ARGV[2 * n + 2]
local over_capacity = 0
for i = 1, n do
  if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[n + i]) then
    redis.call('ZADD', KEYS[i], now, ARGV[i])
    redis.call('EXPIRE', KEYS[i], expiry)
  else
    over_capacity = over_capacity + 1
  end
end
return over_capacity
"""


class BoardChannelLayer(RedisChannelLayer):  # type: ignore[misc]
    """channels_redis's layer plus `send_each_group`, over pools that wait for a connection."""

    def create_pool(self, index: int) -> ConnectionPool:
        """A bounded pool whose commands wait for a free connection (`max_connections` and
        `timeout`, the wait in seconds, from the host's settings). channels_redis's pool
        refuses a command at once when all of its connections (redis-py: 100) are busy: a
        wall of TVs closing together left each one past the hundredth in its groups and in
        presence, and as many opening together failed to join their boards."""
        host = dict(self.hosts[index])
        if "address" not in host:
            return super().create_pool(index)  # type: ignore[no-any-return]
        return BlockingConnectionPool.from_url(host.pop("address"), **host)

    async def send_each_group(self, message_type: str, payloads: Mapping[str, Any]) -> int:
        """Give every member of each group its group's payload: members receive
        `{"type": message_type, "payloads": {group: payload, ...}}` holding at least their
        own groups' (a consumer picks its own by group name). One message per Redis key of
        the members, not one per group: every channel of one web process shares a key, so a
        push to 100 boards is one message for that process, read once and handed to each
        consumer. Returns how many messages were dropped over capacity, as `group_send`
        drops them."""
        if not payloads:
            return 0
        groups = list(payloads)
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
        members = await self._members_of(groups)
        # Per Redis key (a process's channels share one): its channels, and the groups
        # they are members of.
        channels_of_key: dict[str, set[str]] = defaultdict(set)
        groups_of_key: dict[str, set[str]] = defaultdict(set)
        for group, channels in zip(groups, members, strict=True):
            for channel in channels:
                local = self.non_local_name(channel) if "!" in channel else channel
                channels_of_key[self.prefix + local].add(channel)
                groups_of_key[self.prefix + local].add(group)
        by_connection: dict[int, list[tuple[str, bytes, int]]] = defaultdict(list)
        for key, key_channels in channels_of_key.items():
            index = self.consistent_hash(key[len(self.prefix) :])
            message = {
                "type": message_type,
                "payloads": {group: payloads[group] for group in sorted(groups_of_key[key])},
                "__asgi_channel__": sorted(key_channels),
            }
            capacity = self.get_capacity(next(iter(key_channels)))
            by_connection[index].append((key, self.serialize(message), capacity))
        dropped = 0
        now = time.time()
        for index, entries in by_connection.items():
            connection = self.connection(index)
            pipe = connection.pipeline()
            for key, _, _ in entries:
                pipe.zremrangebyscore(key, min=0, max=int(now) - int(self.expiry))
            await pipe.execute()
            dropped += int(
                await connection.eval(
                    _SEND_LUA,
                    len(entries),
                    *[key for key, _, _ in entries],
                    *[message for _, message, _ in entries],
                    *[capacity for _, _, capacity in entries],
                    now,
                    self.expiry,
                )
            )
        if dropped:
            logger.warning("event=channel_layer_over_capacity dropped=%d", dropped)
        return dropped

    async def renew_memberships(self, memberships: Collection[tuple[str, str]]) -> None:
        """Each (group, channel) membership renewed as `group_add` makes it, one pipeline per
        Redis host for all. channels_redis drops a member `group_expiry` (a day) after it
        joined, however alive its socket: a web process renews the memberships of the
        sockets it holds on its beat (`wallboard.listeners`)."""
        by_connection: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for group, channel in memberships:
            by_connection[self.consistent_hash(group)][group].append(channel)
        now = time.time()
        for index, channels_of_group in by_connection.items():
            pipe = self.connection(index).pipeline()
            for group, channels in channels_of_group.items():
                key = self._group_key(group)
                pipe.zadd(key, dict.fromkeys(channels, now))
                pipe.expire(key, self.group_expiry)
            await pipe.execute()

    async def _members_of(self, groups: list[str]) -> list[list[str]]:
        """Each group's channels (expired memberships dropped), one pipeline per host."""
        by_connection: dict[int, list[int]] = defaultdict(list)
        for position, group in enumerate(groups):
            by_connection[self.consistent_hash(group)].append(position)
        found: list[list[str]] = [[] for _ in groups]
        cutoff = int(time.time()) - self.group_expiry
        for index, positions in by_connection.items():
            pipe = self.connection(index).pipeline()
            for position in positions:
                key = self._group_key(groups[position])
                pipe.zremrangebyscore(key, min=0, max=cutoff)
                pipe.zrange(key, 0, -1)
            results = await pipe.execute()
            for position, names in zip(positions, results[1::2], strict=True):
                found[position] = [name.decode("utf8") for name in names]
        return found


_send_loop_lock = threading.Lock()
_send_loop: tuple[int, asyncio.AbstractEventLoop] | None = None  # (pid, loop)


def run_send(send: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a channel-layer coroutine (made by `send`) from synchronous code (the worker's
    push, a view) and return its result, on this process's one send loop.

    `async_to_sync` from a thread with no loop starts a thread and an event loop for each
    call, and channels_redis, whose connections belong to a loop, connects to Redis anew:
    every push paid for all three. The send loop runs for the life of the process on a
    thread of its own (started again in a forked child), so its connections are kept.

    A kept connection can have been closed under it (Redis restarted): the first command
    then fails and the connection is dropped, so the send is made once more, on a new one.
    A message sent twice is harmless (a board swaps in the same HTML again)."""
    loop = _running_send_loop()
    try:
        return asyncio.run_coroutine_threadsafe(send(), loop).result()
    except RedisConnectionError:
        logger.warning("event=channel_layer_send_retried reason=connection_lost")
        return asyncio.run_coroutine_threadsafe(send(), loop).result()


def _running_send_loop() -> asyncio.AbstractEventLoop:
    global _send_loop
    with _send_loop_lock:
        if _send_loop is None or _send_loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            runner = threading.Thread(
                target=loop.run_forever, name="channel-layer-sends", daemon=True
            )
            runner.start()
            _send_loop = (os.getpid(), loop)
        return _send_loop[1]
