"""A lean HTTP/1.1 load generator: N concurrent senders, each on its own keep-alive
connection, POSTing prepared requests for a fixed time. Written on asyncio streams rather
than an HTTP client library so that, on a 2-core machine shared with the server, the
generator costs as little CPU as possible (the server's figure is what is measured).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A request not answered within this is counted as a transport error, and its connection
# replaced, so one stuck request cannot hang the bench.
ANSWER_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PreparedPost:
    """One request, ready to write: `key` identifies it in the results (the event id)."""

    key: str
    wire: bytes


@dataclass
class LoadResult:
    sent: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    # Keys answered 202 (accepted), in the order their answers came.
    accepted_keys: list[str] = field(default_factory=list)
    duplicate_keys: list[str] = field(default_factory=list)
    transport_errors: int = 0


def prepare_post(
    url: str, path: str, body: bytes, headers: dict[str, str], key: str
) -> PreparedPost:
    host = urlsplit(url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return PreparedPost(key=key, wire=head + body)


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def _sender(
    url: str, posts: Sequence[PreparedPost], cursor: list[int], stop_at: float, result: LoadResult
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while time.perf_counter() < stop_at and cursor[0] < len(posts):
            post = posts[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            try:
                writer.write(post.wire)
                status = await asyncio.wait_for(_read_answer(reader), ANSWER_TIMEOUT_S)
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                result.transport_errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                continue
            result.latencies_ms.append((time.perf_counter() - started) * 1000.0)
            result.sent += 1
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == 202:
                result.accepted_keys.append(post.key)
            elif status == 200:
                result.duplicate_keys.append(post.key)
    finally:
        writer.close()


def run_load(
    url: str, posts: Sequence[PreparedPost], *, senders: int, duration_s: float
) -> LoadResult:
    """Send `posts` in order from `senders` connections until they run out or `duration_s`
    has passed, whichever comes first."""
    result = LoadResult()

    async def main() -> None:
        cursor = [0]
        started = time.perf_counter()
        stop_at = started + duration_s
        await asyncio.gather(
            *(_sender(url, posts, cursor, stop_at, result) for _ in range(senders))
        )
        result.elapsed_s = time.perf_counter() - started

    asyncio.run(main())
    return result


def percentile_ms(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100.0 * len(ordered)) - 1))
    return round(ordered[index], 1)


@dataclass
class PacedResult:
    """When each post was written (time.monotonic), by its index, and how each was answered."""

    sent_at_s: dict[int, float] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0


def run_paced(
    url: str, posts: Sequence[PreparedPost], *, per_s: float, connections: int = 8
) -> PacedResult:
    """Send `posts` in order at `per_s` a second (open loop: post k is due at start + k /
    per_s, whatever the answers before it), over `connections` keep-alive connections."""
    result = PacedResult()
    parts = urlsplit(url)

    async def sender(cursor: list[int], started: float) -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while cursor[0] < len(posts):
                index = cursor[0]
                cursor[0] += 1
                delay_s = started + index / per_s - time.monotonic()
                if delay_s > 0:
                    await asyncio.sleep(delay_s)
                result.sent_at_s[index] = time.monotonic()
                try:
                    writer.write(posts[index].wire)
                    status = await asyncio.wait_for(_read_answer(reader), ANSWER_TIMEOUT_S)
                except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                    result.transport_errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
                    continue
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            writer.close()

    async def main() -> None:
        cursor = [0]
        started = time.monotonic()
        await asyncio.gather(*(sender(cursor, started) for _ in range(connections)))

    asyncio.run(main())
    return result
