"""What an admin sees, in headless Chromium against our live ASGI server: the board editor's
preview follows the form (a threshold, an added tile), saving changes a TV that is showing the
board, and revoking the TV's link on the screens page closes the TV's socket (the TV then
refuses the link).
Screenshots: artifacts/editor.png, artifacts/screens.png, artifacts/tv-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.fixtures.browser import ARTIFACTS, headless_chromium
from tests.fixtures.factories import MembershipFactory
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from tests.fixtures.wxcc_factories import QueueFactory, TeamFactory
from wallboard.models import Screen, Tile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000


@contextmanager
def chromium(settings: Any) -> Iterator[Any]:
    """A headless Chromium. Create rows before entering: the ORM must not run while
    Playwright's event loop owns the thread."""
    with headless_chromium(settings) as browser:
        yield browser


def test_an_admin_edits_a_board_sees_the_preview_then_the_tv_change_and_revokes_it(
    live_asgi: str, settings: Any
) -> None:
    board = BoardFactory.create(slug="lobby", name="Lobby")
    for name in ("Sales", "Support", "Billing"):
        QueueFactory.create(organization=board.organization, name=name)
    TeamFactory.create(organization=board.organization, name="Tier 1")
    tile = TileFactory.create(
        page=BoardPageFactory.create(board=board, title="Overview"),
        metric="contacts_waiting",
        thresholds=[{"value": 5, "colour": "amber"}],
    )
    screen = ScreenFactory.create(board=board, name="Reception TV")
    MembershipFactory.create(organization=board.organization, admin=True, user__username="ada")

    with chromium(settings) as browser:
        tv = browser.new_page(
            bypass_csp=True, base_url=live_asgi, viewport={"width": 1280, "height": 720}
        )
        tv.goto(f"/tv/lobby/?token={screen.token}")
        tv_tile = tv.locator(f"#tile-{tile.pk}")
        tv_tile.wait_for(timeout=TIMEOUT_MS)
        tv_class_before = tv_tile.get_attribute("class") or ""

        admin = browser.new_page(
            bypass_csp=True, base_url=live_asgi, viewport={"width": 1600, "height": 1000}
        )
        admin.goto("/accounts/login/")
        admin.get_by_label("Username").fill("ada")
        admin.get_by_label("Password").fill("password")
        admin.get_by_role("button", name="Sign in", exact=True).click()
        admin.wait_for_url(f"{live_asgi}/")
        admin.goto("/boards/lobby/edit/")
        preview = admin.frame_locator("#board-preview")
        preview.locator(".tile").first.wait_for(timeout=TIMEOUT_MS)
        preview_class_before = preview.locator(".tile").first.get_attribute("class") or ""

        # Contacts waiting is 0: a level at 0 fires at once, so the preview turns it red.
        admin.locator("#id_tiles-0-level1_value").fill("0")
        admin.locator("#id_tiles-0-level1_colour").select_option("red")
        red = preview.locator(".tile.level-red")
        red.wait_for(timeout=TIMEOUT_MS)

        admin.get_by_role("button", name="Add tile").click()
        admin.locator("#id_tiles-1-metric").wait_for(timeout=TIMEOUT_MS)
        admin.locator("#id_tiles-1-metric").select_option("offered")
        admin.locator("#id_tiles-1-label").fill("Calls offered")
        preview.get_by_text("Calls offered").wait_for(timeout=TIMEOUT_MS)
        preview_tiles = preview.locator(".tile").count()
        admin.screenshot(path=str(ARTIFACTS / "editor.png"), full_page=True)

        # A mistake: the preview says what to fix, saving shows it beside the field.
        admin.locator("#id_time_zone").fill("Mars/Olympus")
        preview.get_by_text("Fix these to see the preview").wait_for(timeout=TIMEOUT_MS)
        admin.get_by_role("button", name="Save", exact=True).click()
        zone_error = admin.locator("#id_time_zone-error")
        zone_error.wait_for(timeout=TIMEOUT_MS)
        zone_error_text = zone_error.inner_text()
        admin.screenshot(path=str(ARTIFACTS / "editor-errors.png"))
        admin.locator("#id_time_zone").fill("UTC")

        admin.get_by_role("button", name="Save", exact=True).click()
        admin.locator(".messages").wait_for(timeout=TIMEOUT_MS)
        saved_message = admin.locator(".messages").inner_text()
        # The TV gets the new layout over its socket and reloads itself into it.
        tv.locator(f"#tile-{tile.pk}.level-red").wait_for(timeout=TIMEOUT_MS)
        tv.get_by_text("Calls offered").wait_for(timeout=TIMEOUT_MS)
        tv.screenshot(path=str(ARTIFACTS / "tv-after-edit.png"))

        admin.goto("/screens/")
        row = admin.locator(f"#screen-{screen.pk}")
        connected_text = row.inner_text()
        tv_address = row.locator("input.tv-url").input_value()
        admin.screenshot(path=str(ARTIFACTS / "screens.png"), full_page=True)
        admin.on("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke").click()
        admin.wait_for_url(f"{live_asgi}/screens/")
        revoked_row = admin.locator(f"#screen-{screen.pk}").inner_text()
        # The socket is refused at once: the TV shows its notice (where its board has one),
        # and the page itself now refuses the link.
        tv.wait_for_function(
            "(() => { const n = document.getElementById('board-revoked');"
            " return !n || !n.hidden; })()",
            timeout=TIMEOUT_MS,
        )
        tv.screenshot(path=str(ARTIFACTS / "tv-revoked.png"))
        tv.reload()
        tv_after_revoke = tv.locator("main").inner_text()

    assert "level-red" not in tv_class_before
    assert "level-red" not in preview_class_before
    assert preview_tiles == 2
    assert "is not a known time zone" in zone_error_text
    assert "Saved Lobby" in saved_message
    assert "Connected" in connected_text
    assert tv_address == f"{live_asgi}/tv/lobby/?token={screen.token}"
    assert "Revoked" in revoked_row
    assert "This display link was revoked" in tv_after_revoke
    assert Tile.objects.filter(page__board=board).count() == 2
    assert Screen.objects.get(pk=screen.pk).revoked_at is not None
