"""The hand-off thread's bursts: what is queued, and what follows within the linger, goes out
as one broker message (up to PUBLISH_BATCH); what comes later is the next burst."""

from __future__ import annotations

import queue
import threading

from wxcc.handoff import PUBLISH_BATCH, _next_burst


def _put_later(backlog: queue.Queue[int], value: int, after_s: float) -> threading.Timer:
    timer = threading.Timer(after_s, backlog.put, args=(value,))
    timer.start()
    return timer


def test_what_follows_within_the_linger_joins_the_burst() -> None:
    backlog: queue.Queue[int] = queue.Queue()
    backlog.put(1)
    timer = _put_later(backlog, 2, after_s=0.05)

    burst = _next_burst(backlog, linger_s=0.5)

    timer.join()
    # The linger ends at PUBLISH_BATCH or at its end; with two events, at its end.
    assert burst == [1, 2]


def test_what_comes_after_the_linger_is_the_next_burst() -> None:
    backlog: queue.Queue[int] = queue.Queue()
    backlog.put(1)
    backlog.put(2)
    timer = _put_later(backlog, 3, after_s=0.3)

    first = _next_burst(backlog, linger_s=0.0)
    second = _next_burst(backlog, linger_s=0.0)

    timer.join()
    assert (first, second) == ([1, 2], [3])


def test_a_burst_is_at_most_one_batch() -> None:
    backlog: queue.Queue[int] = queue.Queue()
    for n in range(PUBLISH_BATCH + 3):
        backlog.put(n)

    assert _next_burst(backlog, linger_s=2.0) == list(range(PUBLISH_BATCH))
    assert _next_burst(backlog, linger_s=0.0) == [
        PUBLISH_BATCH,
        PUBLISH_BATCH + 1,
        PUBLISH_BATCH + 2,
    ]
