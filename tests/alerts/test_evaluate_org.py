"""Evaluating an org from stored WxCC state: the figures are the wallboard's (the pushed
snapshot of the org's first board, or one computed for an org without boards), "no agent
available" counts the queue's serving teams, and the beat evaluates every org with rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import services, tasks
from alerts.models import AlertRule
from alerts.rules import AlertKind
from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wallboard_factories import BoardFactory, QueueSettingsFactory
from tests.fixtures.wxcc_factories import (
    T0,
    AgentSessionFactory,
    QueueFactory,
    TaskFactory,
    TeamFactory,
    data_current_at,
)
from wallboard.live import push_change
from wxcc.models import AgentState, TaskStatus
from wxcc.signals import LiveStateChange

pytestmark = pytest.mark.django_db

NOW = T0 + timedelta(minutes=30)


def test_no_agent_available_fires_when_the_serving_team_has_none_and_clears_when_one_is() -> None:
    org = OrganizationFactory.create()
    queue = QueueFactory.create(organization=org)
    team = TeamFactory.create(organization=org)
    QueueSettingsFactory.create(queue=queue).serving_teams.add(team)
    session = AgentSessionFactory.create(organization=org, team=team, state=AgentState.IDLE)
    AlertRule.objects.create(organization=org, queue=queue, kind=AlertKind.NO_AGENT_AVAILABLE)
    data_current_at(org, NOW)

    fired = services.evaluate_org(org_id=org.pk, now=NOW)
    session.state = AgentState.AVAILABLE
    session.state_at = session.state_since = NOW + timedelta(seconds=5)
    session.save()
    cleared = services.evaluate_org(org_id=org.pk, now=NOW + timedelta(seconds=10))

    assert [(e.outcome, e.value) for e in fired.events] == [("fired", 0.0)]
    assert [(e.outcome, e.value) for e in cleared.events] == [("cleared", 1.0)]


def test_with_a_board_alerts_read_the_snapshot_the_push_keeps_up_to_date() -> None:
    org = OrganizationFactory.create()
    BoardFactory.create(organization=org)
    queue = QueueFactory.create(organization=org)
    AlertRule.objects.create(
        organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=1
    )
    TaskFactory.create(organization=org, queue=queue)
    data_current_at(org, NOW)
    quiet = services.evaluate_org(org_id=org.pk, now=NOW)
    second = TaskFactory.create(
        organization=org, queue=queue, queue_at=NOW, queued_at=NOW, created_at=NOW, status_at=NOW
    )
    push_change(LiveStateChange.of(org.pk, queue_ids=[queue.pk]), now=NOW + timedelta(seconds=1))
    fired = services.evaluate_org(org_id=org.pk, now=NOW + timedelta(seconds=2))
    second.status = TaskStatus.ENDED
    second.status_at = second.ended_at = NOW + timedelta(seconds=3)
    second.save()
    push_change(LiveStateChange.of(org.pk, queue_ids=[queue.pk]), now=NOW + timedelta(seconds=4))
    cleared = services.evaluate_org(org_id=org.pk, now=NOW + timedelta(seconds=5))

    assert quiet.events == []
    assert [(e.outcome, e.value) for e in fired.events] == [("fired", 2.0)]
    assert [(e.outcome, e.value) for e in cleared.events] == [("cleared", 1.0)]


def test_an_org_without_rules_costs_one_query_per_change() -> None:
    org = OrganizationFactory.create()
    QueueFactory.create(organization=org)
    with CaptureQueriesContext(connection) as queries:
        services.on_live_state_changed(
            sender=None, change=LiveStateChange.of(org.pk, queue_ids=[1])
        )
    assert len(queries) == 1


def test_the_beat_evaluates_every_org_with_enabled_rules_only() -> None:
    with_rule, disabled, without = (OrganizationFactory.create() for _ in range(3))
    for org, enabled in ((with_rule, True), (disabled, False)):
        queue = QueueFactory.create(organization=org)
        TaskFactory.create(organization=org, queue=queue)
        AlertRule.objects.create(
            organization=org,
            queue=queue,
            kind=AlertKind.WAITING_OVER,
            threshold=0,
            enabled=enabled,
        )
    QueueFactory.create(organization=without)
    for org in (with_rule, disabled, without):
        data_current_at(org, timezone.now())

    evaluated = tasks.evaluate_all.apply().get()

    assert evaluated == 1
    assert AlertRule.objects.get(organization=with_rule).is_active
    assert not AlertRule.objects.get(organization=disabled).is_active


def test_a_rule_for_no_agent_needs_the_queues_serving_teams(
    supervisor_client: Client, org: Organization
) -> None:
    queue = QueueFactory.create(organization=org)
    answer = supervisor_client.post(
        "/alerts/rules/", {"queue": queue.pk, "kind": "no_agent_available", "enabled": "on"}
    )
    assert answer.status_code == 400
    assert b"Set the teams serving this queue first" in answer.content


def test_a_change_does_not_compute_figures_for_an_org_without_boards_the_beat_does() -> None:
    org = OrganizationFactory.create()
    queue = QueueFactory.create(organization=org)
    TaskFactory.create(organization=org, queue=queue)
    AlertRule.objects.create(
        organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=0
    )
    data_current_at(org, NOW)

    on_change = services.evaluate_org(org_id=org.pk, now=NOW, on_change=True)
    on_beat = services.evaluate_org(org_id=org.pk, now=NOW)

    assert on_change.events == []
    assert [e.outcome for e in on_beat.events] == ["fired"]
