"""Every main page satisfies the Content Security Policy (no 'unsafe-inline' for scripts or
styles): headless Chromium loads each one, lets htmx and the websocket run, and no policy
violation is reported. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from reporting.models import ReportJob
from tests.fixtures.browser import headless_chromium
from tests.fixtures.factories import MembershipFactory, OrganizationFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import QueueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"

# Runs before any page script, outside the page's CSP: records every violation event.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


@contextmanager
def chromium(live_asgi: str, settings: Any) -> Iterator[Any]:
    """A page under the real policy (no bypass), recording every violation it reports."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with headless_chromium(settings) as browser:
        context = browser.new_context(base_url=live_asgi)
        context.add_init_script(RECORD_VIOLATIONS)
        yield context.new_page()


def test_every_main_page_loads_without_a_content_security_policy_violation(
    live_asgi: str, settings: Any
) -> None:
    org = OrganizationFactory.create(name="Policy Support")
    MembershipFactory.create(organization=org, admin=True, user__username="csp-admin")
    board = BoardFactory.create(organization=org, slug="policy", name="Policy board")
    page_one = BoardPageFactory.create(board=board, title="Overview")
    TileFactory.create(page=page_one, metric="contacts_waiting")
    TileFactory.create(page=page_one, metric="service_level")
    agents_page = BoardPageFactory.create(board=board, title="Agents")
    TileFactory.create(page=agents_page, kind="agents_list", metric="")
    TileFactory.create(page=agents_page, kind="queues_table", metric="")
    screen = ScreenFactory.create(board=board)
    queue = QueueFactory.create(organization=org, name="Policy queue")
    job = ReportJob.objects.create(
        organization=org,
        kind="queue-summary",
        format="html",
        first_day=date(2026, 3, 10),
        last_day=date(2026, 3, 10),
    )
    pages = {
        "login": "/accounts/login/",
        "tv": f"/tv/policy/?token={screen.token}",
        "home": "/",
        "boards": "/boards/",
        "board": "/boards/policy/",
        "board-new": "/boards/new/",
        "board-edit": "/boards/policy/edit/",
        "screens": "/screens/",
        "agents": "/agents/",
        "queues": "/queues/",
        "queue": f"/queues/{queue.pk}/",
        "alerts": "/alerts/",
        "members": "/members/",
        "reports": "/reports/",
        "report-job": f"/reports/jobs/{job.pk}/",
        "schedules": "/reports/schedules/",
        "outbox": "/reports/outbox/",
        "connection": "/oauth/connection/",
        "admin": "/admin/",
    }
    console_errors: list[str] = []
    headers: dict[str, str] = {}
    violations: dict[str, list[str]] = {}

    with chromium(live_asgi, settings) as page:
        page.on(
            "console",
            lambda message: (
                console_errors.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        for name in ("login", "tv"):
            response = page.goto(pages[name])
            headers[name] = response.headers.get("content-security-policy", "")
            page.wait_for_timeout(1500)  # htmx, the websocket and the first push run
            page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=True)
            violations[name] = page.evaluate("window.__cspViolations")
        page.goto(pages["login"])
        page.get_by_label("Username").fill("csp-admin")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/")
        for name, url in pages.items():
            if name in ("login", "tv"):
                continue
            response = page.goto(url)
            assert response is not None, name
            assert response.status == 200, name
            headers[name] = response.headers.get("content-security-policy", "")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(SCREENSHOTS / f"csp-{name}.png"), full_page=True)
            violations[name] = page.evaluate("window.__cspViolations")

    for name, policy in headers.items():
        assert "script-src 'self'" in policy, name
        assert "style-src 'self'" in policy, name
        assert "unsafe-inline" not in policy, name
    assert {name: found for name, found in violations.items() if found} == {}
    assert console_errors == []


def test_a_locked_out_person_sees_why_and_for_how_long(live_asgi: str, settings: Any) -> None:
    MembershipFactory.create(user__username="locked-out")
    with chromium(live_asgi, settings) as page:
        page.goto("/accounts/login/")
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            page.get_by_label("Username").fill("locked-out")
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_load_state()
        page.get_by_label("Username").fill("locked-out")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
        alert = page.locator("#login-locked").inner_text()
        path = page.evaluate("location.pathname")
        page.screenshot(path=str(SCREENSHOTS / "login-locked-out.png"), full_page=True)
        violations = page.evaluate("window.__cspViolations")

    assert "Sign-in is locked for 15 minutes" in alert
    assert path == "/accounts/login/"  # the right password did not get in
    assert violations == []
