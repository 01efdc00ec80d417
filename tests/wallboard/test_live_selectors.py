"""The selectors turn stored rows into the engine's inputs: figures worked out by hand
(tests/wallboard/live_scenario.py), in a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest

from oauth.models import Organization
from tests.wallboard.live_scenario import NOW, at, build_center
from wallboard import selectors, snapshots
from wallboard.metrics import AgentState, Period
from wallboard.specs import MetricsProfile

UTC_PROFILE = MetricsProfile("UTC", 5.0)


def build(org: Organization) -> Any:
    config = selectors.metrics_config(org_id=org.pk, short_abandon_threshold_s=5.0)
    return snapshots.build(org.pk, UTC_PROFILE, base_config=config, now=NOW)


def test_contacts_of_today_are_mapped_for_the_engine(org: Organization) -> None:
    center = build_center(org)
    contacts = selectors.contacts_since(org_id=org.pk, since=at(-9 * 60)).contacts()
    assert len(contacts) == 5  # yesterday's ended task is not read
    by_arrival = {c.arrived_at: c for c in contacts}
    waiting = by_arrival[at(59)]
    assert waiting.is_waiting
    assert waiting.is_open
    assert waiting.queue_id == str(center.queue.pk)
    answered = by_arrival[at(10, 5)]  # arrival is the queue time, not creation
    assert answered.created_at == at(10)
    assert answered.team_id == str(center.team.pk)
    assert answered.handle_type == "normal"
    assert by_arrival[at(20)].handle_type is None  # "" is "not classified yet"


def test_contact_times_are_read_exact_to_the_microsecond(org: Organization) -> None:
    """Times are read as epoch seconds (fast to load) and must come back exactly as stored."""
    from datetime import UTC, datetime

    from tests.fixtures.wxcc_factories import QueueFactory, TaskFactory
    from wxcc.models import TaskStatus

    queue = QueueFactory.create(organization=org)
    moments = [
        datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),  # a DST night in Europe
        datetime(2026, 11, 24, 23, 59, 59, 123_457, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, 1, tzinfo=UTC),
    ]
    for n, moment in enumerate(moments):
        TaskFactory.create(
            organization=org,
            queue=queue,
            wxcc_id=f"t-{n}",
            status=TaskStatus.ENDED,
            created_at=moment,
            queued_at=moment.replace(microsecond=n),
            connected_at=None,
            ended_at=moment.replace(microsecond=999_998 - n),
            status_at=moment,
        )
    found = {
        c.id: c
        for c in selectors.contacts_since(
            org_id=org.pk, since=moments[0].replace(year=2000)
        ).contacts()
    }
    for n, moment in enumerate(moments):
        contact = found[f"t-{n}"]
        assert contact.created_at == moment
        assert contact.arrived_at == moment.replace(microsecond=n)
        assert contact.ended_at == moment.replace(microsecond=999_998 - n)
        assert contact.answered_at is None


def test_queue_figures_of_today_match_the_hand_computed_ones(org: Organization) -> None:
    center = build_center(org)
    snapshot = build(org)
    queue = snapshot.queue(str(center.queue.pk))
    today = queue.periods[Period.TODAY]
    assert (today.offered, today.answered, today.abandoned) == (5, 2, 1)
    assert (today.short_abandoned, today.handled) == (1, 1)
    assert today.asa_s == pytest.approx(15.0)
    assert today.aht_s == pytest.approx(300.0)
    assert today.aht_excl_wrapup_s == pytest.approx(270.0)
    assert today.service_level_pct == pytest.approx(100 / 3)
    assert today.abandon_rate_pct == pytest.approx(100 / 3)
    assert queue.contacts_waiting == 1
    assert queue.longest_wait_s == pytest.approx(60.0)


def test_without_an_override_the_queue_uses_wxccs_threshold(org: Organization) -> None:
    center = build_center(org, override_s=None)
    today = build(org).queue(str(center.queue.pk)).periods[Period.TODAY]
    assert today.service_level_pct == pytest.approx(200 / 3)


def test_agents_now_and_occupancy_over_the_last_hour(org: Organization) -> None:
    center = build_center(org)
    snapshot = build(org)
    counts = snapshot.center.agents.counts
    assert (counts.logged_in, counts.connected, counts.idle) == (2, 1, 1)
    assert dict(counts.idle_by_code) == {"Lunch": 1}
    assert snapshot.agents[str(center.ann.pk)].state is AgentState.CONNECTED
    assert snapshot.agents[str(center.ann.pk)].state_since == at(30, 20)
    assert str(center.cy.pk) not in snapshot.agents
    occupancy = snapshot.center.agents.occupancy_pct[Period.LAST_60_MIN]
    assert occupancy == pytest.approx(1780 / 7800 * 100)


def test_a_named_agent_without_an_open_session_comes_back_logged_out(org: Organization) -> None:
    center = build_center(org)
    statuses = selectors.agent_statuses(org_id=org.pk, now=NOW, agent_ids={center.cy.pk})
    assert [(s.id, s.state) for s in statuses] == [(str(center.cy.pk), AgentState.LOGGED_OUT)]


def test_rebuilding_the_center_costs_the_same_queries_at_any_size(
    org: Organization, django_assert_num_queries: Any
) -> None:
    build_center(org)
    config = selectors.metrics_config(org_id=org.pk, short_abandon_threshold_s=5.0)
    with django_assert_num_queries(4):  # contacts, statuses, sessions, state changes
        snapshots.build(org.pk, UTC_PROFILE, base_config=config, now=NOW)
    for _ in range(3):
        build_center(org)
    with django_assert_num_queries(4):
        snapshots.build(org.pk, UTC_PROFILE, base_config=config, now=NOW)
    with django_assert_num_queries(2):
        selectors.metrics_config(org_id=org.pk, short_abandon_threshold_s=5.0)


def test_freshness_is_the_newest_poll_or_webhook_and_flags_reconsent(org: Organization) -> None:
    from tests.fixtures.factories import WebexConnectionFactory
    from tests.fixtures.wxcc_factories import SyncStatusFactory

    assert selectors.freshness(org_id=org.pk).data_at is None
    SyncStatusFactory.create(organization=org, last_poll_ok_at=at(30))
    WebexConnectionFactory.create(organization=org, status="needs_reconsent")
    found = selectors.freshness(org_id=org.pk)
    assert found.data_at == at(30)
    assert found.needs_reconsent


def test_every_field_of_a_handled_contact_is_read(org: Organization) -> None:
    """Each column lands in its own field (the selector builds contacts positionally)."""
    from datetime import UTC, datetime, timedelta

    from tests.fixtures.wxcc_factories import (
        AgentFactory,
        QueueFactory,
        TaskFactory,
        TeamFactory,
    )
    from wallboard.metrics import Contact, HandleType
    from wxcc.models import TaskStatus

    queue = QueueFactory.create(organization=org)
    team = TeamFactory.create(organization=org)
    agent = AgentFactory.create(organization=org, team=team)
    created = datetime(2026, 3, 10, 9, 0, 0, 250_000, tzinfo=UTC)
    TaskFactory.create(
        organization=org,
        wxcc_id="call-1",
        channel_type="chat",
        queue=queue,
        agent=agent,
        status=TaskStatus.ENDED,
        status_at=created + timedelta(minutes=9),
        created_at=created,
        queued_at=created + timedelta(seconds=3),
        connected_at=created + timedelta(seconds=40),
        ended_at=created + timedelta(minutes=9),
        contact_handle_type="Normal",
        queue_duration_ms=37_000,
        connected_duration_ms=420_000,
        hold_duration_ms=15_000,
        wrapup_duration_ms=45_000,
        transfer_count=2,
    )

    (contact,) = selectors.contacts_since(
        org_id=org.pk, since=created - timedelta(hours=1)
    ).contacts()

    assert contact == Contact(
        id="call-1",
        queue_id=str(queue.pk),
        agent_id=str(agent.pk),
        team_id=str(team.pk),
        channel_type="chat",
        arrived_at=created + timedelta(seconds=3),
        answered_at=created + timedelta(seconds=40),
        ended_at=created + timedelta(minutes=9),
        handle_type=HandleType.NORMAL,
        created_at=created,
        queue_ms=37_000,
        talk_ms=420_000,
        hold_ms=15_000,
        wrapup_ms=45_000,
        transfer_count=2,
        is_open=False,
        is_waiting=False,
    )
