"""Fixtures for the oauth tests: orgs, members and signed-in clients built with factories."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from oauth.models import Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture
def org(db: None) -> Organization:
    return OrganizationFactory(name="Acme Support", webex_org_id=None)


@pytest.fixture
def admin_membership(org: Organization):  # type: ignore[no-untyped-def]
    return MembershipFactory(organization=org, admin=True, user__username="alice")


@pytest.fixture
def supervisor_membership(org: Organization):  # type: ignore[no-untyped-def]
    return MembershipFactory(organization=org, user__username="sam")


@pytest.fixture
def admin_client(admin_membership) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(admin_membership.user)
    return client


@pytest.fixture
def supervisor_client(supervisor_membership) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(supervisor_membership.user)
    return client
