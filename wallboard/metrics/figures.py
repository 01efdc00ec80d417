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
from .tally import ContactTally, Row, WaitingTally


# Not frozen, like `inputs.Contact`: a snapshot holds thousands of these, and a frozen
# dataclass sets each field through `object.__setattr__` (four times the cost). Nothing
# changes one once made: they are the engine's results, read by boards and reports.
@dataclass(slots=True)
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


# Iterating an enum class costs a generator per pass; the definitions, once.
_DEFINITIONS = tuple(ServiceLevelDefinition)


def contact_figures(tally: ContactTally) -> ContactFigures:
    return figures_of_row(tally.row())


def figures_of_row(row: Row) -> ContactFigures:
    """The figures of one tally row (`tally.Row`: ContactTally's fields in order, the
    longest wait -1 for none), as `contact_figures` of its tally."""
    (
        offered,
        answered,
        answered_within_t,
        abandoned,
        abandoned_within_t,
        short_abandoned,
        answer_wait_ms,
        wait_ms,
        max_wait_ms,
        handled,
        talk_ms,
        hold_ms,
        wrapup_ms,
        transferred,
    ) = row
    return ContactFigures(
        offered,
        answered,
        abandoned,
        short_abandoned,
        handled,
        {
            definition: service_level_pct(
                definition=definition,
                answered=answered,
                answered_within_t=answered_within_t,
                abandoned=abandoned,
                abandoned_within_t=abandoned_within_t,
            )
            for definition in _DEFINITIONS
        },
        asa_s(answer_wait_ms=answer_wait_ms, answered=answered),
        aht_s(talk_ms=talk_ms, hold_ms=hold_ms, wrapup_ms=wrapup_ms, handled=handled),
        aht_s(
            talk_ms=talk_ms,
            hold_ms=hold_ms,
            wrapup_ms=wrapup_ms,
            handled=handled,
            include_wrapup=False,
        ),
        mean_s(talk_ms, handled),
        mean_s(hold_ms, handled),
        mean_s(wrapup_ms, handled),
        mean_s(wait_ms, answered + abandoned),
        None if max_wait_ms < 0 else max_wait_ms / 1000.0,
        abandon_rate_pct(abandoned=abandoned, answered=answered),
        transfer_rate_pct(transferred=transferred, handled=handled),
    )


def longest_wait_s(waiting: WaitingTally, *, now: datetime) -> float | None:
    """How long the longest-waiting contact has waited at `now`; None when nobody waits."""
    if waiting.oldest_arrived_at is None:
        return None
    return max(0.0, (now - waiting.oldest_arrived_at).total_seconds())
