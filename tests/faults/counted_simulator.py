"""A simulator whose WxCC API requests are counted at the door, so a fault test can say how many
requests the integration sent in any window (what WxCC's own limit would see)."""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from simulator.app import create_app
from tests.fixtures.servers import AsgiServer, free_port
from tests.fixtures.simulator import RunningSimulator, sim_test_config

# Not WxCC's API: identity (sign-in, token refresh, messaging) and the simulator's controls.
NOT_WXCC_API = ("/_sim/", "/v1/authorize", "/v1/access_token", "/v1/people/", "/v1/messages")


@dataclass
class RequestLog:
    """The monotonic times at which the simulator received a WxCC API request."""

    times_s: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str) -> None:
        if not path.startswith(NOT_WXCC_API):
            with self.lock:
                self.times_s.append(time.monotonic())

    def snapshot(self) -> list[float]:
        with self.lock:
            return list(self.times_s)

    def count_between(self, start_s: float, end_s: float) -> int:
        times = self.snapshot()
        return bisect.bisect_left(times, end_s) - bisect.bisect_left(times, start_s)

    def most_in_any_window(self, window_s: float) -> int:
        """The most requests in any window of `window_s` seconds (sliding over each request)."""
        times = self.snapshot()
        return max(
            (bisect.bisect_left(times, t + window_s) - i for i, t in enumerate(times)), default=0
        )


class CountingApp:
    """ASGI middleware: records each HTTP request's path, then hands it to the simulator."""

    def __init__(self, app: Any, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.log.record(scope["path"])
        await self.app(scope, receive, send)


def counted_simulator(**overrides: Any) -> tuple[RunningSimulator, RequestLog]:
    """A fresh simulator (sim_test_config with `overrides`) behind a request counter; the
    caller stops it."""
    config = sim_test_config(**overrides).with_overrides(port=free_port())
    log = RequestLog()
    server = AsgiServer(CountingApp(create_app(config), log), config.port, lifespan="on").start()
    return RunningSimulator(config=config, base_url=server.url, _server=server), log
