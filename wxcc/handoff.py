"""Handing accepted webhook events to the Celery worker without ever delaying the answer.

The receiver answers as soon as an event is stored; queueing it for a worker happens on a
background thread of the web process, so a broker that is down, slow or silently gone (a
publish can block for tens of seconds on a half-open connection) never holds a request or
raises into it. What cannot be queued (broker down, backlog full) is still in the database:
the beat sweeper `process_pending_webhook_events` applies it.

Events queued together are published together: one broker message per burst of up to
PUBLISH_BATCH events (`process_webhook_events`), not one round trip per event; a burst is
what arrives within WXCC_WEBHOOK_HANDOFF_LINGER_MS of its first event.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time

from django.conf import settings

from wxcc.tasks import process_webhook_events

logger = logging.getLogger(__name__)

# At most this many events per broker message; a worker applies them as one batch in a
# constant number of queries, and a bigger burst is split to keep several workers busy.
PUBLISH_BATCH = 50

_lock = threading.Lock()
_backlog: queue.Queue[int] | None = None
_owner_pid: int | None = None


def hand_off(raw_event_id: int) -> bool:
    """Queue a stored event for a worker, later and elsewhere. Never blocks, never raises;
    False when the backlog is full (the sweeper picks the event up)."""
    try:
        _running_backlog().put_nowait(raw_event_id)
    except queue.Full:
        logger.warning("event=webhook_handoff_backlog_full raw_event_id=%s", raw_event_id)
        return False
    return True


def pending_handoffs() -> int:
    """Events waiting for the hand-off thread (for tests and diagnostics)."""
    return _backlog.unfinished_tasks if _backlog is not None else 0


def _running_backlog() -> queue.Queue[int]:
    global _backlog, _owner_pid
    with _lock:
        # A forked process (a server's worker) inherits the queue but not the thread.
        if _backlog is None or _owner_pid != os.getpid():
            _backlog = queue.Queue(maxsize=settings.WXCC_WEBHOOK_HANDOFF_BACKLOG)
            _owner_pid = os.getpid()
            threading.Thread(
                target=_publish_forever, args=(_backlog,), name="webhook-handoff", daemon=True
            ).start()
        return _backlog


def _next_burst(backlog: queue.Queue[int], linger_s: float) -> list[int]:
    """The next event, and what follows it within `linger_s`, up to PUBLISH_BATCH."""
    raw_event_ids = [backlog.get()]
    until = time.monotonic() + linger_s
    while len(raw_event_ids) < PUBLISH_BATCH:
        try:
            raw_event_ids.append(backlog.get(timeout=max(0.0, until - time.monotonic())))
        except queue.Empty:
            break
    return raw_event_ids


def _publish_forever(backlog: queue.Queue[int]) -> None:
    linger_s = float(settings.WXCC_WEBHOOK_HANDOFF_LINGER_MS) / 1000.0
    while True:
        raw_event_ids = _next_burst(backlog, linger_s)
        try:
            # No result is ever read, so none is stored, and the result backend (which
            # retries for ~19 s and then raises when Redis is gone) stays out of the way.
            process_webhook_events.apply_async((raw_event_ids,), ignore_result=True)
        except Exception as exc:  # this thread must outlive any broker failure; the sweeper retries
            logger.warning(
                "event=webhook_enqueue_failed raw_event_ids=%s error=%s",
                raw_event_ids[0]
                if len(raw_event_ids) == 1
                else f"{raw_event_ids[0]}+{len(raw_event_ids) - 1}",
                exc.__class__.__name__,
            )
        finally:
            for _ in raw_event_ids:
                backlog.task_done()
