"""Everything one running simulator holds, wired together: one clock, one token store, one rate
limiter, one fault injector and one webhook dispatcher for the whole (simulated) Webex, and per
org its own traffic model and subscriptions. With a state directory, tokens and subscriptions
are saved on every change and read back at start."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from simulator.auth import AccessToken, TokenStore
from simulator.clock import SimClock
from simulator.config import SimConfig
from simulator.faults import FaultInjector, RateLimiter
from simulator.model import TrafficModel
from simulator.persistence import StateFile, StateFileInvalid
from simulator.subscriptions import SubscriptionStore
from simulator.tenancy import OrgSpec, org_model_config, org_specs, select_org
from simulator.webhooks import WebhookDispatcher

logger = logging.getLogger(__name__)


@dataclass
class OrgState:
    """One customer org: who it is, its contact center and its subscriptions."""

    spec: OrgSpec
    model: TrafficModel
    subscriptions: SubscriptionStore

    @property
    def org_id(self) -> str:
        return self.spec.org_id


@dataclass
class SimulatorState:
    config: SimConfig
    clock: SimClock
    orgs: dict[str, OrgState]
    tokens: TokenStore
    dispatcher: WebhookDispatcher
    faults: FaultInjector
    limiter: RateLimiter
    state_file: StateFile | None = None
    # The org whose user is signed in at /v1/authorize (see /_sim/authorize-as); org 1 at start.
    signed_in_org_id: str = ""
    _loop_task: asyncio.Task[None] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, config: SimConfig) -> SimulatorState:
        start_ms = config.start_time_ms if config.start_time_ms is not None else _wall_ms()
        orgs: dict[str, OrgState] = {}
        for spec in org_specs(config):
            model = TrafficModel(org_model_config(config, spec), start_ms)
            began = time.perf_counter()
            model.generate_history()
            logger.info(
                "history generated org_id=%s tasks=%d sessions=%d seconds=%.2f",
                spec.org_id,
                len(model.task_list),
                len(model.sessions),
                time.perf_counter() - began,
            )
            subscriptions = SubscriptionStore(
                spec.org_id, allow_loopback=config.allow_loopback_destinations
            )
            orgs[spec.org_id] = OrgState(spec=spec, model=model, subscriptions=subscriptions)
        # The clock starts once history exists, so live time continues from start_ms.
        clock = SimClock(start_ms, config.speed)
        dispatcher = WebhookDispatcher(
            config, {org_id: org.subscriptions for org_id, org in orgs.items()}
        )
        dispatcher.clock_ms = clock.now_ms
        for org_id, org in orgs.items():
            org.model.subscribe(dispatcher.publisher(org_id))
        state = cls(
            config=config,
            clock=clock,
            orgs=orgs,
            tokens=TokenStore(config),
            dispatcher=dispatcher,
            faults=FaultInjector(),
            limiter=RateLimiter(config.rate_limit_per_minute),
            state_file=StateFile(config.state_dir) if config.state_dir else None,
            signed_in_org_id=next(iter(orgs)),
        )
        state.restore()
        state.tokens.on_change = state.persist
        for org in orgs.values():
            org.subscriptions.on_change = state.persist
        return state

    # --- orgs --------------------------------------------------------------------------

    @property
    def specs(self) -> tuple[OrgSpec, ...]:
        return tuple(org.spec for org in self.orgs.values())

    def org(self, selector: str | None = None) -> OrgState:
        """The org a selector (org id or 1-based number) names; org 1 when None.
        Raises tenancy.UnknownOrg."""
        return self.orgs[select_org(self.specs, selector).org_id]

    def org_of(self, token: AccessToken) -> OrgState:
        """The org a token acts for: the org of the user who consented."""
        return self.orgs[token.org_id]

    # --- surviving a restart -----------------------------------------------------------

    def persist(self) -> None:
        if self.state_file is None:
            return
        self.state_file.save(
            {
                "tokens": self.tokens.snapshot(),
                "subscriptions": {
                    org_id: org.subscriptions.snapshot() for org_id, org in self.orgs.items()
                },
            }
        )

    def restore(self) -> None:
        if self.state_file is None:
            return
        snapshot = self.state_file.load()
        if snapshot is None:
            return
        try:
            self.tokens.restore(snapshot["tokens"])
            saved: dict[str, Any] = snapshot["subscriptions"]
            for org_id, items in saved.items():
                if org_id in self.orgs:
                    self.orgs[org_id].subscriptions.restore(items)
                else:
                    logger.warning("saved subscriptions of an org not served org_id=%s", org_id)
        except (KeyError, TypeError, AttributeError) as exc:
            path = self.state_file.path
            raise StateFileInvalid(f"{path} does not hold simulator state: {exc!r}") from exc
        logger.info(
            "state restored path=%s access_tokens=%d subscriptions=%d",
            self.state_file.path,
            len(self.tokens.access_tokens),
            sum(org.subscriptions.count for org in self.orgs.values()),
        )

    # --- time --------------------------------------------------------------------------

    def sync(self) -> int:
        """Bring every org's model up to the clock's now; every answer is drawn after this."""
        now_ms = self.clock.now_ms()
        for org in self.orgs.values():
            org.model.advance_to(now_ms)
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
