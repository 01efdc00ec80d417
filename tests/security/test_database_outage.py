"""While PostgreSQL is unreachable the web answers 503 with a reason, never 500, and serves
again by itself once it is back. The web runs as its own uvicorn process against a
PostgreSQL this test starts and stops on a free port (never the shared one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fixtures.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Postgres:
    """A throwaway PostgreSQL cluster, run as the postgres user when we are root."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.data = Path(tempfile.mkdtemp(prefix="wb-pg-"))
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = " ".join(args)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
            subprocess.run(["su", "postgres", "-c", command], check=True, capture_output=True)
        else:
            subprocess.run(command, shell=True, check=True, capture_output=True)  # noqa: S602

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data / "db"), "-A", "trust", "-U", "postgres"
        )

    def start(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data / "db"),
            "-w",
            "-l",
            str(self.data / "log"),
            "-o",
            f"'-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1'",
            "start",
        )

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data / "db"), "-m", "fast", "-w", "stop")


@contextmanager
def web_process(database_url: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DB_POOL_TIMEOUT_S": "1",
        "DEBUG": "false",
        # Plain HTTP on 127.0.0.1: the CSRF cookie must come back to the sign-in post.
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "web did not start"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(base: str) -> dict[str, httpx.Response]:
    with httpx.Client(base_url=base, timeout=10) as client:
        login_page = client.get("/accounts/login/")
        csrf = client.cookies.get("csrftoken", "")
        return {
            "login page": login_page,
            "sign in": client.post(
                "/accounts/login/",
                data={"username": "someone", "password": "x", "csrfmiddlewaretoken": csrf},
            ),
            "boards (signed-in cookie)": httpx.get(
                f"{base}/boards/", cookies={"sessionid": "a" * 32}, timeout=10
            ),
            "snapshot api": client.get("/api/boards/lobby/snapshot?token=abc"),
            "readyz": client.get("/readyz"),
        }


def _codes(answers: dict[str, httpx.Response]) -> dict[str, int]:
    return {name: response.status_code for name, response in answers.items()}


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL binaries not installed")
def test_the_web_answers_503_with_a_reason_while_postgres_is_down_and_recovers() -> None:
    pg = Postgres(free_port())
    pg.init()
    pg.start()
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": pg.url},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        with web_process(pg.url) as base:
            before = _answers(base)
            pg.stop()
            during = _answers(base)
            pg.start()
            # The connection pool reconnects with back-off: wait for it, no restart.
            deadline = time.monotonic() + 60
            after = _answers(base)
            while _codes(after) != _codes(before) and time.monotonic() < deadline:
                time.sleep(1)
                after = _answers(base)
    finally:
        pg.stop() if (pg.data / "db" / "postmaster.pid").exists() else None
        shutil.rmtree(pg.data, ignore_errors=True)

    assert {k: r.status_code for k, r in before.items()} == {
        "login page": 200,
        "sign in": 400,
        "boards (signed-in cookie)": 302,
        "snapshot api": 401,
        "readyz": 200,
    }
    assert during["login page"].status_code == 200  # needs no database
    for name in ("sign in", "boards (signed-in cookie)", "snapshot api", "readyz"):
        response = during[name]
        assert response.status_code == 503, (name, response.status_code, response.text[:200])
        assert "unavailable" in response.text.lower() or "database" in response.text.lower(), name
    assert during["snapshot api"].json()["error"] == "database unavailable, retry later"
    assert during["sign in"].headers["Retry-After"] == "30"
    assert _codes(after) == _codes(before)
