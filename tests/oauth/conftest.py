"""Fixtures for the oauth tests: orgs, members and signed-in clients built with factories."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from oauth.models import Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture
def org(db: None) -> Organization:
    return OrganizationFactory.create(name="Acme Support", webex_org_id=None)


@pytest.fixture
def admin_membership(org: Organization):  # type: ignore[no-untyped-def]
    return MembershipFactory.create(organization=org, admin=True, user__username="alice")


@pytest.fixture
def supervisor_membership(org: Organization):  # type: ignore[no-untyped-def]
    return MembershipFactory.create(organization=org, user__username="sam")


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


class Webex:
    """Our settings pointed at one running simulator, plus the steps a browser would take."""

    def __init__(self, sim: Any, settings: Any) -> None:
        self.sim = sim
        settings.WEBEX_IDENTITY_URL = sim.identity_url
        settings.WXCC_API_URL = sim.api_url
        settings.WEBEX_CLIENT_ID = sim.client_id
        settings.WEBEX_CLIENT_SECRET = sim.client_secret
        settings.PUBLIC_BASE_URL = "http://localhost:8000"

    def consent(self, authorize_url: str) -> str:
        """What the browser does at Webex: follow authorize; returns our callback path+query."""
        response = httpx.get(authorize_url, follow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        back = urlsplit(response.headers["location"])
        assert f"{back.scheme}://{back.netloc}" == "http://localhost:8000"
        return f"{back.path}?{back.query}"

    def connect(self, client: Client, org: Organization, region: str = "eu2") -> Any:
        started = client.post(reverse("oauth:connect", args=[org.pk]), {"region": region})
        assert started.status_code == 302
        return client.get(self.consent(started["Location"]))

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.sim.base_url}/_sim/{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json()

    def access_tokens_issued(self) -> int:
        # /_sim/tokens/expire answers how many access tokens it touched: every one ever
        # issued. Each successful token-endpoint grant issues exactly one.
        return int(self.control("tokens/expire")["expired"])


@pytest.fixture
def webex(simulator: Any, settings: Any) -> Webex:
    return Webex(simulator, settings)


@pytest.fixture
def make_webex(make_simulator: Any, settings: Any) -> Any:
    def make(**overrides: Any) -> Webex:
        return Webex(make_simulator(**overrides), settings)

    return make
