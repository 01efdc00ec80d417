"""Each formula with hand-computed values, and "no data" for a zero denominator."""

from __future__ import annotations

import pytest

from wallboard.metrics import NO_DATA, ServiceLevelDefinition, display_pct, display_s
from wallboard.metrics.formulas import (
    abandon_rate_pct,
    aht_s,
    asa_s,
    mean_s,
    occupancy_pct,
    ratio_pct,
    service_level_pct,
    transfer_rate_pct,
)

# Cisco's worked example (ICM service-level types): 70 answered within T, 10 abandoned
# within T, 20 past T; here the 20 are 15 answered late and 5 abandoned late.
EXAMPLE = {"answered": 85, "answered_within_t": 70, "abandoned": 15, "abandoned_within_t": 10}


def test_a_ratio_with_a_zero_denominator_is_no_data_not_zero_or_hundred() -> None:
    assert ratio_pct(0, 0) is None
    assert ratio_pct(5, 0) is None
    assert ratio_pct(0, 4) == 0.0
    assert ratio_pct(3, 4) == 75.0


def test_an_average_of_nothing_is_no_data() -> None:
    assert mean_s(0, 0) is None
    assert mean_s(90_000, 3) == 30.0


def test_default_service_level_ignores_abandons_within_the_threshold() -> None:
    # 70 / (85 + 15 - 10) = 70 / 90
    assert service_level_pct(
        definition=ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED, **EXAMPLE
    ) == pytest.approx(77.777, abs=1e-3)


def test_answered_of_offered_service_level_counts_every_abandon_against() -> None:
    # 70 / (85 + 15) = 70 / 100
    assert service_level_pct(
        definition=ServiceLevelDefinition.ANSWERED_OF_OFFERED, **EXAMPLE
    ) == pytest.approx(70.0)


def test_answered_or_abandoned_service_level_counts_abandons_within_t_for() -> None:
    # (70 + 10) / (85 + 15) = 80 / 100
    assert service_level_pct(
        definition=ServiceLevelDefinition.ANSWERED_OR_ABANDONED_OF_OFFERED, **EXAMPLE
    ) == pytest.approx(80.0)


@pytest.mark.parametrize("definition", list(ServiceLevelDefinition))
def test_service_level_without_contacts_is_no_data(definition: ServiceLevelDefinition) -> None:
    assert (
        service_level_pct(
            definition=definition,
            answered=0,
            answered_within_t=0,
            abandoned=0,
            abandoned_within_t=0,
        )
        is None
    )


def test_default_service_level_with_only_abandons_within_t_is_no_data() -> None:
    assert (
        service_level_pct(
            definition=ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED,
            answered=0,
            answered_within_t=0,
            abandoned=3,
            abandoned_within_t=3,
        )
        is None
    )


def test_aht_includes_wrapup_unless_asked_for_wxcc_queue_statistics_figure() -> None:
    # 2 contacts: talk 300 s, hold 60 s, wrap-up 90 s in total.
    assert aht_s(talk_ms=300_000, hold_ms=60_000, wrapup_ms=90_000, handled=2) == 225.0
    assert (
        aht_s(talk_ms=300_000, hold_ms=60_000, wrapup_ms=90_000, handled=2, include_wrapup=False)
        == 180.0
    )
    assert aht_s(talk_ms=0, hold_ms=0, wrapup_ms=0, handled=0) is None


def test_asa_abandon_transfer_and_occupancy_by_hand() -> None:
    assert asa_s(answer_wait_ms=45_000, answered=3) == 15.0
    assert asa_s(answer_wait_ms=0, answered=0) is None
    assert abandon_rate_pct(abandoned=1, answered=3) == 25.0
    assert abandon_rate_pct(abandoned=0, answered=0) is None
    assert transfer_rate_pct(transferred=1, handled=4) == 25.0
    assert transfer_rate_pct(transferred=0, handled=0) is None
    assert occupancy_pct(occupied_ms=45 * 60_000, available_ms=15 * 60_000) == 75.0
    assert occupancy_pct(occupied_ms=0, available_ms=0) is None


def test_tiles_show_an_em_dash_for_no_data() -> None:
    assert NO_DATA == "\u2014"
    assert display_pct(None) == NO_DATA
    assert display_s(None) == NO_DATA
    assert display_pct(77.78) == "78 %"
    assert display_s(65.4) == "1:05"
    assert display_s(3725) == "1:02:05"
