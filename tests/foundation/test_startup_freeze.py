"""Server processes freeze what they loaded at start-up, so the collector's full passes stop
walking Django and the app (they stopped the web process for 100 to 170 ms each, several
times a minute, under load). Each case runs in a fresh process: freezing is process-wide.
Importing the ASGI application freezes nothing: the server's lifespan start-up does. The test
run itself has it off (its in-process worker sends the worker's signals)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.foundation.test_settings import load_settings

ASGI_START = """
import asyncio, gc, json
from wallboard.metrics.collector import existing_objects_frozen
from config.asgi import application
counts = {"imported": gc.get_freeze_count()}

async def serve_lifespan():
    inbox = asyncio.Queue()
    sent = []
    async def send(message):
        sent.append(message["type"])
    for kind in ("lifespan.startup", "lifespan.shutdown"):
        inbox.put_nowait({"type": kind})
    await application({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, send)
    return sent

counts["answers"] = asyncio.run(serve_lifespan())
counts["started"] = gc.get_freeze_count()
with existing_objects_frozen():
    counts["during_report"] = gc.get_freeze_count()
counts["after_report"] = gc.get_freeze_count()
print(json.dumps(counts))
"""

WORKER_START = """
import gc, json
import django
django.setup()
from celery import signals
import config.celery
seen = {}
for name in ("worker_ready", "worker_process_init"):
    gc.unfreeze()
    getattr(signals, name).send(sender=None)
    seen[name] = gc.get_freeze_count()
print(json.dumps(seen))
"""


def _run(code: str, tmp_path: Path, *, freeze: bool = True) -> dict[str, object]:
    result = load_settings(
        {
            "DEBUG": "true",
            "DATA_DIR": str(tmp_path),
            "REDIS_URL": os.environ["REDIS_URL"],
            "GC_FREEZE_AT_STARTUP": str(freeze).lower(),
        },
        code=code,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return read


def test_the_web_process_freezes_at_start_up_and_a_report_keeps_it_frozen(
    tmp_path: Path,
) -> None:
    counts = _run(ASGI_START, tmp_path)

    assert counts["imported"] == 0
    assert counts["answers"] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    # Django, Channels and the app: well over ten thousand objects.
    frozen = counts["started"]
    assert isinstance(frozen, int)
    assert frozen > 10_000
    # A report in the web process neither freezes more nor hands the start-up objects back.
    assert counts["during_report"] == frozen
    assert counts["after_report"] == frozen


def test_the_worker_freezes_once_ready_and_in_each_pool_process(tmp_path: Path) -> None:
    counts = _run(WORKER_START, tmp_path)

    for signal in ("worker_ready", "worker_process_init"):
        frozen = counts[signal]
        assert isinstance(frozen, int)
        assert frozen > 10_000, counts


def test_turned_off_neither_server_freezes(tmp_path: Path) -> None:
    web = _run(ASGI_START, tmp_path, freeze=False)
    worker = _run(WORKER_START, tmp_path, freeze=False)

    assert web["started"] == 0
    assert worker == {"worker_ready": 0, "worker_process_init": 0}
