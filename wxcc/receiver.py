"""The webhook receiver's answers, and its fast edge under ASGI.

`answer_deliveries` is the one implementation of what a delivery is answered (used by the
Django view in wxcc.views and by `webhook_app`): verify and store a batch in one commit,
count refusals, hand the accepted events to the worker, and say what to answer each.

`webhook_app` serves POST /webhooks/wxcc/ straight from the ASGI server (config.asgi routes
it there), without Django's middleware stack, whose sync middleware would send every request
through Django's one shared sync thread. Deliveries that arrive while a batch is being
committed wait and form the next batch, stored by one writer thread: under load, one INSERT
and one commit per burst instead of per event; alone, a delivery is stored at once. Each is
answered only after its batch is committed, so the contract holds (durable before 2xx).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from wxcc import webhook_limit
from wxcc.events import Accepted, Delivery, accept_deliveries
from wxcc.handoff import hand_off
from wxcc.models import RejectionReason
from wxcc.rejections import record_rejection
from wxcc.webhooks import DROPPED_STATUS, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookRejected

logger = logging.getLogger(__name__)

# Seconds WxCC is asked to wait before retrying when we could not store a delivery.
STORAGE_RETRY_AFTER_S = 30
# At most this many deliveries per INSERT (PostgreSQL takes at most 65,535 parameters).
MAX_BATCH = 500


@dataclass(frozen=True)
class Answer:
    status: int
    payload: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


ACCEPTED = Answer(202, {"status": "accepted"})
DUPLICATE = Answer(200, {"status": "duplicate"})
STORAGE_UNAVAILABLE = Answer(
    503,
    {"error": "storage unavailable, retry later"},
    {"Retry-After": str(STORAGE_RETRY_AFTER_S)},
)


def framing_rejection(content_length: str | None, content_type: str) -> WebhookRejected | None:
    """What can be refused from the headers alone, before the body is read."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return WebhookRejected(400, "invalid Content-Length")
    if declared > settings.WXCC_WEBHOOK_MAX_BODY_BYTES:
        return WebhookRejected(413, "body too large", RejectionReason.BODY_TOO_LARGE)
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        return WebhookRejected(
            415, "Content-Type must be application/json", RejectionReason.UNSUPPORTED_MEDIA_TYPE
        )
    return None


def host_allowed(headers: dict[str, str]) -> bool:
    """Whether the request names this site, decided by Django's own `HttpRequest.get_host`
    (ALLOWED_HOSTS, DEBUG's local names, USE_X_FORWARDED_HOST): `webhook_app` skips Django's
    request handling, not its Host check."""
    request = HttpRequest()
    # No Host header at all: Django falls back to the server's name, which is none here.
    request.META = {"SERVER_NAME": "", "SERVER_PORT": ""}
    request.META.update((f"HTTP_{k.upper().replace('-', '_')}", v) for k, v in headers.items())
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


BAD_HOST = Answer(400, {"error": "invalid Host header"})


def rate_limited(address: str, now: datetime) -> Answer | None:
    """A 429 for a source address past its per-minute limit (wxcc/webhook_limit.py), else None."""
    refusal = webhook_limit.check(address, now_s=now.timestamp())
    if refusal is None:
        return None
    return Answer(
        429,
        {"error": "too many deliveries from this address"},
        {"Retry-After": str(refusal.retry_after_s)},
    )


def refused(exc: WebhookRejected, now: datetime) -> Answer:
    """Count a refusal where the org's admin sees it, and say what to answer."""
    logger.info(
        "event=webhook_rejected org_id=%s subscription_id=%s status=%s code=%s reason=%s",
        exc.organization_id,
        exc.subscription_id or "-",
        exc.status,
        exc.code,
        exc.reason,
    )
    record_rejection(
        reason=exc.code,
        status_code=exc.status,
        detail=exc.reason,
        now=now,
        subscription_id=exc.subscription_id,
        organization_id=exc.organization_id,
    )
    if exc.status == DROPPED_STATUS:
        return Answer(DROPPED_STATUS, {"status": "dropped", "reason": exc.reason})
    return Answer(exc.status, {"error": exc.reason})


def answer_deliveries(deliveries: Sequence[Delivery], now: datetime) -> list[Answer]:
    """Store what verifies (one commit), hand it off, and answer each delivery in order."""
    try:
        outcomes = accept_deliveries(deliveries, now=now)
    except (OperationalError, InterfaceError) as exc:
        logger.warning("event=webhook_storage_unavailable error=%s", exc.__class__.__name__)
        return [STORAGE_UNAVAILABLE] * len(deliveries)
    answers = []
    accepted = 0
    for outcome in outcomes:
        if isinstance(outcome, WebhookRejected):
            answers.append(refused(outcome, now))
        elif outcome.duplicate:
            answers.append(DUPLICATE)
        else:
            accepted += 1
            answers.append(ACCEPTED)
    new_ids = [o.raw_event_id for o in outcomes if isinstance(o, Accepted) and not o.duplicate]
    # Only once committed may a worker look for them (at once, outside a transaction).
    transaction.on_commit(lambda: _hand_off_all(new_ids))
    if accepted:
        logger.info("event=webhooks_accepted count=%d batch=%d", accepted, len(deliveries))
    return answers


def _hand_off_all(raw_event_ids: list[int]) -> None:
    for raw_event_id in raw_event_ids:
        hand_off(raw_event_id)


class _Batcher:
    """Collects deliveries on one event loop and stores them in batches on one thread."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Delivery, asyncio.Future[Answer]]] = []
        self._writing = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-writer")

    async def answer(self, delivery: Delivery) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._write_while_waiting())
        return await future

    async def _write_while_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                while self._waiting:
                    batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                    await self._write(loop, batch)
                # Idle: the writer's connection goes back to the pool (kept while busy, as
                # taking one from the pool costs a round trip per batch).
                await loop.run_in_executor(self._executor, _close_connection)
        finally:
            self._writing = False

    async def _write(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: list[tuple[Delivery, asyncio.Future[Answer]]],
    ) -> None:
        deliveries = [delivery for delivery, _ in batch]
        try:
            answers = await loop.run_in_executor(self._executor, _write, deliveries)
        except Exception as exc:  # every waiting sender must get an answer
            logger.exception("event=webhook_batch_failed error=%s", exc.__class__.__name__)
            answers = [STORAGE_UNAVAILABLE] * len(batch)
        for (_, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(answer)


def _write(deliveries: list[Delivery]) -> list[Answer]:
    answers = answer_deliveries(deliveries, timezone.now())
    if STORAGE_UNAVAILABLE in answers:
        connection.close()  # the next batch gets a fresh connection from the pool
    return answers


def _close_connection() -> None:
    # Resolved in the writer thread: Django's connection is per thread.
    try:
        connection.close()
    except DatabaseError as exc:  # a broken connection is closed all the same
        logger.warning("event=webhook_writer_close_failed error=%s", exc.__class__.__name__)


_batchers: dict[int, _Batcher] = {}
_batchers_lock = threading.Lock()


def _batcher() -> _Batcher:
    loop_id = id(asyncio.get_running_loop())
    with _batchers_lock:
        if loop_id not in _batchers:
            _batchers[loop_id] = _Batcher()
        return _batchers[loop_id]


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The request body, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send(send: Any, answer: Answer) -> None:
    import json

    body = json.dumps(answer.payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in answer.headers.items()]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send: Any, exc: WebhookRejected) -> None:
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(_batcher()._executor, _refuse_sync, exc)
    await _send(send, answer)


def _refuse_sync(exc: WebhookRejected) -> Answer:
    try:
        return refused(exc, timezone.now())
    finally:
        connection.close()


async def webhook_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI app for POST /webhooks/wxcc/ (config.asgi routes only that path here)."""
    if scope["method"] != "POST":
        await _send(send, Answer(405, {"error": "method not allowed"}, {"Allow": "POST"}))
        return
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if not host_allowed(headers):
        logger.warning("event=webhook_disallowed_host host=%r", headers.get("host", "")[:200])
        await _send(send, BAD_HOST)
        return
    client = scope.get("client") or ("", 0)
    # Off the event loop: while Redis is down its (short) timeouts must not stall other senders.
    limited = await asyncio.get_running_loop().run_in_executor(
        None, rate_limited, str(client[0]), timezone.now()
    )
    if limited is not None:
        await _send(send, limited)
        return
    rejection = framing_rejection(headers.get("content-length"), headers.get("content-type", ""))
    if rejection is not None:
        await _refuse(send, rejection)
        return
    body = await _read_body(receive, settings.WXCC_WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        await _refuse(send, WebhookRejected(413, "body too large", RejectionReason.BODY_TOO_LARGE))
        return
    delivery = Delivery(
        body, headers.get(SIGNATURE_HEADER.lower()), headers.get(TIMESTAMP_HEADER.lower())
    )
    await _send(send, await _batcher().answer(delivery))
