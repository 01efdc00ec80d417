"""The TV against the web server as a real process (uvicorn, as the demo and the Dockerfile
run it): it reconnects by itself after the process dies and comes back, showing the whole
board at once, and the display token never reaches the server's log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from config.log_redaction import REDACTED
from tests.fixtures.browser import ARTIFACTS
from tests.fixtures.simulator import RunningSimulator
from tests.wallboard.tv_browser import (
    chromium,
    is_stale,
    off_loop,
    open_tv,
    quiet_board,
    wait_for_socket,
    web_process,
)
from wxcc.poller import poll_org

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.browser
def test_the_tv_reconnects_after_the_web_process_restarts_and_shows_the_whole_board(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    settings: Any,
    tmp_path: Path,
) -> None:
    org = connect_org(live_sim)
    poll_org(org.pk)
    tv = quiet_board(org, stale_after_s=600)
    queue_id = live_sim.state()["queues"][0]["id"]
    waiting = f"document.querySelector('#tile-{tv.waiting_tile.pk} .tile-value').textContent"
    with web_process(tmp_path) as web, chromium(settings) as browser:
        page = open_tv(browser, web.url + tv.path)
        before = page.evaluate(waiting)
        web.kill()
        wait_for_socket(page, "down")
        stale_while_down = is_stale(page)
        connection_note = page.locator("#board-connection").inner_text()
        page.screenshot(path=str(ARTIFACTS / "tv-web-down.png"))
        # While the TV is cut off, a contact arrives: only the board sent on reconnect can
        # tell it.
        live_sim.inject_task(queue_id, handleSeconds=600)
        off_loop(poll_org, org.pk)
        web.start()
        wait_for_socket(page, "up", timeout_ms=90_000)
        page.wait_for_function(f"{waiting}.trim() === '1'", timeout=10_000)
        page.wait_for_function("!document.body.classList.contains('is-stale')", timeout=10_000)
        note_after = page.locator("#board-connection").inner_text()

    assert before.strip() == "0"
    assert stale_while_down
    assert "reconnecting" in connection_note.lower()
    assert note_after == ""


def test_display_tokens_never_reach_the_web_process_log(
    live_sim: RunningSimulator,
    connect_org: Callable[[RunningSimulator], Any],
    tmp_path: Path,
) -> None:
    org = connect_org(live_sim)
    tv = quiet_board(org)
    token = tv.screen.token

    async def open_socket(url: str) -> str:
        async with websockets.connect(url, origin="http://127.0.0.1") as ws:  # type: ignore[arg-type]
            return str(await asyncio.wait_for(ws.recv(), 10))

    with web_process(tmp_path) as web:
        page = httpx.get(f"{web.url}{tv.path}", timeout=10)
        wrong = httpx.get(f"{web.url}/tv/lobby/?token=not-{token}", timeout=10)
        ws_url = web.url.replace("http://", "ws://") + f"/ws/tv/lobby/?token={token}"
        first = asyncio.run(open_socket(ws_url))
        web.stop()
        log = web.log()

    assert page.status_code == 200
    assert wrong.status_code in (401, 403)
    assert f'id="tile-{tv.waiting_tile.pk}"' in first
    # The lines are there (access and websocket), with the token replaced.
    assert f"/tv/lobby/?token={REDACTED}" in log
    assert f"/ws/tv/lobby/?token={REDACTED}" in log
    assert token not in log
