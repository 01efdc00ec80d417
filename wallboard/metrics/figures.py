"""Figures a tile or a report row shows, made from tallies with the formulas in `formulas`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .formulas import (
    abandon_rate_pct,
    aht_s,
    asa_s,
    mean_s,
    service_level_pct,
    transfer_rate_pct,
)
from .inputs import DEFAULT_SERVICE_LEVEL_DEFINITION, ServiceLevelDefinition
from .tally import ContactTally, WaitingTally


@dataclass(frozen=True, slots=True)
class ContactFigures:
    """Contact figures over one period or interval; None is "no data".

    `aht_s` is talk + hold + wrap-up; `aht_excl_wrapup_s` is WxCC's queue-statistics
    figure, which leaves wrap-up out. Counts by arrival, handle times by end.
    """

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    handled: int
    service_level_pct_by_definition: Mapping[ServiceLevelDefinition, float | None]
    asa_s: float | None
    aht_s: float | None
    aht_excl_wrapup_s: float | None
    avg_talk_s: float | None
    avg_hold_s: float | None
    avg_wrapup_s: float | None
    avg_wait_s: float | None
    max_wait_s: float | None
    abandon_rate_pct: float | None
    transfer_rate_pct: float | None

    @property
    def service_level_pct(self) -> float | None:
        """Service level under the default definition."""
        return self.service_level_pct_by_definition[DEFAULT_SERVICE_LEVEL_DEFINITION]

    def service_level(self, definition: ServiceLevelDefinition) -> float | None:
        return self.service_level_pct_by_definition[definition]


def contact_figures(tally: ContactTally) -> ContactFigures:
    return ContactFigures(
        offered=tally.offered,
        answered=tally.answered,
        abandoned=tally.abandoned,
        short_abandoned=tally.short_abandoned,
        handled=tally.handled,
        service_level_pct_by_definition={
            definition: service_level_pct(
                definition=definition,
                answered=tally.answered,
                answered_within_t=tally.answered_within_t,
                abandoned=tally.abandoned,
                abandoned_within_t=tally.abandoned_within_t,
            )
            for definition in ServiceLevelDefinition
        },
        asa_s=asa_s(answer_wait_ms=tally.answer_wait_ms, answered=tally.answered),
        aht_s=aht_s(
            talk_ms=tally.talk_ms,
            hold_ms=tally.hold_ms,
            wrapup_ms=tally.wrapup_ms,
            handled=tally.handled,
        ),
        aht_excl_wrapup_s=aht_s(
            talk_ms=tally.talk_ms,
            hold_ms=tally.hold_ms,
            wrapup_ms=tally.wrapup_ms,
            handled=tally.handled,
            include_wrapup=False,
        ),
        avg_talk_s=mean_s(tally.talk_ms, tally.handled),
        avg_hold_s=mean_s(tally.hold_ms, tally.handled),
        avg_wrapup_s=mean_s(tally.wrapup_ms, tally.handled),
        avg_wait_s=mean_s(tally.wait_ms, tally.answered + tally.abandoned),
        max_wait_s=None if tally.max_wait_ms is None else tally.max_wait_ms / 1000.0,
        abandon_rate_pct=abandon_rate_pct(abandoned=tally.abandoned, answered=tally.answered),
        transfer_rate_pct=transfer_rate_pct(transferred=tally.transferred, handled=tally.handled),
    )


def longest_wait_s(waiting: WaitingTally, *, now: datetime) -> float | None:
    """How long the longest-waiting contact has waited at `now`; None when nobody waits."""
    if waiting.oldest_arrived_at is None:
        return None
    return max(0.0, (now - waiting.oldest_arrived_at).total_seconds())
