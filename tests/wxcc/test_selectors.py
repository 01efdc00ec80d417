"""What the supervisor home page reads: how fresh an org's data is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wxcc_factories import (
    AgentSessionFactory,
    RawEventFactory,
    SyncStatusFactory,
    TaskFactory,
)
from wxcc.models import AgentState, RawEvent, TaskStatus
from wxcc.selectors import data_freshness

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_an_org_never_polled_is_stale() -> None:
    freshness = data_freshness(OrganizationFactory.create(), NOW, stale_after_s=30)
    assert freshness.is_stale
    assert freshness.live_contacts == 0


def test_a_recent_webhook_keeps_the_data_fresh_even_when_polls_fail() -> None:
    org = OrganizationFactory.create()
    SyncStatusFactory.create(
        organization=org,
        last_poll_ok_at=NOW - timedelta(minutes=5),
        last_error="WxccUnavailable: HTTP 503",
        consecutive_failures=4,
    )
    event = RawEventFactory.create(organization=org)
    RawEvent.objects.filter(pk=event.pk).update(received_at=NOW - timedelta(seconds=10))
    freshness = data_freshness(org, NOW, stale_after_s=30)
    assert not freshness.is_stale
    assert freshness.consecutive_failures == 4


def test_live_contacts_and_logged_in_agents_count_only_this_org() -> None:
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    for status in [TaskStatus.QUEUED, TaskStatus.CONNECTED, TaskStatus.ENDED]:
        TaskFactory.create(organization=org, status=status)
    TaskFactory.create(organization=other, status=TaskStatus.QUEUED)
    AgentSessionFactory.create(organization=org, state=AgentState.AVAILABLE)
    AgentSessionFactory.create(organization=org, state=AgentState.LOGGED_OUT, logout_at=NOW)
    AgentSessionFactory.create(organization=other)
    freshness = data_freshness(org, NOW, stale_after_s=30)
    assert freshness.live_contacts == 2
    assert freshness.agents_logged_in == 1


def test_the_home_page_marks_stale_data(client: Client) -> None:
    membership = MembershipFactory.create()
    client.force_login(membership.user)
    page = client.get("/").content.decode()
    assert 'id="data-freshness"' in page
    assert "Stale:" in page


def test_the_home_page_gives_recent_times_in_seconds(client: Client) -> None:
    """A 45 s old poll next to a stale marker must not read "0 minutes ago"."""
    membership = MembershipFactory.create()
    SyncStatusFactory.create(
        organization=membership.organization,
        last_poll_ok_at=timezone.now() - timedelta(seconds=45),
    )
    client.force_login(membership.user)
    page = client.get("/").content.decode()
    assert "Stale:" in page
    assert "45\xa0seconds ago" in page
