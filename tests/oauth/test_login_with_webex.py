"""Supervisors and admins sign in with Webex: the Webex user's email must belong to one of our
users in the org whose Webex org id Webex reports for them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from oauth.models import ConnectionStatus, Organization
from tests.fixtures.factories import MembershipFactory, OrganizationFactory, WebexConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected_org(webex: Any) -> Organization:
    org = OrganizationFactory.create(webex_org_id=webex.sim.org_id)
    WebexConnectionFactory.create(organization=org)
    return org


def sign_in_with_webex(client: Client, webex: Any) -> Any:
    started = client.post(reverse("oauth:login"))
    assert started.status_code == 302
    return client.get(webex.consent(started["Location"]))


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_the_login_page_offers_login_with_webex(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()

    assert "Login with Webex" in page
    assert reverse("oauth:login") in page


def test_a_supervisor_whose_webex_email_matches_signs_in(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    member = MembershipFactory.create(
        organization=connected_org, user__email=webex.sim.config.demo_user_email.upper()
    )

    response = sign_in_with_webex(client, webex)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(member.user.pk)


def test_a_webex_user_unknown_to_the_app_is_not_signed_in(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    MembershipFactory.create(organization=connected_org, user__email="someone.else@example.com")

    response = sign_in_with_webex(client, webex)

    assert response.status_code == 403
    assert "not linked to a user" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_the_same_email_in_another_org_does_not_sign_in(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    MembershipFactory.create(
        organization=OrganizationFactory.create(), user__email=webex.sim.config.demo_user_email
    )

    response = sign_in_with_webex(client, webex)

    assert response.status_code == 403
    assert signed_in_user_id(client) is None


def test_login_with_webex_needs_the_org_to_be_connected(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    MembershipFactory.create(
        organization=connected_org, user__email=webex.sim.config.demo_user_email
    )
    connected_org.connection.status = ConnectionStatus.DISCONNECTED
    connected_org.connection.save()

    response = sign_in_with_webex(client, webex)

    assert response.status_code == 403
    assert signed_in_user_id(client) is None


def test_a_login_callback_cannot_be_replayed(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    MembershipFactory.create(
        organization=connected_org, user__email=webex.sim.config.demo_user_email
    )
    started = client.post(reverse("oauth:login"))
    callback = webex.consent(started["Location"])
    assert client.get(callback).status_code == 302

    replay = client.get(callback)

    assert replay.status_code == 400
    assert "no longer valid" in replay.content.decode()


def test_a_signed_in_supervisor_still_cannot_reach_admin_pages(
    client: Client, webex: Any, connected_org: Organization
) -> None:
    MembershipFactory.create(
        organization=connected_org, user__email=webex.sim.config.demo_user_email
    )
    sign_in_with_webex(client, webex)

    assert client.get(reverse("oauth:connection")).status_code == 403
