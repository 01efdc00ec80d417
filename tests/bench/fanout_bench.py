"""Fan-out: N websocket clients of one board held by one web process (uvicorn), each sent
every update. The bench sends each update to the board's group on the channel layer, as
wallboard.live does after rendering (`BoardChannelLayer.send_each_group`), and times from
that send to the last client receiving it: `fanout_push_p99_ms` (the 99th percentile over
the updates), at `fanout_clients` clients.

The clients are plain `websockets` clients on one asyncio loop in the bench process, so on a
small machine they share its CPUs with the server: the figure is an upper bound.

Knobs: BENCH_FANOUT_CLIENTS, BENCH_FANOUT_PUSHES, BENCH_FANOUT_INTERVAL_S.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings

from oauth.models import Organization
from tests.bench.board_sockets import SocketPool, make_boards, raise_open_files_limit
from tests.bench.http_load import percentile_ms
from tests.bench.knobs import knob_float, knob_int
from tests.bench.stack import Stack
from wallboard.channel_layer import BoardChannelLayer
from wallboard.keys import board_group

# Every update waits at most this long for its last client before it counts as missed.
ARRIVAL_TIMEOUT_S = 10.0


def _stamp(seq: int) -> str:
    # An out-of-band fragment as the push sends; its id carries the update's number.
    return f'<div id="bench-fanout" hx-swap-oob="true" data-seq="{seq}">{seq}</div>'


def _stack_layer(stack: Stack) -> Any:
    """The channel layer as configured, on the stack's Redis (the web process's), whichever
    Redis this process was set up with (a test's, in the smoke test)."""
    config: dict[str, Any] = copy.deepcopy(settings.CHANNEL_LAYERS["default"])
    for host in config["CONFIG"]["hosts"]:
        host["address"] = stack.redis.url
    return BoardChannelLayer(**config["CONFIG"])


def fanout(stack: Stack) -> dict[str, Any]:
    clients = knob_int("BENCH_FANOUT_CLIENTS", full=5000, quick=50)
    pushes = knob_int("BENCH_FANOUT_PUSHES", full=30, quick=5)
    interval_s = knob_float("BENCH_FANOUT_INTERVAL_S", full=1.0, quick=0.3)
    raise_open_files_limit(clients * 2 + 1024)
    org, _ = Organization.objects.get_or_create(
        webex_org_id="bench-fanout-org", defaults={"name": "Bench fan-out"}
    )
    (board,) = make_boards(org, 1, "bench-fanout")
    arrivals: dict[int, list[float]] = {}
    lock = threading.Lock()

    def on_message(index: int, at_s: float, text: str) -> None:
        marker = 'data-seq="'
        start = text.find(marker)
        if start < 0:
            return
        seq = int(text[start + len(marker) : text.index('"', start + len(marker))])
        with lock:
            arrivals.setdefault(seq, []).append(at_s)

    layer = _stack_layer(stack)
    send = async_to_sync(layer.send_each_group)
    sent_at: dict[int, float] = {}
    with stack.web("web") as url:
        ws_base = url.replace("http://", "ws://")
        urls = [ws_base + board.ws_path] * clients
        with SocketPool(urls, on_message=on_message) as pool:
            connected = pool.connected
            print(f"fanout: {connected} clients connected, sending", flush=True)
            for seq in range(pushes):
                sent_at[seq] = time.monotonic()
                send("board.updates", {board_group(board.board_id): _stamp(seq)})
                time.sleep(interval_s)
            deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
            while time.monotonic() < deadline:
                with lock:
                    if all(len(arrivals.get(s, [])) >= connected for s in sent_at):
                        break
                time.sleep(0.1)
    with lock:
        last_arrival_ms = [
            (max(arrivals[s]) - sent_at[s]) * 1000.0
            for s in sent_at
            if len(arrivals.get(s, [])) >= connected
        ]
        first_arrival_ms = [(min(arrivals[s]) - sent_at[s]) * 1000.0 for s in arrivals]
        missed = sum(max(0, connected - len(arrivals.get(s, []))) for s in sent_at)
    return {
        "fanout_clients": connected,
        "fanout_push_p99_ms": percentile_ms(last_arrival_ms, 99),
        "fanout_push_p50_ms": percentile_ms(last_arrival_ms, 50),
        "fanout_first_client_p50_ms": percentile_ms(first_arrival_ms, 50),
        "fanout_clients_wanted": clients,
        "fanout_clients_failed": pool.failed,
        "fanout_pushes": pushes,
        "fanout_deliveries_missed": missed,
    }
