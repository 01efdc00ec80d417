"""Redis restarted under load, with a board open: web (uvicorn), a Celery worker, beat and
the channel layer all use a private redis-server this test stops and starts. Signed webhooks keep
arriving throughout and every one is acknowledged and stored in PostgreSQL, also while Redis
is down; once Redis is back the worker applies each exactly once, and the board's websocket
reconnects by itself, receives the whole board, then a fragment for a later change."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from oauth.models import Organization
from tests.faults.board_watcher import tile_value, wait_for, watching
from tests.foundation.processes import (
    PrivateRedis,
    beat_process,
    production_env,
    uvicorn_process,
    worker_process,
)
from tests.wallboard.tv_browser import quiet_board
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc.models import RawEvent, Task, WebhookSubscription

pytestmark = [pytest.mark.django_db(transaction=True)]

SECRET = "s3cr3t-for-the-redis-restart-test-long-enough"
SUBSCRIPTION = "sub-redis-restart"
# WxCC wants an answer within 5 s (docs/wxcc-contract.md §1.7).
ANSWER_WITHIN_S = 5.0
SEND_EVERY_S = 0.2
OUTAGE_S = 8.0
TICK_S = 1.0
TICK_TASK = "Task wallboard.tick["


@dataclass
class Delivery:
    event_id: str
    task_id: str
    status: int | None
    redis_down: bool


@dataclass
class WebhookLoad:
    """Signed task:parked deliveries (a new waiting contact each) sent on a thread until
    stopped; every answer is kept with whether Redis was down when it was sent."""

    url: str
    redis_down: threading.Event = field(default_factory=threading.Event)
    deliveries: list[Delivery] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send_one(self) -> Delivery:
        event_id = str(uuid.uuid4())
        task_id = f"t-{event_id[:12]}"
        payload = envelope(
            SUBSCRIPTION,
            "task:parked",
            {"taskId": task_id, "queueId": "q-1", "channelType": "telephony"},
            at_ms=now_ms(),
            event_id=event_id,
        )
        body, headers = signed(SECRET, payload)
        down = self.redis_down.is_set()
        try:
            response = httpx.post(
                f"{self.url}/webhooks/wxcc/",
                content=body,
                headers={**headers, "Content-Type": "application/json"},
                timeout=ANSWER_WITHIN_S,
            )
            status: int | None = response.status_code
        except httpx.TransportError:
            status = None
        delivery = Delivery(event_id, task_id, status, down)
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def run(self) -> None:
        while not self.stopping.is_set():
            self.send_one()
            self.stopping.wait(SEND_EVERY_S)

    def acknowledged(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.status == 202]

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)


def all_applied(event_ids: list[str]) -> bool:
    return RawEvent.objects.filter(
        event_id__in=event_ids, processed_at__isnull=False
    ).count() == len(event_ids)


@pytest.mark.timeout(240)
def test_webhooks_are_acknowledged_through_a_redis_restart_and_the_open_board_recovers(
    tmp_path: Path,
) -> None:
    org = Organization.objects.create(name="Restart Care", webex_org_id="org-redis-restart")
    WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id=SUBSCRIPTION,
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )
    tv = quiet_board(org, stale_after_s=600)
    tile_id = tv.waiting_tile.pk
    redis_server = PrivateRedis(tmp_path).start()
    env = production_env(
        redis_url=redis_server.url, DB_POOL_MAX_SIZE="4", WALLBOARD_TICK_S=str(TICK_S)
    )
    try:
        with (
            uvicorn_process(env, tmp_path) as url,
            worker_process(env, tmp_path) as worker,
            beat_process(env, tmp_path) as beat,
        ):
            ws_url = url.replace("http://", "ws://") + f"/ws/tv/lobby/?token={tv.screen.token}"
            with watching(ws_url) as board:
                wait_for(lambda: bool(board.received()), "the board on connect", 30)
                first_board = board.received()[0][1]
                load = WebhookLoad(url)
                sender = threading.Thread(target=load.run, name="webhook-load", daemon=True)
                sender.start()
                try:
                    # Under load and applied before the outage: the board shows it as it goes.
                    wait_for(
                        lambda: any(
                            tile_value(m, tile_id) not in (None, "0") for _, m in board.received()
                        ),
                        "a pushed change before the outage",
                        60,
                    )
                    load.redis_down.set()
                    redis_server.stop()
                    time.sleep(OUTAGE_S)
                    # In PostgreSQL already, while nothing could be queued.
                    acked_while_down = [d.event_id for d in load.acknowledged() if d.redis_down]
                    stored_while_down = RawEvent.objects.filter(
                        event_id__in=acked_while_down
                    ).count()
                    redis_server.start()  # same port: everyone must find it again by itself
                    worker_log_at_restart = len(worker.log())
                    load.redis_down.clear()
                    time.sleep(3)
                finally:
                    load.stopping.set()
                    sender.join(timeout=30)
                sent = load.snapshot()
                acked = [d.event_id for d in load.acknowledged()]
                wait_for(lambda: all_applied(acked), "the worker to apply every event", 120)

                # The board reconnected by itself and got the whole board on the new socket.
                wait_for(
                    lambda: (
                        board.connections > 1 and bool(board.received(connection=board.connections))
                    ),
                    "the board to reconnect",
                    60,
                )
                reconnected = board.connections
                full_after = board.received(connection=reconnected)[0][1]
                # A later change arrives on the new socket as a fragment.
                later = load.send_one()
                expected = str(len(acked) + 1)
                wait_for(
                    lambda: any(
                        tile_value(m, tile_id) == expected
                        for _, m in board.received(connection=reconnected)
                    ),
                    "a fragment for the later change",
                    60,
                )
                connections_at_end = board.connections
            # Beat found Redis again too: its ticks reach the worker after the restart.
            wait_for(
                lambda: TICK_TASK in worker.log()[worker_log_at_restart:],
                "a beat tick after the restart",
                30,
            )
            assert worker.alive(), worker.log()[-3000:]
            assert beat.alive(), beat.log()[-3000:]
    finally:
        redis_server.stop()

    during = [d for d in sent if d.redis_down]
    assert during, "no webhook was sent while Redis was down"
    assert acked_while_down
    assert stored_while_down == len(acked_while_down)
    # Acknowledged throughout: every delivery, during the outage too, got its 202 in time.
    assert [d.status for d in sent] == [202] * len(sent)
    assert later.status == 202
    all_ids = [*acked, later.event_id]
    # Stored once each and applied once each: one row per event, one task per event.
    events = RawEvent.objects.filter(organization=org)
    assert events.count() == len(all_ids)
    assert set(events.values_list("event_id", flat=True)) == set(all_ids)
    assert not events.filter(processed_at__isnull=True).exists()
    assert not events.filter(gave_up=True).exists()
    # Applied exactly once: `attempts` counts applications, committed with the event's writes.
    assert set(events.values_list("attempts", "error")) == {(1, "")}
    assert Task.objects.filter(organization=org).count() == len(all_ids)
    assert tile_value(first_board, tile_id) == "0"
    assert 'id="board-status"' in full_after
    assert tile_value(full_after, tile_id) is not None
    # Once back, the socket stays up: the change came on the connection that got the board.
    assert connections_at_end == reconnected
