"""Connecting an org, end to end: our views in Django's test client, Webex played by the
simulator over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from oauth import crypto, selectors
from oauth.client import wxcc_client
from oauth.exceptions import NotConnected
from oauth.models import ConnectionStatus, Organization, WebexConnection

pytestmark = pytest.mark.django_db


def raw_tokens(org: Organization) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM oauth_webexconnection"
            " WHERE organization_id = %s",
            [org.pk],
        )
        return cursor.fetchone()


def test_an_admin_connects_the_org_and_the_app_can_call_wxcc(
    admin_client, admin_membership, org, webex
) -> None:  # type: ignore[no-untyped-def]
    response = webex.connect(admin_client, org, region="eu2")

    assert response.status_code == 302
    assert response["Location"] == reverse("oauth:org_connection", args=[org.pk])
    org.refresh_from_db()
    assert org.webex_org_id == webex.sim.org_id
    assert org.region == "eu2"
    conn = WebexConnection.objects.get(organization=org)
    assert conn.status == ConnectionStatus.CONNECTED
    assert conn.connected_by == admin_membership.user
    assert conn.access_token
    assert conn.refresh_token
    assert conn.access_token_expires_at is not None
    assert conn.connected_at is not None
    assert conn.access_token_expires_at > conn.connected_at
    assert list(selectors.connected_organizations()) == [org]
    with wxcc_client(org) as client:
        answer = client.get("/v1/event-types", params={"orgId": org.webex_org_id})
    assert answer.status_code == 200
    page = admin_client.get(response["Location"]).content.decode()
    assert "is connected to Webex Contact Center" in page
    assert conn.access_token not in page


def test_stored_tokens_are_encrypted_in_the_database(admin_client, org, webex) -> None:  # type: ignore[no-untyped-def]
    webex.connect(admin_client, org)
    conn = WebexConnection.objects.get(organization=org)

    raw_access, raw_refresh = raw_tokens(org)

    assert conn.access_token not in raw_access
    assert conn.refresh_token not in raw_refresh
    assert crypto.decrypt(raw_access) == conn.access_token
    assert crypto.decrypt(raw_refresh) == conn.refresh_token


def test_the_authorize_request_carries_a_pkce_challenge_the_simulator_enforces(
    admin_client, org, webex
) -> None:  # type: ignore[no-untyped-def]
    started = admin_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "us1"})
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    # Tamper with the challenge: the code is then bound to a challenge our verifier does not
    # match, so the exchange fails and nothing is stored.
    tampered = started["Location"].replace(query["code_challenge"][0], "A" * 43)

    response = admin_client.get(webex.consent(tampered))

    assert response.status_code == 502
    assert not WebexConnection.objects.filter(organization=org).exists()


def test_a_token_endpoint_error_gets_a_clear_page_and_stores_nothing(
    admin_client, org, webex, settings
) -> None:  # type: ignore[no-untyped-def]
    started = admin_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "us1"})
    callback = webex.consent(started["Location"])
    settings.WEBEX_CLIENT_SECRET = "wrong-secret"

    response = admin_client.get(callback)

    assert response.status_code == 502
    page = response.content.decode()
    assert "Webex refused the sign-in" in page
    assert "401" in page
    assert "wrong-secret" not in page
    org.refresh_from_db()
    assert org.webex_org_id is None
    assert not WebexConnection.objects.filter(organization=org).exists()


def test_a_callback_replayed_after_a_successful_connect_changes_nothing(
    admin_client, org, webex
) -> None:  # type: ignore[no-untyped-def]
    started = admin_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "us1"})
    callback = webex.consent(started["Location"])
    admin_client.get(callback)
    generation = WebexConnection.objects.get(organization=org).token_generation

    replay = admin_client.get(callback)

    assert replay.status_code == 400
    assert "no longer valid" in replay.content.decode()
    assert WebexConnection.objects.get(organization=org).token_generation == generation


def test_consent_from_a_different_webex_org_than_before_is_refused(
    admin_client, org, webex
) -> None:  # type: ignore[no-untyped-def]
    org.webex_org_id = "00000000-0000-4000-8000-000000000001"
    org.save()

    response = webex.connect(admin_client, org)

    assert response.status_code == 409
    assert "different Webex organization" in response.content.decode()
    assert not WebexConnection.objects.filter(organization=org).exists()


def test_reconnecting_replaces_the_tokens_of_the_same_org(admin_client, org, webex) -> None:  # type: ignore[no-untyped-def]
    webex.connect(admin_client, org)
    first = WebexConnection.objects.get(organization=org)

    webex.connect(admin_client, org)

    second = WebexConnection.objects.get(organization=org)
    assert second.pk == first.pk
    assert second.access_token != first.access_token
    assert second.token_generation == first.token_generation + 1


def test_disconnect_deletes_the_tokens_and_stops_api_use(admin_client, org, webex) -> None:  # type: ignore[no-untyped-def]
    webex.connect(admin_client, org)

    response = admin_client.post(reverse("oauth:disconnect", args=[org.pk]), follow=True)

    assert "tokens are deleted" in response.content.decode()
    conn = WebexConnection.objects.get(organization=org)
    assert conn.status == ConnectionStatus.DISCONNECTED
    assert raw_tokens(org) == ("", "")
    assert conn.access_token_expires_at is None
    assert list(selectors.connected_organizations()) == []
    with pytest.raises(NotConnected):
        wxcc_client(org)
