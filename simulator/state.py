"""Everything one running simulator holds, wired together: clock, model, tokens,
subscriptions, webhook dispatcher, rate limiter and faults."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from simulator.auth import TokenStore
from simulator.clock import SimClock
from simulator.config import SimConfig
from simulator.faults import FaultInjector, RateLimiter
from simulator.model import TrafficModel
from simulator.webhooks import SubscriptionStore, WebhookDispatcher

logger = logging.getLogger(__name__)


@dataclass
class SimulatorState:
    config: SimConfig
    clock: SimClock
    model: TrafficModel
    tokens: TokenStore
    subscriptions: SubscriptionStore
    dispatcher: WebhookDispatcher
    faults: FaultInjector
    limiter: RateLimiter
    _loop_task: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, config: SimConfig) -> SimulatorState:
        start_ms = config.start_time_ms if config.start_time_ms is not None else _wall_ms()
        model = TrafficModel(config, start_ms)
        began = time.perf_counter()
        model.generate_history()
        logger.info(
            "history generated tasks=%d sessions=%d seconds=%.2f",
            len(model.task_list),
            len(model.sessions),
            time.perf_counter() - began,
        )
        # The clock starts once history exists, so live time continues from start_ms.
        clock = SimClock(start_ms, config.speed)
        subscriptions = SubscriptionStore(config.org_id)
        dispatcher = WebhookDispatcher(config, subscriptions)
        dispatcher.clock_ms = clock.now_ms
        model.subscribe(dispatcher.publish)
        return cls(
            config=config,
            clock=clock,
            model=model,
            tokens=TokenStore(config),
            subscriptions=subscriptions,
            dispatcher=dispatcher,
            faults=FaultInjector(),
            limiter=RateLimiter(config.rate_limit_per_minute),
        )

    def sync(self) -> int:
        """Bring the model up to the clock's now; every answer is drawn after this."""
        now_ms = self.clock.now_ms()
        self.model.advance_to(now_ms)
        return now_ms

    async def start(self) -> None:
        await self.dispatcher.start()
        if self.config.live:
            self._loop_task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
            self._loop_task = None
        await self.dispatcher.stop()

    async def _run(self) -> None:
        # Small ticks keep webhooks timely; each tick only processes events that are due,
        # so an idle contact center costs next to nothing.
        while True:
            self.sync()
            await asyncio.sleep(self.config.tick_s)


def _wall_ms() -> int:
    return int(time.time() * 1000)
