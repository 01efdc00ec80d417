"""Queue, team and center figures of the hand-computed scenario (see scenario.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wallboard.metrics import (
    CenterSnapshot,
    MetricsConfig,
    Period,
    ServiceLevelDefinition,
    compute_center,
)

from .builders import LONDON, abandoned, answered, at, waiting
from .scenario import AGENTS, CONFIG, CONTACTS, NOW, SPANS

DEFAULT = ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED
OF_OFFERED = ServiceLevelDefinition.ANSWERED_OF_OFFERED
WITH_ABANDONS = ServiceLevelDefinition.ANSWERED_OR_ABANDONED_OF_OFFERED


@pytest.fixture(scope="module")
def snapshot() -> CenterSnapshot:
    return compute_center(
        contacts=CONTACTS, agents=AGENTS, spans=SPANS, config=CONFIG, now=NOW, zone=LONDON
    )


def test_queue_counts_today(snapshot: CenterSnapshot) -> None:
    today = snapshot.queues["q1"].periods[Period.TODAY]
    assert (today.offered, today.answered, today.abandoned, today.short_abandoned) == (9, 3, 3, 1)
    assert today.handled == 2  # c9 is still being talked to


def test_queue_service_level_today_under_each_definition(snapshot: CenterSnapshot) -> None:
    today = snapshot.queues["q1"].periods[Period.TODAY]
    # answered within 20 s: c1 (10 s), c9 (exactly 20 s); abandoned within: c3, c6
    assert today.service_level_pct == pytest.approx(100 * 2 / (3 + 3 - 2))
    assert today.service_level(OF_OFFERED) == pytest.approx(100 * 2 / 6)
    assert today.service_level(WITH_ABANDONS) == pytest.approx(100 * 4 / 6)


def test_queue_times_today(snapshot: CenterSnapshot) -> None:
    today = snapshot.queues["q1"].periods[Period.TODAY]
    assert today.asa_s == pytest.approx((10 + 30 + 20) / 3)
    assert today.avg_wait_s == pytest.approx((10 + 30 + 20 + 15 + 45 + 5) / 6)
    assert today.max_wait_s == 45
    assert today.aht_s == pytest.approx((200 + 40 + 60 + 100 + 20) / 2)
    assert today.aht_excl_wrapup_s == pytest.approx((200 + 40 + 100) / 2)
    assert today.avg_hold_s == 20
    assert today.abandon_rate_pct == 50
    assert today.transfer_rate_pct == 50


def test_contacts_waiting_and_the_longest_wait_now(snapshot: CenterSnapshot) -> None:
    q1 = snapshot.queues["q1"]
    assert q1.contacts_waiting == 2
    assert q1.oldest_waiting_since == at(9, 58)
    assert q1.longest_wait_s == 120
    assert snapshot.queues["q2"].contacts_waiting == 0
    assert snapshot.queues["q2"].longest_wait_s is None


def test_rolling_periods_count_contacts_by_arrival(snapshot: CenterSnapshot) -> None:
    periods = snapshot.queues["q1"].periods
    last_15, last_30, last_60 = (
        periods[Period.LAST_15_MIN],
        periods[Period.LAST_30_MIN],
        periods[Period.LAST_60_MIN],
    )
    # 09:45-10:00: c6, c7, c8, c9; 09:30-10:00 adds c4 (at 09:30 exactly) and c5.
    assert (last_15.offered, last_15.answered, last_15.abandoned) == (4, 1, 1)
    assert last_15.service_level_pct == 100
    assert (last_30.offered, last_30.abandoned, last_30.short_abandoned) == (6, 2, 1)
    assert last_30.service_level_pct == 50
    assert last_60.offered == periods[Period.TODAY].offered


def test_handle_time_counts_in_the_period_the_contact_ended(snapshot: CenterSnapshot) -> None:
    periods = snapshot.queues["q1"].periods
    # c1 and c2 ended before 09:15: handled in the last hour, not in the last 15 or 30 minutes.
    assert periods[Period.LAST_60_MIN].handled == 2
    assert periods[Period.LAST_30_MIN].handled == 0
    assert periods[Period.LAST_30_MIN].aht_s is None
    assert periods[Period.LAST_15_MIN].transfer_rate_pct is None


def test_each_queue_uses_its_own_threshold_and_the_center_adds_them_up(
    snapshot: CenterSnapshot,
) -> None:
    q2 = snapshot.queues["q2"].periods[Period.TODAY]
    # d1 waited 25 s: within q2's 30 s, though beyond the default 20 s.
    assert q2.service_level_pct == 50
    assert q2.aht_s == 150
    center = snapshot.center.periods[Period.TODAY]
    assert (center.offered, center.answered, center.abandoned, center.short_abandoned) == (
        11,
        4,
        4,
        1,
    )
    assert center.service_level_pct == pytest.approx(100 * 3 / (4 + 4 - 2))
    assert center.asa_s == pytest.approx((10 + 30 + 20 + 25) / 4)
    assert center.aht_s == pytest.approx((420 + 150) / 3)
    assert snapshot.center.contacts_waiting == 2


def test_team_figures_count_the_contacts_its_agents_handled(snapshot: CenterSnapshot) -> None:
    t1 = snapshot.teams["t1"].periods[Period.TODAY]
    assert (t1.offered, t1.answered, t1.abandoned) == (3, 3, 0)
    assert t1.service_level_pct == pytest.approx(100 * 2 / 3)
    assert snapshot.teams["t2"].periods[Period.TODAY].answered == 1


def test_no_traffic_gives_no_data_rather_than_zero_or_hundred() -> None:
    empty = compute_center(
        contacts=[],
        agents=[],
        spans=[],
        config=MetricsConfig(queue_team_ids={"q1": frozenset({"t1"})}),
        now=NOW,
        zone=LONDON,
    )
    for figures in (empty.center.periods[Period.TODAY], empty.queue("q1").periods[Period.TODAY]):
        assert figures.offered == 0
        assert figures.service_level_pct is None
        assert figures.asa_s is None
        assert figures.aht_s is None
        assert figures.avg_wait_s is None
        assert figures.max_wait_s is None
        assert figures.abandon_rate_pct is None
        assert figures.transfer_rate_pct is None
    assert empty.center.longest_wait_s is None
    assert empty.queue("unknown").periods[Period.LAST_15_MIN].offered == 0
    agents = empty.queues["q1"].agents
    assert agents is not None
    assert agents.occupancy_pct[Period.TODAY] is None


def test_only_short_abandons_leave_service_level_without_data() -> None:
    quick = [abandoned(f"c{i}", arrived=at(9, i), wait_s=2) for i in range(3)]
    snapshot = compute_center(
        contacts=quick, agents=[], spans=[], config=CONFIG, now=NOW, zone=LONDON
    )
    today = snapshot.queues["q1"].periods[Period.TODAY]
    assert (today.offered, today.short_abandoned) == (3, 3)
    assert today.service_level_pct is None
    assert today.abandon_rate_pct is None


def test_at_midnight_today_starts_again_but_handle_time_follows_the_end() -> None:
    # Arrived at 23:58 on 9 March, answered at 23:59, ended at 00:04 on 10 March.
    overnight = answered("c1", arrived=at(-1, 58), wait_s=60, talk_s=300)
    after_midnight = at(0, 10)
    snapshot = compute_center(
        contacts=[overnight, waiting("c2", arrived=at(-1, 50))],
        agents=[],
        spans=[],
        config=CONFIG,
        now=after_midnight,
        zone=LONDON,
    )
    periods = snapshot.queues["q1"].periods
    assert periods[Period.TODAY].offered == 0
    assert periods[Period.TODAY].handled == 1
    assert periods[Period.TODAY].aht_s == 300
    assert periods[Period.LAST_15_MIN].offered == 1  # 23:55-00:10 reaches back into yesterday
    assert periods[Period.LAST_30_MIN].offered == 2
    assert snapshot.queues["q1"].longest_wait_s == 20 * 60  # waiting across midnight


def test_on_the_spring_forward_day_today_covers_23_hours() -> None:
    # 29 March 2026: London clocks go from 01:00 GMT to 02:00 BST. 23:30 BST is 22:30 UTC.
    now = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    first = answered(
        "c1", arrived=datetime(2026, 3, 29, 0, 10, tzinfo=UTC), wait_s=5, talk_s=60
    )  # 00:10 GMT
    before = answered(
        "c0", arrived=datetime(2026, 3, 28, 23, 50, tzinfo=UTC), wait_s=5, talk_s=60
    )  # 23:50 GMT the day before
    snapshot = compute_center(
        contacts=[first, before], agents=[], spans=[], config=CONFIG, now=now, zone=LONDON
    )
    assert snapshot.windows[Period.TODAY].length_s == 22.5 * 3600
    assert snapshot.queues["q1"].periods[Period.TODAY].offered == 1


def test_a_queue_served_by_teams_shows_those_teams_agents(snapshot: CenterSnapshot) -> None:
    q1_agents = snapshot.queues["q1"].agents
    assert q1_agents is not None
    assert (q1_agents.counts.logged_in, q1_agents.counts.available) == (2, 1)


def test_a_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        MetricsConfig(short_abandon_threshold_s=-1)
    with pytest.raises(ValueError, match="negative"):
        MetricsConfig(queue_service_level_threshold_s={"q1": -5})


def test_a_queue_without_its_own_threshold_uses_the_default() -> None:
    assert CONFIG.service_level_threshold_s("q1") == 20
    assert CONFIG.service_level_threshold_s("q2") == 30
