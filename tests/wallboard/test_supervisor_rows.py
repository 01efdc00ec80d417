"""The supervisor pages' pure cores: interval chart data (today beside yesterday, by the
reports' engine) and the agent table's filters and sort orders, with hand-computed numbers."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.wallboard.builders import DAY, abandoned, answered, at
from wallboard.metrics import MetricsConfig
from wallboard.supervisor.charts import interval_chart
from wallboard.supervisor.rows import AgentFilter, AgentRow, AgentSort, sort_agent_rows

UTC_ZONE = ZoneInfo("UTC")
CONFIG = MetricsConfig(short_abandon_threshold_s=5.0)


def test_the_chart_sets_todays_intervals_beside_yesterdays_from_the_first_busy_one() -> None:
    yesterday = DAY - timedelta(days=1)
    contacts = [
        answered("a", arrived=at(9, 5), wait_s=10, talk_s=60),
        abandoned("b", arrived=at(9, 40), wait_s=60),
        answered("y", arrived=at(9, 10, day=yesterday), wait_s=30, talk_s=60),
    ]

    data, rows = interval_chart(
        contacts, queue_id="q1", zone=UTC_ZONE, now=at(10, 20), minutes=30, config=CONFIG
    )

    assert data["labels"] == ["09:00", "09:30", "10:00"]
    assert data["today"]["offered"] == [1, 1, 0]
    assert data["today"]["answered"] == [1, 0, 0]
    assert data["today"]["abandoned"] == [0, 1, 0]
    # Answered within 20 s: 100 %; abandoned after 20 s counts against: 0 %; nothing: None.
    assert data["today"]["serviceLevelPct"] == [100.0, 0.0, None]
    assert data["today"]["asaS"] == [10.0, None, None]
    assert data["yesterday"]["offered"] == [1, 0, 0]
    assert data["yesterday"]["serviceLevelPct"] == [0.0, None, None]
    assert [row.label for row in rows] == data["labels"]


def test_intervals_today_has_not_reached_are_no_data_while_yesterday_goes_on() -> None:
    yesterday = DAY - timedelta(days=1)
    contacts = [answered("y", arrived=at(11, 10, day=yesterday), wait_s=5, talk_s=60)]

    data, rows = interval_chart(
        contacts, queue_id=None, zone=UTC_ZONE, now=at(10, 20), minutes=60, config=CONFIG
    )

    assert data["labels"] == ["10:00", "11:00"]
    assert data["today"]["offered"] == [0, None]
    assert data["yesterday"]["offered"] == [0, 1]
    assert rows[1].today is None


def test_a_queue_without_contacts_shows_the_current_interval_only() -> None:
    data, _ = interval_chart(
        [], queue_id="q9", zone=UTC_ZONE, now=at(10, 20), minutes=15, config=CONFIG
    )
    assert data["labels"] == ["10:15"]
    assert data["today"]["offered"] == [0]


def row(agent_id: str, **overrides: object) -> AgentRow:
    fields: dict[str, object] = {
        "id": agent_id,
        "name": f"Agent {agent_id}",
        "team_id": "1",
        "team": "Alpha",
        "state": "available",
        "state_label": "Available",
        "idle_code": "",
        "since_ms": 1000,
        "time_in_state": "0:01",
        "time_in_state_s": 1.0,
        "contact": "",
        "queue_id": "",
        "queue": "",
        "handled_today": 0,
        "aht_today_s": None,
        "aht_today": "—",
    }
    fields.update(overrides)
    return AgentRow(**fields)  # type: ignore[arg-type]


def test_agents_without_an_aht_go_last_whichever_way_the_column_sorts() -> None:
    rows = [row("1", aht_today_s=90.0), row("2"), row("3", aht_today_s=300.0)]

    assert [r.id for r in sort_agent_rows(rows, AgentSort.AHT, descending=True)] == ["3", "1", "2"]
    assert [r.id for r in sort_agent_rows(rows, AgentSort.AHT, descending=False)] == ["1", "3", "2"]


def test_sorting_by_state_follows_the_menu_order_then_the_name() -> None:
    rows = [
        row("1", state="wrapup", name="Zed"),
        row("2", state="available", name="Bea"),
        row("3", state="available", name="Amy"),
        row("4", state="idle", name="Cy"),
    ]
    assert [r.id for r in sort_agent_rows(rows, AgentSort.STATE, descending=False)] == [
        "3",
        "2",
        "4",
        "1",
    ]


def test_a_filter_matches_team_queue_and_state_together() -> None:
    chosen = AgentFilter(team_id="1", queue_id="7", state="connected")
    assert chosen.matches(row("1", state="connected", queue_id="7"))
    assert not chosen.matches(row("2", state="connected", queue_id="8"))
    assert not chosen.matches(row("3", state="idle", queue_id="7"))
    assert not chosen.matches(row("4", state="connected", queue_id="7", team_id="2"))
    assert AgentFilter().matches(row("5"))
