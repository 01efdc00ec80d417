"""Event to screen: signed webhook deliveries (`task:parked`, each one more contact waiting) are
POSTed at a steady rate to our receiver on uvicorn, the Celery worker applies them and the
push renders the changed tile, and plain `websockets` clients, one per board, receive it.

Latency of the k-th delivery on a board: from writing the POST to the first message on which
the board's contacts-waiting tile shows at least k more than when the client connected
(deliveries can be applied out of order, so the k-th change stands for the k-th delivery).
`event_to_screen_p50_ms` / `_p99_ms` are over every (board, delivery) pair; a delivery that
never shows (the bench waits while the boards make progress) counts as
`event_to_screen_missed`, with the time waited as its latency (the figure a lower bound).

Knobs: BENCH_SCREEN_RATE (deliveries/s), BENCH_SCREEN_BOARDS, BENCH_SCREEN_S (seconds).
"""

from __future__ import annotations

import time
from typing import Any

from tests.bench.board_sockets import (
    BenchBoard,
    Received,
    SocketPool,
    make_boards,
    raise_open_files_limit,
    tile_value,
)
from tests.bench.http_load import percentile_ms, run_paced
from tests.bench.knobs import knob_float, knob_int
from tests.bench.stack import Stack
from tests.bench.webhook_bench import (
    empty_event_tables,
    prepare_deliveries,
    subscribed_organization,
)

SUBSCRIPTION_ID = "bench-sub-screen"
WEBEX_ORG_ID = "bench-screen-org"
# After the last delivery, wait for the boards to show it while they make progress.
SETTLE_S = 20.0


def _shown(message: Received, board: BenchBoard) -> int | None:
    value = tile_value(message.text, board.tile_id)
    if value is None:
        return None
    try:
        return int(value.replace(",", ""))
    except ValueError:
        return None


def latencies_ms(
    boards: list[BenchBoard], received: list[list[Received]], sent_at_s: list[float]
) -> tuple[list[float], list[float]]:
    """Each (board, k-th delivery) latency, and the send times of those never shown."""
    found: list[float] = []
    missing: list[float] = []
    for board, messages in zip(boards, received, strict=True):
        shown = [(m.at_s, v) for m in messages if (v := _shown(m, board)) is not None]
        if not shown:
            missing += sent_at_s
            continue
        baseline = shown[0][1]
        cursor = 0
        for k, sent_s in enumerate(sent_at_s, start=1):
            while cursor < len(shown) and shown[cursor][1] - baseline < k:
                cursor += 1
            if cursor == len(shown):
                missing += sent_at_s[k - 1 :]
                break
            found.append((shown[cursor][0] - sent_s) * 1000.0)
    return found, missing


def event_to_screen(stack: Stack) -> dict[str, Any]:
    rate_per_s = knob_float("BENCH_SCREEN_RATE", full=200.0, quick=20.0)
    board_count = knob_int("BENCH_SCREEN_BOARDS", full=100, quick=10)
    duration_s = knob_float("BENCH_SCREEN_S", full=20.0, quick=3.0)
    raise_open_files_limit(board_count * 2 + 1024)
    # Every run starts from no contacts at all (an earlier run's would still be waiting).
    empty_event_tables()
    org = subscribed_organization(WEBEX_ORG_ID, "Bench screens", SUBSCRIPTION_ID)
    boards = make_boards(org, board_count, "bench-screen")
    count = max(1, int(rate_per_s * duration_s))
    with stack.web("web") as url, stack.worker():
        ws_base = url.replace("http://", "ws://")
        with SocketPool([ws_base + b.ws_path for b in boards]) as pool:
            posts = prepare_deliveries(
                url,
                count,
                subscription_id=SUBSCRIPTION_ID,
                webex_org_id=WEBEX_ORG_ID,
                event_type="task:parked",  # in the queue: one more contact waiting
            )
            paced = run_paced(url, posts, per_s=rate_per_s)
            sent_at_s = [paced.sent_at_s[i] for i in sorted(paced.sent_at_s)]
            # Until every board shows every delivery, or nothing moved for SETTLE_S.
            last_missed, last_change = -1, time.monotonic()
            while time.monotonic() - last_change < SETTLE_S:
                _, missing = latencies_ms(boards, pool.messages, sent_at_s)
                missed = len(missing)
                if not missed:
                    break
                if missed != last_missed:
                    last_missed, last_change = missed, time.monotonic()
                time.sleep(0.5)
            given_up_s = time.monotonic()
            found, missing = latencies_ms(boards, pool.messages, sent_at_s)
            connected = pool.connected
    # A delivery never shown counts as shown when the bench gave up: the percentiles are then
    # a lower bound (`event_to_screen_lower_bound`).
    found += [(given_up_s - sent_s) * 1000.0 for sent_s in missing]
    return {
        "event_to_screen_p50_ms": percentile_ms(found, 50),
        "event_to_screen_p99_ms": percentile_ms(found, 99),
        "event_to_screen_missed": len(missing),
        "event_to_screen_lower_bound": bool(missing),
        "event_to_screen_rate_per_s": rate_per_s,
        "event_to_screen_boards": connected,
        "event_to_screen_deliveries": len(sent_at_s),
        "event_to_screen_statuses": {str(k): v for k, v in sorted(paced.statuses.items())},
    }
