"""Tokens stay fresh without anyone touching them: a 401 mid-call is refreshed transparently,
concurrent refreshes spend the refresh token once, and a dead refresh token turns into a
banner and an email rather than a crash."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oauth import services
from oauth.client import wxcc_auth, wxcc_client
from oauth.exceptions import ReconsentRequired, TokenRefreshFailed
from oauth.models import ConnectionStatus, Organization, WebexConnection
from oauth.tasks import refresh_expiring_tokens
from tests.fixtures.factories import MembershipFactory, OrganizationFactory, WebexConnectionFactory

pytestmark = pytest.mark.django_db


def connection_of(org: Organization) -> WebexConnection:
    return WebexConnection.objects.get(organization=org)


def event_types(org: Organization) -> httpx.Response:
    with wxcc_client(org) as client:
        return client.get("/v1/event-types", params={"orgId": org.webex_org_id})


@pytest.fixture
def connected(admin_client: Client, org: Organization, make_webex: Any) -> Any:
    """`org` connected to a simulator of its own (tests here change the simulator's tokens)."""

    def connect(**sim_overrides: Any) -> Any:
        webex = make_webex(**sim_overrides)
        assert webex.connect(admin_client, org).status_code == 302
        return webex

    return connect


def test_an_access_token_that_expired_during_polling_is_refreshed_transparently(
    org, connected
) -> None:  # type: ignore[no-untyped-def]
    webex = connected()
    before = connection_of(org)
    assert event_types(org).status_code == 200
    webex.control("tokens/expire")  # Webex now answers 401 to the stored access token

    with wxcc_client(org) as client:
        first = client.get("/v1/event-types", params={"orgId": org.webex_org_id})
        second = client.get("/v1/event-types", params={"orgId": org.webex_org_id})

    assert (first.status_code, second.status_code) == (200, 200)
    after = connection_of(org)
    assert after.token_generation == before.token_generation + 1
    assert after.access_token != before.access_token
    assert after.last_refreshed_at is not None


def test_a_post_body_is_resent_intact_after_the_refresh(org, connected) -> None:  # type: ignore[no-untyped-def]
    webex = connected()
    webex.control("tokens/expire")
    query = {"query": "{ task(from: 0, to: 1, filter: {}) { tasks { id } } }"}

    with wxcc_client(org) as client:
        response = client.post("/search", params={"orgId": org.webex_org_id}, json=query)

    assert response.status_code != 401
    assert response.request.headers["Authorization"] == f"Bearer {connection_of(org).access_token}"


def test_an_access_token_about_to_expire_is_refreshed_before_the_call(org, connected) -> None:  # type: ignore[no-untyped-def]
    connected(access_token_ttl_s=30)  # inside the client's 60 s margin
    generation = connection_of(org).token_generation

    assert event_types(org).status_code == 200
    assert connection_of(org).token_generation == generation + 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    admin_client, org, make_webex
) -> None:  # type: ignore[no-untyped-def]
    webex = make_webex()
    webex.connect(admin_client, org)
    seen = connection_of(org).token_generation
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            # Both saw the same token generation, as two pollers meeting the same 401 would.
            services.refresh_connection(org, seen_generation=seen)
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    after = connection_of(org)
    # The simulator's refresh tokens are single-use: a second spend would have failed with
    # invalid_grant and flagged the org for re-consent.
    assert after.status == ConnectionStatus.CONNECTED
    assert after.token_generation == seen + 1
    assert webex.access_tokens_issued() == 2  # one from connecting, one from the refresh


@pytest.mark.django_db(transaction=True)
def test_two_pollers_meeting_a_401_together_both_succeed_after_one_refresh(
    admin_client, org, make_webex
) -> None:  # type: ignore[no-untyped-def]
    webex = make_webex()
    webex.connect(admin_client, org)
    seen = connection_of(org).token_generation
    webex.control("tokens/expire")
    start = threading.Barrier(4)
    statuses: list[int] = []

    def poller() -> None:
        try:
            auth = wxcc_auth(org)
            start.wait(timeout=10)
            with httpx.Client(base_url=webex.sim.api_url, auth=auth, timeout=10) as client:
                statuses.append(client.get("/v1/event-types").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200, 200, 200, 200]
    assert connection_of(org).token_generation == seen + 1
    assert webex.access_tokens_issued() == 2


def test_an_expired_refresh_token_flags_the_org_emails_its_admins_and_raises_cleanly(
    org, admin_membership, connected
) -> None:  # type: ignore[no-untyped-def]
    supervisor = MembershipFactory.create(organization=org)
    connected(refresh_token_ttl_s=1, access_token_ttl_s=1)
    time.sleep(1.2)

    counts = refresh_expiring_tokens()

    assert counts == {"ok": 0, "needs_reconsent": 1, "failed": 0}
    org.refresh_from_db()
    assert org.needs_reconsent
    conn = connection_of(org)
    assert (conn.access_token, conn.refresh_token) == ("", "")
    assert "expired" in conn.last_error
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin_membership.user.email]
    assert supervisor.user.email not in mail.outbox[0].to
    assert "reconnect" in mail.outbox[0].subject.lower()
    with pytest.raises(ReconsentRequired):
        wxcc_client(org)


def test_a_refresh_token_revoked_at_webex_flags_the_org_once(
    org, admin_membership, connected
) -> None:  # type: ignore[no-untyped-def]
    webex = connected()
    webex.control("tokens/revoke")  # every access and refresh token

    with pytest.raises(ReconsentRequired):
        event_types(org)
    with pytest.raises(ReconsentRequired):
        event_types(org)

    org.refresh_from_db()
    assert org.needs_reconsent
    assert "invalid_grant" in connection_of(org).last_error
    assert len(mail.outbox) == 1  # once per transition, not once per failed call


def test_connecting_again_after_a_revocation_clears_the_reconsent_state(
    admin_client, org, connected
) -> None:  # type: ignore[no-untyped-def]
    webex = connected()
    webex.control("tokens/revoke")
    with pytest.raises(ReconsentRequired):
        event_types(org)

    assert webex.connect(admin_client, org).status_code == 302

    org = Organization.objects.get(pk=org.pk)
    assert not org.needs_reconsent
    assert connection_of(org).last_error == ""
    assert event_types(org).status_code == 200


def test_a_webex_outage_just_before_expiry_keeps_using_the_still_valid_token(
    org, connected
) -> None:  # type: ignore[no-untyped-def]
    webex = connected(access_token_ttl_s=30)  # inside the client's early-refresh margin
    webex.control("faults", {"mode": "5xx", "scope": "identity", "status_code": 503})

    response = event_types(org)

    assert response.status_code == 200
    assert connection_of(org).token_generation == 1
    assert "503" in connection_of(org).last_error


def test_an_org_needing_reconsent_shows_a_banner_not_an_error(org, admin_client) -> None:  # type: ignore[no-untyped-def]
    WebexConnectionFactory.create(
        organization=org, status=ConnectionStatus.NEEDS_RECONSENT, access_token="", refresh_token=""
    )

    banner = render_to_string("oauth/_reconsent_banner.html", {"organization": org})
    page = admin_client.get(reverse("oauth:org_connection", args=[org.pk]))

    assert 'role="alert"' in banner
    assert "Webex connection lost" in banner
    assert page.status_code == 200
    assert "Webex connection lost" in page.content.decode()
    assert "Reconnect" in page.content.decode()


def test_a_connected_org_shows_no_banner(org) -> None:  # type: ignore[no-untyped-def]
    WebexConnectionFactory.create(organization=org)

    assert "Webex connection lost" not in render_to_string(
        "oauth/_reconsent_banner.html", {"organization": org}
    )


def test_a_webex_outage_during_refresh_keeps_the_tokens_and_reports_a_transient_error(
    org, connected
) -> None:  # type: ignore[no-untyped-def]
    webex = connected()
    before = connection_of(org)
    webex.control("faults", {"mode": "5xx", "scope": "identity", "status_code": 503})

    with pytest.raises(TokenRefreshFailed):
        services.refresh_connection(org)

    after = connection_of(org)
    assert after.status == ConnectionStatus.CONNECTED
    assert after.refresh_token == before.refresh_token
    assert "503" in after.last_error
    assert mail.outbox == []


def test_the_scheduled_refresh_renews_only_tokens_expiring_soon(org, connected) -> None:  # type: ignore[no-untyped-def]
    connected(access_token_ttl_s=3600)  # within the default two-hour window
    not_due = WebexConnectionFactory.create(organization=OrganizationFactory.create())
    due_generation = connection_of(org).token_generation

    counts = refresh_expiring_tokens()

    assert counts == {"ok": 1, "needs_reconsent": 0, "failed": 0}
    refreshed = connection_of(org)
    assert refreshed.token_generation == due_generation + 1
    assert refreshed.access_token_expires_at is not None
    assert refreshed.access_token_expires_at > timezone.now() + timedelta(minutes=59)
    not_due.refresh_from_db()
    assert not_due.token_generation == 1


def test_the_refresh_task_is_on_the_beat_schedule(settings) -> None:  # type: ignore[no-untyped-def]
    entry = settings.CELERY_BEAT_SCHEDULE["oauth-refresh-expiring-tokens"]

    assert entry["task"] == "oauth.tasks.refresh_expiring_tokens"
    assert entry["schedule"] <= 600
    assert refresh_expiring_tokens.name == entry["task"]


@pytest.mark.django_db(transaction=True)
def test_the_async_client_also_refreshes_transparently_after_a_401(
    admin_client, org, make_webex
) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from asgiref.sync import sync_to_async

    from oauth.client import wxcc_async_client

    webex = make_webex()
    webex.connect(admin_client, org)
    before = connection_of(org)
    webex.control("tokens/expire")

    client = wxcc_async_client(org)  # built in sync code: it checks the connection

    def close_worker_connection() -> None:
        connection.close()

    async def poll() -> httpx.Response:
        try:
            async with client:
                return await client.get("/v1/event-types", params={"orgId": webex.sim.org_id})
        finally:
            # The auth flow ran the ORM in asgiref's worker thread; close that connection.
            await sync_to_async(close_worker_connection)()

    response = asyncio.run(poll())

    assert response.status_code == 200
    assert connection_of(org).token_generation == before.token_generation + 1
