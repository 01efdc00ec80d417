"""The TV over time, in headless Chromium against our live ASGI server and the simulator:
live updates, the stale marker and its recovery, a revoked link, page rotation, ticking
without pushes, and no growth after many updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from oauth.models import ConnectionStatus, WebexConnection
from tests.fixtures.browser import ARTIFACTS
from tests.fixtures.simulator import RunningSimulator
from tests.wallboard.tv_browser import (
    beat,
    chromium,
    off_loop,
    open_tv,
    quiet_board,
    settles_fresh,
    wait_for_socket,
)
from wallboard.keys import board_group
from wallboard.live import full_board_html
from wallboard.services import screen_revoke
from wallboard.specs import board_specs
from wxcc.poller import poll_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_MESSAGES_JS = """() => {
  window.messagesSeen = 0;
  document.body.addEventListener('htmx:wsAfterMessage', () => { window.messagesSeen += 1; });
}"""


def tile_text(page: Any, tile_id: int) -> str:
    return str(page.locator(f"#tile-{tile_id} .tile-value").inner_text()).strip()


def test_the_tv_shows_a_new_contact_without_a_reload_and_ticks_its_wait_on_its_own(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org)
    queue_id = live_sim.state()["queues"][0]["id"]
    agent_id = live_sim.state()["agents"][0]["id"]
    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        before = tile_text(page, tv.waiting_tile.pk)
        page.evaluate(COUNT_MESSAGES_JS)
        live_sim.inject_task(queue_id, handleSeconds=600)
        live_sim.login_agent(agent_id)
        off_loop(poll_org, org.pk)
        page.wait_for_function(
            f"document.querySelector('#tile-{tv.waiting_tile.pk} .tile-value')"
            ".textContent.trim() === '1'"
        )
        page.evaluate("window.boardShowPage(1)")
        ticking = page.locator("[data-tick-since]").first
        first_tick = ticking.inner_text()
        messages = page.evaluate("window.messagesSeen")
        page.wait_for_function(
            "(first) => document.querySelector('[data-tick-since]').textContent !== first",
            arg=first_tick,
        )
        messages_after_tick = page.evaluate("window.messagesSeen")
        page.screenshot(path=str(ARTIFACTS / "tv-live-agents.png"))

    assert before == "0"
    # The agent's time in state moved with no message from the server.
    assert messages_after_tick == messages


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"mode": "outage"}, "WxCC is not answering"),
        ({"mode": "ratelimit", "retry_after_s": 12}, "rate limit"),
    ],
)
def test_the_tv_says_it_is_stale_while_wxcc_fails_and_recovers_by_itself(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
    fault: dict[str, Any],
    reason: str,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org, stale_after_s=10)
    with chromium(settings) as browser, beat(org.pk):
        page = open_tv(browser, live_asgi + tv.path)
        fresh = settles_fresh(page)
        live_sim.set_fault(**fault)
        page.wait_for_function(
            "document.body.classList.contains('is-stale')", timeout=40_000, polling=200
        )
        page.wait_for_function(
            "/\\d+ s/.test(document.querySelector('#board-status .ago').textContent)"
        )
        status = page.locator("#board-status").inner_text()
        # The figures fade (a one-second transition) to half or less.
        page.wait_for_function(
            "getComputedStyle(document.querySelector('.tiles')).opacity <= 0.5", timeout=5_000
        )
        dimmed = page.evaluate("getComputedStyle(document.querySelector('.tiles')).opacity")
        page.screenshot(path=str(ARTIFACTS / f"tv-stale-{fault['mode']}.png"))
        live_sim.clear_faults()
        page.wait_for_function(
            "!document.body.classList.contains('is-stale')", timeout=40_000, polling=200
        )
        recovered_status = page.locator("#board-status").inner_text()

    assert not fresh
    assert "stale" in status.lower()
    assert reason in status
    assert "last update" in status
    assert float(dimmed) <= 0.5
    assert "stale" not in recovered_status.lower()


def test_the_tv_says_it_is_stale_as_soon_as_the_org_needs_re_consent(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org, stale_after_s=600)
    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        fresh = settles_fresh(page)
        off_loop(
            lambda: WebexConnection.objects.filter(organization=org).update(
                status=ConnectionStatus.NEEDS_RECONSENT
            )
        )
        off_loop(poll_org, org.pk)
        from wallboard import live

        off_loop(live.tick)
        page.wait_for_function("document.body.classList.contains('is-stale')", polling=200)
        status = page.locator("#board-status").inner_text()

    assert not fresh
    assert "re-consent" in status


def test_revoking_the_link_closes_the_tv_socket_within_a_second_and_the_tv_says_so(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org)
    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        off_loop(screen_revoke, screen=tv.screen, now=timezone.now())
        wait_for_socket(page, "refused", timeout_ms=1000)
        notice = page.locator("#board-revoked").inner_text()
        page.screenshot(path=str(ARTIFACTS / "tv-revoked.png"))
        # htmx does not retry an application close: the TV stays on its notice.
        page.wait_for_timeout(2500)
        still = page.evaluate("document.body.dataset.socket")

    assert "no longer works" in notice
    assert still == "refused"


def test_the_tv_rotates_its_pages_at_the_board_rotation_period(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org, rotation_s=5)
    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        first = page.locator("#board-page-title").inner_text()
        page.wait_for_function(
            "document.getElementById('board-page-title').textContent === 'People'",
            timeout=15_000,
        )
        second_visible = page.locator("[data-page].is-current").get_attribute("data-title")
        page.wait_for_function(
            "document.getElementById('board-page-title').textContent === 'Queue'",
            timeout=15_000,
        )

    assert first == "Queue"
    assert second_visible == "People"


def test_many_updates_leave_the_tv_with_as_many_nodes_and_no_growing_heap(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org)
    spec = board_specs(org_id=org.pk, board_ids=[tv.board.pk])[0]
    html = full_board_html(spec)
    layer = get_channel_layer()
    assert layer is not None

    def push(times: int) -> None:
        for _ in range(times):
            async_to_sync(layer.group_send)(
                board_group(tv.board.pk),
                {"type": "board.updates", "payloads": {board_group(tv.board.pk): html}},
            )

    def push_and_wait(page: Any, times: int) -> None:
        # In batches below the channel layer's per-channel capacity.
        for _ in range(times // 25):
            seen = page.evaluate("window.messagesSeen")
            off_loop(push, 25)
            page.wait_for_function(f"window.messagesSeen >= {seen + 25}", polling=50)

    def heap_bytes(cdp: Any) -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return int(cdp.send("Runtime.getHeapUsage")["usedSize"])

    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        cdp = page.context.new_cdp_session(page)
        page.evaluate(COUNT_MESSAGES_JS)
        push_and_wait(page, 50)
        nodes_before = page.evaluate("document.querySelectorAll('*').length")
        heap_before = heap_bytes(cdp)
        push_and_wait(page, 400)
        nodes_after = page.evaluate("document.querySelectorAll('*').length")
        heap_after = heap_bytes(cdp)

    assert nodes_after == nodes_before
    # 400 full boards swapped in: the heap may wobble, it must not keep what was replaced.
    assert heap_after - heap_before < 1_000_000, (heap_before, heap_after)


def test_the_tv_moves_its_board_by_a_few_pixels_now_and_then(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    live_asgi: str,
    settings: Any,
) -> None:
    settings.WALLBOARD_PIXEL_SHIFT_S = 1
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org)
    shifts: list[str] = []
    with chromium(settings) as browser:
        page = open_tv(browser, live_asgi + tv.path)
        for _ in range(4):
            page.wait_for_function(
                "(seen) => (document.getElementById('board').dataset.shift || '') !== seen",
                arg=shifts[-1] if shifts else "",
                polling=100,
            )
            shifts.append(page.evaluate("document.getElementById('board').dataset.shift"))
        transform = page.evaluate("document.getElementById('board').style.transform")

    offsets = [tuple(int(v) for v in shift.split(",")) for shift in shifts]
    assert all(abs(x) <= 4 and abs(y) <= 4 for x, y in offsets), offsets
    assert transform.startswith("translate(")
