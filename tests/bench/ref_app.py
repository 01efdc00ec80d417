"""The reference for webhook ingestion: the least an ASGI endpoint can do with a delivery on
the same server stack (uvicorn, PostgreSQL through a psycopg pool of the same size), namely
read the body, take its id and type, and do the same single INSERT into wxcc_rawevent before
answering 202. No signature, no checks, no hand-off: the ratio of our receiver to this is
what verification and hand-off cost. Served by `uvicorn tests.bench.ref_app:app`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

_INSERT = (
    "INSERT INTO wxcc_rawevent (organization_id, event_id, event_type, event_time, body,"
    " received_at, attempts, error, gave_up) VALUES (%s, %s, %s, NULL, %s, %s, 0, '', false)"
)

_pool: AsyncConnectionPool | None = None
_ORG_ID = int(os.environ.get("BENCH_REF_ORG_ID", "0"))


async def _reply(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _pool = AsyncConnectionPool(
                    os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1),
                    min_size=1,
                    max_size=int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
                    open=False,
                )
                await _pool.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/healthz":
        await _reply(send, 200, b'{"status": "ok"}')
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    payload = json.loads(body)
    assert _pool is not None
    async with _pool.connection() as conn:
        await conn.execute(
            _INSERT, [_ORG_ID, payload["id"], payload["type"], body, datetime.now(UTC)]
        )
    await _reply(send, 202, b'{"status": "accepted"}')
