"""The TV kiosk as a viewer sees it, in headless Chromium against our live ASGI server and
the simulator: a busy board at 1920x1080 and 3840x2160 (screenshots in artifacts/), read
from across the room."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.browser import ARTIFACTS
from tests.fixtures.factories import MembershipFactory
from tests.fixtures.simulator import RunningSimulator
from tests.wallboard.tv_browser import (
    busy_simulator,
    chromium,
    open_tv,
    set_org_zone,
    wait_for_socket,
)
from wallboard.services import demo_board_ensure
from wxcc.poller import poll_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"1080p": (1920, 1080), "2160p": (3840, 2160)}

# What the page measures: sizes relative to the screen's height, and whatever overflows.
MEASURE_JS = """
() => {
  const h = window.innerHeight;
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const visible = (el) => el.offsetParent !== null;
  const values = [...document.querySelectorAll('.board-page.is-current .tile-value')];
  const labels = [...document.querySelectorAll('.board-page.is-current .tile-label')];
  const clipped = [...document.querySelectorAll('.board-page.is-current .tile-value, '
      + '.board-page.is-current .tile-label, .board-head > *')]
    .filter((el) => visible(el) && el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.className + ': ' + el.textContent.trim());
  const board = document.getElementById('board').getBoundingClientRect();
  const levelled = [...document.querySelectorAll('.board-page.is-current .tile[class*=level-]')]
    .map((tile) => tile.querySelector('.tile-level').textContent.trim());
  return {
    valueMinPct: Math.min(...values.map(px)) / h * 100,
    labelMinPct: Math.min(...labels.map(px)) / h * 100,
    values: values.map((el) => el.textContent.trim()),
    clipped,
    boardBottom: board.bottom, height: h,
    clock: document.getElementById('board-clock').textContent,
    levelled,
  };
}
"""


def show_page(page: Any, index: int) -> None:
    """Show the board's page `index` as the rotation would."""
    page.evaluate("(index) => window.boardShowPage(index)", index)


def test_a_busy_tv_board_is_readable_from_across_the_room_at_1080p_and_2160p(
    make_simulator: Callable[..., RunningSimulator],
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    sim = busy_simulator(make_simulator)
    org = connect_org(sim)
    set_org_zone(org, sim.config.timezone)
    poll_org(org.pk)
    _, token = demo_board_ensure(org=org)
    MembershipFactory.create(organization=org, user__username="sam")
    url = f"{live_asgi}/tv/demo/?token={token}"
    measured: dict[str, dict[str, Any]] = {}
    with chromium(settings) as browser:
        for name, (width, height) in SCREENS.items():
            page = open_tv(browser, url, width=width, height=height)
            page.wait_for_function(
                "/\\d:\\d\\d:\\d\\d/.test(document.getElementById('board-clock').textContent)"
            )
            measured[name] = page.evaluate(MEASURE_JS)
            page.screenshot(path=str(ARTIFACTS / f"tv-{name}.png"))
            for index, title in ((1, "queues"), (2, "agents")):
                show_page(page, index)
                measured[f"{name}-{title}"] = page.evaluate(
                    "() => [...document.querySelectorAll('.board-page.is-current .tile')]"
                    ".filter((el) => el.scrollHeight > el.clientHeight + 1"
                    " || el.scrollWidth > el.clientWidth + 1).length"
                )
                page.screenshot(path=str(ARTIFACTS / f"tv-{name}-{title}.png"))
            page.close()
        supervisor = browser.new_page(bypass_csp=True, viewport={"width": 1920, "height": 1080})
        supervisor.goto(f"{live_asgi}/accounts/login/")
        supervisor.get_by_label("Username").fill("sam")
        supervisor.get_by_label("Password").fill("password")
        supervisor.get_by_role("button", name="Sign in", exact=True).click()
        supervisor.goto(f"{live_asgi}/boards/demo/")
        wait_for_socket(supervisor, "up")
        supervisor_tiles = supervisor.locator(".board-page.is-current .tile").count()
        supervisor.screenshot(path=str(ARTIFACTS / "supervisor-board-1080p.png"))

    for name in SCREENS:
        figures = measured[name]
        assert figures["valueMinPct"] >= 8, figures
        assert figures["labelMinPct"] >= 2.4, figures
        assert figures["clipped"] == [], figures
        assert figures["boardBottom"] <= figures["height"] + 8, figures
        assert re.fullmatch(r"\d\d:\d\d:\d\d", figures["clock"]), figures
        assert all(figures["levelled"]), figures
        assert all(v == "—" or re.search(r"\d", v) for v in figures["values"]), figures
    # Nothing of the queues table or the agents list is cut off, at either size.
    assert [measured[f"{name}-{title}"] for name in SCREENS for title in ("queues", "agents")] == [
        0
    ] * 4
    # The supervisor's page renders the same partials, live.
    assert supervisor_tiles == 12
    # Same layout at both sizes: 4K scales up rather than showing a tiny board.
    assert measured["1080p"]["valueMinPct"] == pytest.approx(
        measured["2160p"]["valueMinPct"], rel=0.02
    )
