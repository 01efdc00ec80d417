"""Handing accepted webhook events to the Celery worker without ever delaying the answer.

The receiver answers as soon as an event is stored; queueing it for a worker happens on a
background thread of the web process, so a broker that is down, slow or silently gone (a
publish can block for tens of seconds on a half-open connection) never holds a request or
raises into it. What cannot be queued (broker down, backlog full) is still in the database:
the beat sweeper `process_pending_webhook_events` applies it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from django.conf import settings

from wxcc.tasks import process_webhook_event

logger = logging.getLogger(__name__)

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


def _publish_forever(backlog: queue.Queue[int]) -> None:
    while True:
        raw_event_id = backlog.get()
        try:
            # No result is ever read, so none is stored, and the result backend (which
            # retries for ~19 s and then raises when Redis is gone) stays out of the way.
            process_webhook_event.apply_async((raw_event_id,), ignore_result=True)
        except Exception as exc:  # this thread must outlive any broker failure; the sweeper retries
            logger.warning(
                "event=webhook_enqueue_failed raw_event_id=%s error=%s",
                raw_event_id,
                exc.__class__.__name__,
            )
        finally:
            backlog.task_done()
