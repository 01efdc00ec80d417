"""What a person sees: an admin connects the org and a supervisor uses "Login with Webex", in
headless Chromium against our live ASGI server and the simulator. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from oauth.models import ConnectionStatus, Organization, WebexConnection
from tests.fixtures.browser import headless_chromium
from tests.fixtures.factories import MembershipFactory, OrganizationFactory, WebexConnectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"


@contextmanager
def browser_page(live_asgi: str, simulator: Any, settings: Any) -> Iterator[Any]:
    """A Chromium page on our live server, with the app pointed at the simulator. Create
    rows before entering: the ORM must not run while Playwright's event loop owns the thread."""
    settings.PUBLIC_BASE_URL = live_asgi
    settings.WEBEX_IDENTITY_URL = simulator.identity_url
    settings.WXCC_API_URL = simulator.api_url
    settings.WEBEX_CLIENT_ID = simulator.client_id
    settings.WEBEX_CLIENT_SECRET = simulator.client_secret
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium(settings) as browser:
        yield browser.new_page(bypass_csp=True, base_url=live_asgi)


def test_an_admin_connects_and_disconnects_the_org_in_a_browser(
    live_asgi: str, simulator: Any, settings: Any
) -> None:
    org = OrganizationFactory.create(name="Browser Support", webex_org_id=None)
    MembershipFactory.create(organization=org, admin=True, user__username="ada")
    with browser_page(live_asgi, simulator, settings) as page:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.goto("/oauth/connection/")
        page.get_by_label("WxCC region").select_option("eu2")
        page.get_by_role("button", name="Connect to Webex").click()
        page.wait_for_url("**/oauth/orgs/*/connection/")
        connected_text = page.locator("main").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "oauth-connected.png"), full_page=True)
        page.get_by_role("button", name="Disconnect").click()
        disconnected_status = page.locator("#connection-status").inner_text()

    assert "is connected to Webex Contact Center" in connected_text
    assert "Connected" in connected_text
    assert disconnected_status == "Disconnected"
    org = Organization.objects.get(pk=org.pk)
    assert org.webex_org_id == simulator.org_id
    assert org.region == "eu2"
    assert WebexConnection.objects.get(organization=org).status == ConnectionStatus.DISCONNECTED


def test_a_supervisor_signs_in_with_webex_in_a_browser(
    live_asgi: str, simulator: Any, settings: Any
) -> None:
    org = OrganizationFactory.create(webex_org_id=simulator.org_id)
    WebexConnectionFactory.create(organization=org)
    MembershipFactory.create(
        organization=org, user__username="sam", user__email=simulator.config.demo_user_email
    )
    with browser_page(live_asgi, simulator, settings) as page:
        page.goto("/accounts/login/")
        page.get_by_role("button", name="Login with Webex").click()
        page.wait_for_url(f"{live_asgi}/")
        who = page.locator(".who").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "oauth-login-with-webex.png"), full_page=True)

    assert who == "sam"
