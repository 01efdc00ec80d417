"""Every signed-in page shows when the org's Webex connection needs re-consent."""

from __future__ import annotations

import pytest
from django.test import Client

from oauth.models import ConnectionStatus
from tests.fixtures.factories import MembershipFactory, WebexConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_supervisor_sees_the_reconsent_banner_without_a_reconnect_link(client: Client) -> None:
    membership = MembershipFactory.create()
    WebexConnectionFactory(
        organization=membership.organization, status=ConnectionStatus.NEEDS_RECONSENT
    )
    client.force_login(membership.user)
    page = client.get("/").content.decode()
    assert 'id="reconsent-banner"' in page
    assert "Webex connection lost." in page
    assert "Reconnect now" not in page


def test_an_admin_sees_the_banner_with_a_reconnect_link(client: Client) -> None:
    membership = MembershipFactory.create(admin=True)
    WebexConnectionFactory(
        organization=membership.organization, status=ConnectionStatus.NEEDS_RECONSENT
    )
    client.force_login(membership.user)
    page = client.get("/").content.decode()
    assert 'id="reconsent-banner"' in page
    assert "Reconnect now" in page


def test_a_healthy_connection_shows_no_banner(client: Client) -> None:
    membership = MembershipFactory.create()
    WebexConnectionFactory(organization=membership.organization)
    client.force_login(membership.user)
    assert 'id="reconsent-banner"' not in client.get("/").content.decode()
