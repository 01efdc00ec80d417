"""Python's cyclic garbage collector kept out of the way: off what a server process loaded
at start-up (`freeze_startup_objects`), paused while the engine computes
(`collector_paused`), and kept off what the process already held while a report is built
(`existing_objects_frozen`).

A computation allocates tens of thousands of tallies and figures that live on in the
snapshot. Each batch of allocations starts a collection, and the oldest generation's
collections walk every object of the process: the inputs (200,000 contacts and spans on a
large center) and the previous snapshot. On the benchmark center they took a fifth of a
full computation and two fifths of a refresh tick, and could free nothing: the engine makes
no reference cycles (frozen dataclasses, tuples, dicts of plain values), so everything it
drops is freed by reference counting at once. Pausing the collector for the call changes no
result; when it resumes, the allocation count it goes by has mostly been given back by the
previous snapshot's release, so the skipped collections are not merely postponed.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")

_lock = threading.Lock()
_startup_frozen = False  # whether this process froze what it loaded at start-up
_depth = 0  # computations running now (threads, or one engine call inside another)
_resume = False  # whether the first of them found the collector running


def collector_paused(compute: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `compute` with the cyclic collector paused; it resumes when the last paused call
    returns, and only if it was running before the first one began."""

    @functools.wraps(compute)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        global _depth, _resume
        with _lock:
            if _depth == 0:
                _resume = gc.isenabled()
                gc.disable()
            _depth += 1
        try:
            return compute(*args, **kwargs)
        finally:
            with _lock:
                _depth -= 1
                if _depth == 0 and _resume:
                    gc.enable()

    return paused


def freeze_startup_objects() -> None:
    """Leave what the process loaded at start-up (Django, the app, their modules: some
    150,000 objects that live as long as the process) out of every collection.

    Called once a server process is ready: by the ASGI application's lifespan start-up, and
    by a Celery worker's main process and each of its pool processes. Without it, every
    full collection walked all of them: in the web process under the event-to-screen
    bench, fourteen of 100 to 170 ms each in 25 s, during which no webhook was answered and
    no board pushed; in the worker, each one held up a batch. Garbage is collected first,
    so none of it is kept; what is frozen stays reachable for the life of the process."""
    global _startup_frozen
    gc.collect()
    gc.freeze()
    _startup_frozen = True
    logger.info("event=startup_objects_frozen objects=%d", gc.get_freeze_count())
    if _log_slow_collections not in gc.callbacks:
        gc.callbacks.append(_log_slow_collections)


# A collection that stops the process this long is logged: a server's pauses show in its log,
# not only as an unexplained latency (5,000 open sockets are a million objects to walk).
SLOW_COLLECTION_MS = 50.0
_collection_started: list[float] = []


def _log_slow_collections(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _collection_started[:] = [time.perf_counter()]
        return
    if not _collection_started:
        return
    took_ms = (time.perf_counter() - _collection_started.pop()) * 1000.0
    if took_ms >= SLOW_COLLECTION_MS:
        logger.info(
            "event=slow_garbage_collection generation=%d ms=%.0f collected=%d",
            info.get("generation", -1),
            took_ms,
            info.get("collected", 0),
        )


@contextmanager
def existing_objects_frozen() -> Iterator[None]:
    """While a report is built, the collector leaves alone what the process held before it
    (Django and the app: some 150,000 objects). A report makes millions of short-lived rows,
    and every few tens of thousands of them a full pass walked all those objects again: a
    seventh of a million-row CSV's time. Unlike `collector_paused`, cycles made meanwhile
    (WeasyPrint's document trees) are still collected; the frozen objects are handed back
    afterwards, so nothing is kept longer than it would have been.

    In a process that froze its start-up objects, those are the bulk already: nothing more
    is frozen, since handing objects back would hand those back too."""
    if _startup_frozen:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
