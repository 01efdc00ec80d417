"""Roles and org scoping: supervisors view, admins also connect; one org never reaches
another's pages or rows."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from oauth.models import ConnectionStatus, WebexConnection
from oauth.permissions import current_org, get_for_org_or_404
from tests.fixtures.factories import MembershipFactory, WebexConnectionFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, org) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("oauth:org_connection", args=[org.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_supervisor_cannot_reach_the_connection_page(supervisor_client: Client, org) -> None:  # type: ignore[no-untyped-def]
    assert supervisor_client.get(reverse("oauth:connection")).status_code == 403
    assert supervisor_client.get(reverse("oauth:org_connection", args=[org.pk])).status_code == 403


def test_a_supervisor_cannot_disconnect_their_org(supervisor_client: Client, org) -> None:  # type: ignore[no-untyped-def]
    WebexConnectionFactory.create(organization=org)

    response = supervisor_client.post(reverse("oauth:disconnect", args=[org.pk]))

    assert response.status_code == 403
    assert WebexConnection.objects.get(organization=org).status == ConnectionStatus.CONNECTED


def test_an_admin_sees_their_own_connection_page(admin_client: Client, org) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get(reverse("oauth:connection"), follow=True)

    assert response.status_code == 200
    assert org.name in response.content.decode()


def test_an_admin_of_another_org_gets_404_for_this_orgs_pages(org) -> None:  # type: ignore[no-untyped-def]
    WebexConnectionFactory.create(organization=org)
    other_admin = MembershipFactory.create(admin=True).user
    client = Client()
    client.force_login(other_admin)

    assert client.get(reverse("oauth:org_connection", args=[org.pk])).status_code == 404
    assert client.post(reverse("oauth:disconnect", args=[org.pk])).status_code == 404
    assert client.post(reverse("oauth:connect", args=[org.pk])).status_code == 404
    assert WebexConnection.objects.get(organization=org).status == ConnectionStatus.CONNECTED


def test_a_row_of_another_org_is_a_404_through_the_scoped_lookup(admin_membership) -> None:  # type: ignore[no-untyped-def]
    mine = WebexConnectionFactory.create(organization=admin_membership.organization)
    theirs = WebexConnectionFactory.create()
    request = RequestFactory().get("/")
    request.user = admin_membership.user

    assert current_org(request) == admin_membership.organization
    assert get_for_org_or_404(WebexConnection.objects.all(), request, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_for_org_or_404(WebexConnection.objects.all(), request, pk=theirs.pk)


def test_a_user_without_membership_is_forbidden(client: Client) -> None:
    from tests.fixtures.factories import UserFactory

    client.force_login(UserFactory.create())

    assert client.get(reverse("oauth:connection")).status_code == 403


def test_the_connection_page_never_renders_tokens(admin_client: Client, org) -> None:  # type: ignore[no-untyped-def]
    WebexConnectionFactory.create(
        organization=org, access_token="AT-never-shown", refresh_token="RT-x"
    )

    page = admin_client.get(reverse("oauth:org_connection", args=[org.pk])).content.decode()

    assert "AT-never-shown" not in page
    assert "RT-x" not in page
    assert "Connected" in page


def test_the_django_admin_never_renders_tokens(org) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.factories import UserFactory

    conn = WebexConnectionFactory.create(
        organization=org, access_token="AT-admin", refresh_token="RT-adm"
    )
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    page = client.get(reverse("admin:oauth_webexconnection_change", args=[conn.pk]))

    assert page.status_code == 200
    assert "AT-admin" not in page.content.decode()
    assert "RT-adm" not in page.content.decode()
