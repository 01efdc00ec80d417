"""What the admin's connection page says about reading from WxCC: a missing scope by name,
the last poll's problem, and whether Webex would accept the webhook address."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from oauth.models import Organization, WebexConnection
from tests.fixtures.factories import MembershipFactory, WebexConnectionFactory
from tests.fixtures.simulator import RunningSimulator
from wxcc import poller

pytestmark = pytest.mark.django_db


def page(client: Client, org: Organization) -> str:
    response = client.get(reverse("oauth:org_connection", args=[org.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</dd>", start)]


def admin_of(org: Organization) -> Client:
    client = Client()
    client.force_login(MembershipFactory.create(organization=org, admin=True).user)
    return client


def test_a_connection_without_a_scope_we_use_names_it_and_what_it_is_for(
    org: Organization, admin_client: Client
) -> None:
    WebexConnectionFactory.create(organization=org, scopes="spark:people_read cjp:config_write")
    missing = section(page(admin_client, org), "wxcc-missing-scopes")
    assert "cjp:config_read" in missing
    assert "read contact-center data" in missing
    assert "cjp:config_write" not in missing


def test_a_connection_with_every_scope_we_use_shows_no_missing_permission(
    org: Organization, admin_client: Client
) -> None:
    WebexConnectionFactory.create(
        organization=org, scopes="cjp:config_read cjp:config_write spark:people_read"
    )
    assert 'id="wxcc-missing-scopes"' not in page(admin_client, org)


def test_after_a_poll_refused_for_want_of_a_scope_the_page_says_which(
    sim_org: Organization, live_sim: RunningSimulator
) -> None:
    grant = live_sim.new_tokens(scope="spark:people_read")
    WebexConnection.objects.filter(organization=sim_org).update(
        access_token=grant["access_token"], scopes="spark:people_read"
    )
    assert poller.poll_org(sim_org.pk).error == "WxccForbidden"

    html = page(admin_of(sim_org), sim_org)
    assert "needs cjp:config_read" in section(html, "wxcc-sync")
    assert "cjp:config_read" in section(html, "wxcc-missing-scopes")


def test_a_public_base_url_webex_would_refuse_is_explained(
    org: Organization, admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = "http://wallboard.internal:8080"
    settings.WXCC_WEBHOOK_ALLOW_LOOPBACK = False
    destination = section(page(admin_client, org), "webhook-destination")
    assert "http://wallboard.internal:8080/webhooks/wxcc/" in destination
    assert "Webex would refuse this address" in destination
    assert "must use https" in destination
    assert "port 8080" in destination
    assert "Registering still works here" not in destination


def test_the_demos_loopback_address_is_explained_and_its_opt_in_named(
    org: Organization, admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    settings.WXCC_WEBHOOK_ALLOW_LOOPBACK = True
    destination = section(page(admin_client, org), "webhook-destination")
    assert "must use https" in destination
    assert "WXCC_WEBHOOK_ALLOW_LOOPBACK" in destination


def test_a_public_https_address_gets_no_warning(
    org: Organization, admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = "https://wallboard.example.com"
    destination = section(page(admin_client, org), "webhook-destination")
    assert "https://wallboard.example.com/webhooks/wxcc/" in destination
    assert "refuse" not in destination
