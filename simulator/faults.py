"""Rate limiting and fault injection in front of the WxCC and identity surfaces.

Rate limit: WxCC's documented default is 300 requests per minute per client ID, answered with
429 and `Retry-After` in seconds (docs/wxcc-contract.md section 5). Faults let tests make the
simulator misbehave on purpose: an outage (503), 5xx answers, slow answers, answers that never
come in time, or 429s regardless of the budget.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

FAULT_MODES = ("none", "outage", "5xx", "slow", "timeout", "ratelimit")
FAULT_SCOPES = ("api", "identity", "all")
WINDOW_S = 60.0


@dataclass
class FaultSettings:
    """The fault currently injected; `remaining` counts affected requests left (None: no end)."""

    mode: str = "none"
    scope: str = "api"
    remaining: int | None = None
    status_code: int = 500
    delay_s: float = 3.0
    retry_after_s: int = 5

    def as_json(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "scope": self.scope,
            "remaining": self.remaining,
            "status_code": self.status_code,
            "delay_s": self.delay_s,
            "retry_after_s": self.retry_after_s,
        }


class FaultInjector:
    def __init__(self) -> None:
        self.settings = FaultSettings()

    def configure(self, **fields: object) -> FaultSettings:
        settings = FaultSettings(**fields)  # type: ignore[arg-type]
        if settings.mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        if settings.scope not in FAULT_SCOPES:
            raise ValueError(f"scope must be one of {FAULT_SCOPES}")
        self.settings = settings
        return settings

    def take(self, surface: str) -> FaultSettings | None:
        """The fault to apply to one request on `surface` ("api" or "identity"), if any."""
        settings = self.settings
        if settings.mode == "none" or settings.scope not in (surface, "all"):
            return None
        if settings.remaining is not None:
            if settings.remaining <= 0:
                self.settings = FaultSettings()
                return None
            settings.remaining -= 1
        return settings


class RateLimiter:
    """A rolling one-minute request budget per key (client id or token)."""

    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> int | None:
        """Count one request; None if allowed, else the Retry-After seconds."""
        if self.per_minute <= 0:
            return None
        now = self._monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + WINDOW_S - now))
        hits.append(now)
        return None

    def reset(self, per_minute: int | None = None) -> None:
        self._hits.clear()
        if per_minute is not None:
            self.per_minute = per_minute
