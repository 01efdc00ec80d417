"""Every contact-center formula, once: ratios, averages, service level, occupancy.

Each takes counts and sums and returns a number, or None for "no data" when its denominator
is zero (shown as an em dash, never 0 % or 100 %). docs/metrics.md gives each formula's source.
"""

from __future__ import annotations

from .inputs import ServiceLevelDefinition

NO_DATA = "\u2014"  # em dash: what a tile shows for None


def ratio_pct(numerator: int | float, denominator: int | float) -> float | None:
    """numerator / denominator as a percentage; None when the denominator is zero."""
    if denominator == 0:
        return None
    return 100.0 * numerator / denominator


def mean_s(total_ms: int | float, count: int) -> float | None:
    """An average in seconds of `count` durations summing to `total_ms`; None when count is 0."""
    if count == 0:
        return None
    return total_ms / count / 1000.0


def service_level_pct(
    *,
    definition: ServiceLevelDefinition,
    answered: int,
    answered_within_t: int,
    abandoned: int,
    abandoned_within_t: int,
) -> float | None:
    """Service level under one of the published definitions (short abandons already removed).

    `answered` and `abandoned` count contacts with an outcome; `*_within_t` those whose wait
    was at most the threshold T.
    """
    if definition is ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED:
        return ratio_pct(answered_within_t, answered + abandoned - abandoned_within_t)
    if definition is ServiceLevelDefinition.ANSWERED_OF_OFFERED:
        return ratio_pct(answered_within_t, answered + abandoned)
    return ratio_pct(answered_within_t + abandoned_within_t, answered + abandoned)


def asa_s(*, answer_wait_ms: int, answered: int) -> float | None:
    """Average speed of answer: mean wait of answered contacts."""
    return mean_s(answer_wait_ms, answered)


def aht_s(
    *, talk_ms: int, hold_ms: int, wrapup_ms: int, handled: int, include_wrapup: bool = True
) -> float | None:
    """Average handle time: (talk + hold + wrap-up) / handled.

    `include_wrapup=False` gives WxCC's queue-statistics figure, which leaves wrap-up out.
    """
    total_ms = talk_ms + hold_ms + (wrapup_ms if include_wrapup else 0)
    return mean_s(total_ms, handled)


def abandon_rate_pct(*, abandoned: int, answered: int) -> float | None:
    """Abandoned / (answered + abandoned), short abandons excluded."""
    return ratio_pct(abandoned, answered + abandoned)


def transfer_rate_pct(*, transferred: int, handled: int) -> float | None:
    """Handled contacts transferred at least once / handled contacts."""
    return ratio_pct(transferred, handled)


def occupancy_pct(*, occupied_ms: int, available_ms: int) -> float | None:
    """Time on contacts / (time on contacts + available time)."""
    return ratio_pct(occupied_ms, occupied_ms + available_ms)


def display_pct(value: float | None) -> str:
    """A percentage for a tile: whole percent, or the em dash for no data."""
    return NO_DATA if value is None else f"{value:.0f} %"


def display_s(value: float | None) -> str:
    """A duration for a tile as m:ss (h:mm:ss past an hour), or the em dash for no data."""
    if value is None:
        return NO_DATA
    whole_s = round(value)
    hours, rest = divmod(whole_s, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"
