"""The stack a benchmark runs against: its own PostgreSQL database (`<name>_bench`, migrated,
never the test or demo database), a private redis-server on a free port (never the shared
one), and our servers as child processes with production settings (DEBUG off, the bounded
connection pool). Peak RSS of every process is sampled while it runs.

Call `prepare_environment()` before django.setup(): it points DATABASE_URL and REDIS_URL at
the bench's own database and Redis.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

from tests.bench.knobs import knob_int
from tests.foundation.processes import PrivateRedis, Process, _spawn, production_env

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/wallboard"
BENCH_ENCRYPTION_KEY = "lfKgZ0tFm4eUzfJuC8k4Ke4pE3zcZQPaQ0eNcBQ2xFs="


def bench_database_url(base_url: str) -> str:
    """The bench's own database beside `base_url`'s: same server, name + `_bench`."""
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") or "wallboard"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


def _create_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


class PeakRss:
    """Samples the resident memory of named processes (with their children) every 100 ms."""

    def __init__(self) -> None:
        self.peaks_mb: dict[str, float] = {}
        self._watched: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)
        self._thread.start()

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._watched[name] = pid

    def unwatch(self, name: str) -> None:
        self.sample()
        with self._lock:
            self._watched.pop(name, None)

    def sample(self) -> None:
        with self._lock:
            watched = dict(self._watched)
        for name, pid in watched.items():
            try:
                proc = psutil.Process(pid)
                rss = proc.memory_info().rss
                if pid != os.getpid():  # the bench's own children are the servers, counted apart
                    rss += sum(child.memory_info().rss for child in proc.children(recursive=True))
            except psutil.Error:
                continue
            mb = round(rss / 1_048_576, 1)
            with self._lock:
                self.peaks_mb[name] = max(self.peaks_mb.get(name, 0.0), mb)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class Stack:
    """The bench's services; figures start our servers through it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis = PrivateRedis(workdir)
        self.rss = PeakRss()
        self.rss.watch("bench", os.getpid())

    def child_env(self, application_name: str, **overrides: str) -> dict[str, str]:
        # Every bench sender shares 127.0.0.1: with the per-address limit on (a guard against
        # one abusive source, set above a deployment's WxCC peak) the bench would measure the
        # limit, not the receiver's capacity.
        limits = {"WXCC_WEBHOOK_RATE_LIMIT_PER_MIN": "0"}
        return production_env(
            redis_url=self.redis.url,
            application_name=application_name,
            **{**limits, **overrides},
        )

    @contextmanager
    def web(
        self, name: str = "web", app: str = "config.asgi:application", **env: str
    ) -> Iterator[str]:
        """uvicorn serving `app` as the compose file runs it (one process); yields its URL."""
        from tests.fixtures.servers import free_port

        port = free_port()
        args = ["uvicorn", app, "--port", str(port), "--no-access-log", "--log-level", "warning"]
        server = _spawn(name, args, self.child_env(f"bench-{name}", **env), self.workdir)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_http(server, f"{url}/healthz")
            self.rss.watch(name, server.popen.pid)
            yield url
        finally:
            self.rss.unwatch(name)
            server.stop()

    @contextmanager
    def worker(self, concurrency: int | None = None, **env: str) -> Iterator[Process]:
        """A Celery worker (prefork) as the compose file runs it (BENCH_WORKER_CONCURRENCY,
        default 2, as WORKER_CONCURRENCY there)."""
        if concurrency is None:
            concurrency = knob_int("BENCH_WORKER_CONCURRENCY", full=2, quick=2)
        args = ["celery", "-A", "config", "worker", "--loglevel", "INFO"]
        args += ["--concurrency", str(concurrency)]
        worker = _spawn("worker", args, self.child_env("bench-worker", **env), self.workdir)
        try:
            deadline = time.monotonic() + 60
            while " ready." not in worker.log():
                if not worker.alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start:\n{worker.log()[-2000:]}")
                time.sleep(0.1)
            self.rss.watch("worker", worker.popen.pid)
            yield worker
        finally:
            self.rss.unwatch("worker")
            worker.stop()


def _wait_for_http(server: Process, url: str) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while True:
        if not server.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not start:\n{server.log()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)


@contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """A Stack on the database Django is set up with (a test's, in the smoke test)."""
    stack = Stack(workdir)
    stack.redis.start()
    try:
        yield stack
    finally:
        stack.rss.stop()
        stack.redis.stop()


@contextmanager
def bench_stack(workdir: Path) -> Iterator[Stack]:
    """Own database and Redis for the whole run; set up Django on them."""
    import django
    from django.core.management import call_command

    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    url = bench_database_url(base_url)
    _create_database(url)
    with running_stack(workdir) as stack:
        os.environ["DATABASE_URL"] = url
        os.environ["REDIS_URL"] = stack.redis.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
        # One fixed key, so secrets stored by an earlier run still decrypt (bench data only).
        os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", BENCH_ENCRYPTION_KEY)
        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        yield stack
