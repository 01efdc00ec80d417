"""The simulated clock: model time runs `speed` times faster than real time, and can be paused
and stepped. Every "now" the WxCC surface answers with comes from here."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """Model time in epoch milliseconds.

    model_now = anchor_model_ms + (real elapsed since anchor) * speed, unless paused.
    """

    def __init__(
        self,
        start_ms: int,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._speed = speed
        self._anchor_model_ms = float(start_ms)
        self._anchor_real_s = monotonic()
        self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def speed(self) -> float:
        return self._speed

    def now_ms(self) -> int:
        if self._paused:
            return int(self._anchor_model_ms)
        elapsed_s = self._monotonic() - self._anchor_real_s
        return int(self._anchor_model_ms + elapsed_s * self._speed * 1000)

    def _rebase(self) -> None:
        # Fold elapsed real time into the anchor so later changes apply from this instant.
        self._anchor_model_ms = float(self.now_ms())
        self._anchor_real_s = self._monotonic()

    def pause(self) -> None:
        self._rebase()
        self._paused = True

    def resume(self) -> None:
        self._anchor_real_s = self._monotonic()
        self._paused = False

    def step(self, seconds: float) -> int:
        """Jump model time forward; returns the new now."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._rebase()
        self._anchor_model_ms += seconds * 1000
        return self.now_ms()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._rebase()
        self._speed = speed
