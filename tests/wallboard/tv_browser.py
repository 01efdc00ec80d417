"""Helpers for the TV's browser tests: headless Chromium (Debian's) through Playwright, a
busy demo org on a live simulator, and a thread for ORM work while Playwright's event loop
owns the test's thread."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from django.conf import settings as django_settings
from django.db import close_old_connections, connections
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from demo.management.commands.demo import business_hours_timezone
from oauth.models import Organization
from tests.fixtures.browser import headless_chromium
from tests.fixtures.simulator import RunningSimulator
from tests.fixtures.wallboard_factories import (
    BoardFactory,
    BoardPageFactory,
    ScreenFactory,
    TileFactory,
)
from wallboard.models import Board, Screen, Tile

T = TypeVar("T")


def off_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` (ORM work) on a thread of its own: Django refuses the ORM on a thread whose
    event loop is running, and Playwright's sync API runs one on the test's thread."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=120)


@contextmanager
def chromium(settings: Any) -> Iterator[Any]:
    """A headless Chromium browser; skips when Debian's Chromium is missing."""
    with headless_chromium(settings) as browser:
        yield browser


def open_tv(browser: Any, url: str, *, width: int = 1920, height: int = 1080) -> Any:
    """A page showing the TV at `url`, once its socket is up and the full board arrived."""
    # Playwright's string predicates (wait_for_function) run through eval, which our CSP
    # forbids; tests/security/test_csp_browser.py checks the pages under the real policy.
    page = browser.new_page(bypass_csp=True, viewport={"width": width, "height": height})
    page.goto(url)
    wait_for_socket(page, "up")
    return page


def wait_for_socket(page: Any, state: str, timeout_ms: float = 20_000) -> None:
    page.wait_for_function(
        f"document.body.dataset.socket === {state!r}", timeout=timeout_ms, polling=100
    )


def is_stale(page: Any) -> bool:
    return bool(page.evaluate("document.body.classList.contains('is-stale')"))


def settles_fresh(page: Any, timeout_ms: float = 30_000) -> bool:
    """Whether the TV shows fresh data within `timeout_ms`: on a loaded machine the first
    board may arrive after the poll it shows is already older than the board's threshold,
    and the next poll or tick clears it. Returns False (fresh), as is_stale would."""
    try:
        page.wait_for_function(
            "!document.body.classList.contains('is-stale')", timeout=timeout_ms, polling=200
        )
    except PlaywrightTimeout:
        return True
    return False


def busy_simulator(make_simulator: Callable[..., RunningSimulator]) -> RunningSimulator:
    """A simulator on the wall clock in a zone where it is late morning now, with today's
    traffic so far in its history and arrivals going on: a busy floor."""
    zone = business_hours_timezone(datetime.now(UTC))
    return make_simulator(
        start_time_ms=None, history_days=1, timezone=zone, tasks_per_day=2400, agent_count=24
    )


def set_org_zone(org: Organization, zone: str) -> None:
    Organization.objects.filter(pk=org.pk).update(timezone=zone)
    org.timezone = zone


@dataclass(frozen=True)
class QuietBoard:
    board: Board
    screen: Screen
    waiting_tile: Tile
    path: str


def quiet_board(org: Organization, *, rotation_s: int = 0, stale_after_s: int = 10) -> QuietBoard:
    """A board of two pages (contacts waiting, agents list) with a display link."""
    board = BoardFactory.create(
        organization=org, slug="lobby", rotation_s=rotation_s, stale_after_s=stale_after_s
    )
    first = BoardPageFactory.create(board=board, position=0, title="Queue")
    waiting = TileFactory.create(page=first, metric="contacts_waiting")
    TileFactory.create(page=first, metric="agents_available")
    second = BoardPageFactory.create(board=board, position=1, title="People")
    TileFactory.create(page=second, kind="agents_list", metric="", width=2)
    screen = ScreenFactory.create(board=board)
    return QuietBoard(board, screen, waiting, f"/tv/lobby/?token={screen.token}")


@contextmanager
def beat(org_id: int, every_s: float = 1.0) -> Iterator[None]:
    """What Celery beat does for a board, on a thread: poll the org, then the board tick
    (which pushes the status: data freshness, re-consent, rate limits)."""
    from wallboard import live
    from wxcc.poller import poll_org

    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                poll_org(org_id)
                live.tick()
                stop.wait(every_s)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="test-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


@dataclass
class WebProcess:
    """uvicorn serving config.asgi as `make demo` and the Dockerfile do, in a process of its
    own on a fixed port, so a test can kill it and start it again where the TV reconnects."""

    env: dict[str, str]
    workdir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "web.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self) -> WebProcess:
        self.starts += 1
        # Access log on (uvicorn's default): it prints every path with its query string.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(self.port)],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, f"uvicorn exited:\n{self.log()}"
            assert time.monotonic() < deadline, f"uvicorn did not start:\n{self.log()}"
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)

    def kill(self) -> None:
        """Stop it the hard way, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@contextmanager
def web_process(workdir: Path) -> Iterator[WebProcess]:
    from tests.fixtures.servers import free_port
    from tests.foundation.processes import production_env

    web = WebProcess(
        production_env(redis_url=str(django_settings.REDIS_URL), application_name="tv-web"),
        workdir,
        free_port(),
    )
    try:
        yield web.start()
    finally:
        web.stop()
