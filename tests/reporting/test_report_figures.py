"""Each report's numbers on a day whose every contact and agent state is known (the
`scenario` fixture), against figures computed by hand from the scenario's durations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.builders import BuildContext, ReportDocument, ReportSpec, build_report
from reporting.cache import ensure_days
from reporting.models import ReportKind
from reporting.ranges import DayRange
from tests.reporting.conftest import SCENARIO_DAY, Scenario

UTC_ZONE = ZoneInfo("UTC")
DAY = DayRange(SCENARIO_DAY, SCENARIO_DAY)


def build(scenario: Scenario, kind: ReportKind, minutes: int = 30) -> ReportDocument:
    cached = ensure_days(org=scenario.org, days=DAY, zone=UTC_ZONE, now=scenario.now)
    context = BuildContext(
        org=scenario.org, zone=UTC_ZONE, fetch_ids=cached.fetch_ids, now=scenario.now
    )
    return build_report(ReportSpec(kind=kind, days=DAY, interval_minutes=minutes), context)


def as_dicts(document: ReportDocument) -> list[dict[str, object]]:
    keys = [column.key for column in document.columns]
    return [dict(zip(keys, row, strict=True)) for row in document.rows]


@pytest.mark.django_db
def test_queue_summary_counts_each_contact_once_with_the_shared_formulas(
    scenario: Scenario,
) -> None:
    rows = {row["queue"]: row for row in as_dicts(build(scenario, ReportKind.QUEUE_SUMMARY))}

    sales = rows["Sales"]
    assert (sales["offered"], sales["answered"], sales["abandoned"], sales["short_abandoned"]) == (
        4,
        2,
        1,
        1,
    )
    # Within 20 s: t1 (2 s) answered; t2 abandoned after 30 s. 1 / (2 + 1 - 0).
    assert sales["service_level_pct"] == pytest.approx(100 / 3)
    assert sales["asa_s"] == pytest.approx((2 + 119) / 2)  # t4 waited 117 s + 2 s ringing
    assert sales["aht_s"] == pytest.approx((100 + 20 + 50 + 10) / 2)
    assert sales["max_wait_s"] == pytest.approx(119)
    assert sales["abandon_rate_pct"] == pytest.approx(100 / 3)

    chat = rows["Web Chat"]
    assert (chat["offered"], chat["answered"], chat["service_level_pct"]) == (1, 1, 100.0)
    assert (chat["asa_s"], chat["aht_s"]) == (pytest.approx(2), pytest.approx(200))

    center = rows["All queues"]
    assert (center["offered"], center["answered"], center["abandoned"]) == (5, 3, 1)
    assert center["short_abandoned"] == 1
    assert center["service_level_pct"] == pytest.approx(2 / 4 * 100)
    assert center["asa_s"] == pytest.approx((2 + 119 + 2) / 3)
    assert center["aht_s"] == pytest.approx((120 + 60 + 200) / 3)
    assert center["max_wait_s"] == pytest.approx(119)


@pytest.mark.django_db
def test_interval_report_puts_contacts_in_the_interval_they_arrived_in(
    scenario: Scenario,
) -> None:
    document = build(scenario, ReportKind.INTERVALS, minutes=30)
    rows = as_dicts(document)

    assert len([r for r in rows if r["queue"] == "All queues"]) == 48  # a 24-hour day
    busy = {(r["interval_start"], r["queue"]): r for r in rows if r["offered"]}
    half_past = datetime(2026, 3, 10, 0, 30, tzinfo=UTC_ZONE)
    one = datetime(2026, 3, 10, 1, 0, tzinfo=UTC_ZONE)
    assert set(busy) == {
        (half_past, "Sales"),
        (half_past, "All queues"),
        (one, "Web Chat"),
        (one, "All queues"),
    }
    assert busy[(half_past, "Sales")]["offered"] == 4
    assert busy[(half_past, "Sales")]["asa_s"] == pytest.approx(60.5)
    assert busy[(one, "Web Chat")]["aht_s"] == pytest.approx(200)
    assert document.chart is not None
    assert sum(document.chart.answered) == 3
    assert sum(document.chart.abandoned) == 1
    assert sum(document.chart.short_abandoned) == 1


@pytest.mark.django_db
def test_agent_performance_adds_up_grace_s_day(scenario: Scenario) -> None:
    rows = {row["agent"]: row for row in as_dicts(build(scenario, ReportKind.AGENTS))}

    assert set(rows) == {"Grace Loh"}
    grace = rows["Grace Loh"]
    assert grace["team"] == "Sales Team"
    assert grace["handled"] == 3
    assert grace["aht_s"] == pytest.approx((350 + 30) / 3)
    assert grace["avg_wrapup_s"] == pytest.approx(10)
    assert grace["avg_hold_s"] == 0
    assert (grace["talk_s"], grace["wrapup_s"]) == (pytest.approx(350), pytest.approx(30))
    available_s = 60 + (1865 - 244) + (2765 - 2067)
    assert grace["available_s"] == pytest.approx(available_s)
    assert grace["idle_s"] == pytest.approx(600)
    assert grace["idle_Break_s"] == pytest.approx(600)
    assert grace["login_s"] == pytest.approx(3365)
    assert grace["occupancy_pct"] == pytest.approx(380 / (380 + available_s) * 100)


@pytest.mark.django_db
def test_abandoned_list_has_each_abandoned_contact_with_its_wait(scenario: Scenario) -> None:
    rows = as_dicts(build(scenario, ReportKind.ABANDONED))

    assert [(r["queue"], r["waited_s"], r["outcome"]) for r in rows] in (
        [("Sales", 30.0, "abandoned"), ("Sales", 4.0, "short abandoned")],
        [("Sales", 4.0, "short abandoned"), ("Sales", 30.0, "abandoned")],
    )
    assert all(r["abandoned_where"] == "queue" for r in rows)
    assert all(r["terminated_by"] == "Customer" for r in rows)
    arrived = rows[0]["arrived_at"]
    assert isinstance(arrived, datetime)
    assert round((arrived - scenario.started_at).total_seconds()) == 65


@pytest.mark.django_db
def test_agent_state_timeline_follows_grace_through_her_contacts(scenario: Scenario) -> None:
    rows = as_dicts(build(scenario, ReportKind.AGENT_STATES))

    timeline = [(r["state"], round(float(str(r["duration_s"])))) for r in rows]
    assert timeline == [
        ("Available", 60),
        ("Ringing", 2),
        ("Connected", 100),
        ("Wrap-up", 20),
        ("Available", 0),
        ("Ringing", 2),
        ("Connected", 50),
        ("Wrap-up", 10),
        ("Available", 1865 - 244),
        ("Ringing", 2),
        ("Connected", 200),
        ("Wrap-up", 0),
        ("Available", 2765 - 2067),
        ("Idle", 600),
        ("Logged out", 0),
    ]
    assert {r["agent"] for r in rows} == {"Grace Loh"}
    assert [r["idle_code"] for r in rows if r["state"] == "Idle"] == ["Break"]
