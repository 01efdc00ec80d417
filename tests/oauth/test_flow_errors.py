"""A callback that does not belong to a flow this browser started, or that carries a refusal,
gets a clear page and stores nothing. (Token-endpoint errors need the simulator: see
test_connect_flow.py.)"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from oauth.models import Organization, WebexConnection

pytestmark = pytest.mark.django_db


def start_connect(client: Client, org: Organization, region: str = "eu2") -> dict[str, str]:
    response = client.post(reverse("oauth:connect", args=[org.pk]), {"region": region})
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def assert_nothing_stored(org: Organization) -> None:
    org.refresh_from_db()
    assert org.webex_org_id is None
    assert org.region == "us1"
    assert not WebexConnection.objects.filter(organization=org).exists()


def test_connect_redirects_to_webex_authorize_with_state_and_pkce(
    admin_client, org, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WEBEX_IDENTITY_URL = "https://idp.example/v1"
    settings.WEBEX_CLIENT_ID = "client-123"
    response = admin_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "eu2"})

    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://idp.example/v1/authorize"
    assert query["client_id"] == ["client-123"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32
    assert query["redirect_uri"] == [f"{settings.PUBLIC_BASE_URL}/oauth/callback/"]
    assert "cjp:config_read" in query["scope"][0].split()


def test_each_connect_gets_a_fresh_random_state(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    assert start_connect(admin_client, org)["state"] != start_connect(admin_client, org)["state"]


def test_an_unknown_state_gets_a_clear_page_and_stores_nothing(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    start_connect(admin_client, org)

    response = admin_client.get(reverse("oauth:callback"), {"state": "forged", "code": "abc"})

    assert response.status_code == 400
    assert "no longer valid" in response.content.decode()
    assert_nothing_stored(org)


def test_a_missing_state_gets_a_clear_page_and_stores_nothing(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    start_connect(admin_client, org)

    response = admin_client.get(reverse("oauth:callback"), {"code": "abc"})

    assert response.status_code == 400
    assert_nothing_stored(org)


def test_a_state_started_in_another_browser_session_is_rejected(admin_membership, org) -> None:  # type: ignore[no-untyped-def]
    first, second = Client(), Client()
    first.force_login(admin_membership.user)
    second.force_login(admin_membership.user)
    state = start_connect(first, org)["state"]

    response = second.get(reverse("oauth:callback"), {"state": state, "code": "abc"})

    assert response.status_code == 400
    assert_nothing_stored(org)


def test_denied_consent_gets_a_clear_page_and_stores_nothing(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    state = start_connect(admin_client, org)["state"]

    response = admin_client.get(
        reverse("oauth:callback"), {"state": state, "error": "access_denied"}
    )

    assert response.status_code == 400
    assert "not granted" in response.content.decode()
    assert_nothing_stored(org)


def test_a_state_cannot_be_used_twice(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    state = start_connect(admin_client, org)["state"]
    admin_client.get(reverse("oauth:callback"), {"state": state, "error": "access_denied"})

    replay = admin_client.get(reverse("oauth:callback"), {"state": state, "code": "abc"})

    assert replay.status_code == 400
    assert "no longer valid" in replay.content.decode()
    assert_nothing_stored(org)


def test_a_supervisor_cannot_start_a_connect_flow(supervisor_client, org) -> None:  # type: ignore[no-untyped-def]
    response = supervisor_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "us1"})

    assert response.status_code == 403


def test_an_unknown_region_is_refused(admin_client, org) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("oauth:connect", args=[org.pk]), {"region": "mars1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("oauth:org_connection", args=[org.pk])
