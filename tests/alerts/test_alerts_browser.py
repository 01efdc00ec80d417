"""What a supervisor sees in Chromium: the alert banner, the active alert and its history,
adding a threshold with the keyboard-reachable form; what an admin sees of members (inviting
someone shows the one-time link). Screenshots: artifacts/alerts.png, artifacts/members.png
(and phone-width variants)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from alerts.models import AlertEvent, AlertRule, AlertSettings, Delivery
from alerts.rules import AlertKind
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wxcc_factories import QueueFactory
from tests.oauth.test_browser import browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "artifacts"
T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def sign_in(page: Any, username: str, password: str = "password") -> None:  # noqa: S107
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_a_supervisor_sees_an_active_alert_and_adds_a_threshold(
    live_asgi: str, simulator: Any, settings: Any
) -> None:
    org = OrganizationFactory.create(name="Browser Alerts", webex_org_id=None)
    MembershipFactory.create(organization=org, admin=True, user__username="ada")
    billing = QueueFactory.create(organization=org, name="Billing")
    QueueFactory.create(organization=org, name="Sales")
    rule = AlertRule.objects.create(
        organization=org,
        queue=billing,
        kind=AlertKind.SERVICE_LEVEL_BELOW,
        threshold=80,
        breach_started_at=T0,
        announced=True,
        last_notified_at=T0,
        last_value=71.4,
    )
    AlertSettings.objects.create(
        organization=org,
        webex_enabled=True,
        webex_room_id="room-1",
        webex_bot_token="secret-bot-token",
        last_send_error="HTTP 401: The request requires a valid access token.",
        last_send_error_at=T0,
    )
    AlertEvent.objects.create(
        organization=org,
        rule=rule,
        queue_name="Billing",
        kind=rule.kind,
        outcome="fired",
        threshold=80,
        value=71.4,
        markdown="x",
        at=T0,
        delivery=Delivery.FAILED,
        delivery_error="HTTP 401: The request requires a valid access token.",
    )
    with browser_page(live_asgi, simulator, settings) as page:
        sign_in(page, "ada")
        page.goto("/alerts/")
        banner = page.locator("#alerts-banner").inner_text()
        page.locator("#id_queue").select_option(label="Sales")
        page.locator("#id_kind").select_option(label="Contacts waiting over")
        page.locator("#id_threshold").fill("4")
        page.get_by_role("button", name="Save threshold").click()
        page.wait_for_url("**/alerts/")
        rules_text = page.locator("table.list").first.inner_text()
        html = page.content()
        page.screenshot(path=str(ARTIFACTS / "alerts.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "alerts-phone.png"), full_page=True)

    assert "1 active alert:" in banner
    assert "Billing" in banner
    assert "Sales" in rules_text
    assert "More than 4 contacts waiting" in rules_text
    assert "secret-bot-token" not in html
    assert "Posting to Webex failed" in html


def test_an_admin_invites_a_member_and_sees_the_one_time_link(
    live_asgi: str, simulator: Any, settings: Any
) -> None:
    org = OrganizationFactory.create(name="Browser Members", webex_org_id=None)
    MembershipFactory.create(organization=org, admin=True, user__username="ada")
    MembershipFactory.create(organization=org, user__username="sam")
    with browser_page(live_asgi, simulator, settings) as page:
        sign_in(page, "ada")
        page.goto("/members/")
        page.locator("#id_email").fill("nina@example.com")
        page.locator("#id_role").select_option("supervisor")
        page.get_by_role("button", name="Invite").click()
        link = page.locator("#set-password-link").inner_text()
        page.screenshot(path=str(ARTIFACTS / "members.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "members-phone.png"), full_page=True)
        page.get_by_role("button", name="Sign out").click()
        page.goto(link)
        page.get_by_label("New password", exact=True).fill("a-long-Passphrase-42")
        page.get_by_label("New password confirmation").fill("a-long-Passphrase-42")
        page.get_by_role("button", name="Set password").click()
        done = page.locator("main").inner_text()
        sign_in(page, "nina@example.com", "a-long-Passphrase-42")
        signed_in_nav = page.locator("nav").inner_text()

    assert "/accounts/welcome/" in link
    assert "Password set" in done
    assert "nina@example.com" in signed_in_nav
    assert "Members" not in signed_in_nav
