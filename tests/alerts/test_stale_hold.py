"""While the org's data is stale (the boards show their stale marker), alert rules hold: no
figure frozen by a WxCC outage, a 429 storm or an expired consent fires, repeats or clears
an alert, and the alerts page says why nothing is checked. Fresh data resumes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from alerts import services
from alerts.models import AlertRule
from alerts.rules import AlertKind
from oauth.models import ConnectionStatus, Organization
from tests.fixtures.factories import OrganizationFactory, WebexConnectionFactory
from tests.fixtures.wallboard_factories import BoardFactory
from tests.fixtures.wxcc_factories import T0, QueueFactory, TaskFactory, data_current_at
from wallboard.models import DEFAULT_STALE_AFTER_S

pytestmark = pytest.mark.django_db

NOW = T0 + timedelta(minutes=1)


def _org_with_a_waiting_contact(kind: AlertKind, threshold: float) -> Organization:
    """A board judging data stale after 60 s, and one contact waiting since T0."""
    org = OrganizationFactory.create()
    BoardFactory.create(organization=org, stale_after_s=60)
    queue = QueueFactory.create(organization=org)
    TaskFactory.create(organization=org, queue=queue)
    AlertRule.objects.create(organization=org, queue=queue, kind=kind, threshold=threshold)
    return org


def test_a_breach_neither_repeats_nor_clears_on_stale_data_and_repeats_once_data_is_fresh() -> None:
    org = _org_with_a_waiting_contact(AlertKind.WAITING_OVER, 0)
    data_current_at(org, NOW)
    fired = services.evaluate_org(org_id=org.pk, now=NOW)
    rule_before = AlertRule.objects.get(organization=org)

    # The last poll was at NOW; eleven minutes on, the repeat interval (10 min) has passed.
    held = services.evaluate_org(org_id=org.pk, now=NOW + timedelta(minutes=11))
    rule_held = AlertRule.objects.get(organization=org)
    data_current_at(org, NOW + timedelta(minutes=12))
    resumed = services.evaluate_org(org_id=org.pk, now=NOW + timedelta(minutes=12))

    assert [e.outcome for e in fired.events] == ["fired"]
    assert held.held_for_stale_data
    assert held.events == []
    assert rule_held.state == rule_before.state
    assert rule_held.is_active
    assert [e.outcome for e in resumed.events] == ["repeated"]


def test_a_wait_that_grows_only_because_data_stopped_arriving_does_not_fire() -> None:
    org = _org_with_a_waiting_contact(AlertKind.LONGEST_WAIT_OVER, 120)
    data_current_at(org, NOW)
    quiet = services.evaluate_org(org_id=org.pk, now=NOW)

    # Computed from the frozen "waiting since T0", the wait would be 6 minutes.
    held = services.evaluate_org(org_id=org.pk, now=T0 + timedelta(minutes=6))
    data_current_at(org, T0 + timedelta(minutes=7))
    fresh = services.evaluate_org(org_id=org.pk, now=T0 + timedelta(minutes=7))

    assert quiet.events == []
    assert (held.held_for_stale_data, held.events) == (True, [])
    assert [(e.outcome, e.value) for e in fresh.events] == [("fired", 420.0)]


def test_an_org_without_boards_holds_after_the_default_stale_time() -> None:
    def evaluated_with_data_from(age: timedelta) -> services.Evaluation:
        org = OrganizationFactory.create()
        queue = QueueFactory.create(organization=org)
        TaskFactory.create(organization=org, queue=queue)
        AlertRule.objects.create(
            organization=org, queue=queue, kind=AlertKind.WAITING_OVER, threshold=0
        )
        data_current_at(org, NOW - age)
        return services.evaluate_org(org_id=org.pk, now=NOW)

    within = evaluated_with_data_from(timedelta(seconds=DEFAULT_STALE_AFTER_S - 1))
    after = evaluated_with_data_from(timedelta(seconds=DEFAULT_STALE_AFTER_S + 1))

    assert [e.outcome for e in within.events] == ["fired"]
    assert (after.held_for_stale_data, after.events) == (True, [])


def test_an_org_whose_data_never_arrived_or_needs_reconsent_is_held() -> None:
    never = _org_with_a_waiting_contact(AlertKind.WAITING_OVER, 0)
    reconsent = _org_with_a_waiting_contact(AlertKind.WAITING_OVER, 0)
    data_current_at(reconsent, NOW)
    WebexConnectionFactory.create(organization=reconsent, status=ConnectionStatus.NEEDS_RECONSENT)

    for org in (never, reconsent):
        evaluation = services.evaluate_org(org_id=org.pk, now=NOW)
        assert (evaluation.held_for_stale_data, evaluation.events) == (True, [])
        assert not AlertRule.objects.get(organization=org).is_active


def test_the_alerts_page_says_rules_are_on_hold_while_data_is_stale(
    supervisor_client: Client, org: Organization
) -> None:
    QueueFactory.create(organization=org)
    data_current_at(org, timezone.now() - timedelta(minutes=5))
    stale_page = supervisor_client.get("/alerts/").content.decode()
    stale_fragment = supervisor_client.get("/alerts/active/").content.decode()
    data_current_at(org, timezone.now())
    fresh_page = supervisor_client.get("/alerts/").content.decode()

    assert "Alerts are on hold." in stale_page
    assert "The newest data from Webex Contact Center is from" in stale_page
    assert "5\xa0minutes ago" in stale_page
    assert "Alerts are on hold." in stale_fragment
    assert "Alerts are on hold." not in fresh_page
