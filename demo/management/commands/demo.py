"""`manage.py demo`: run every process of the product under one command, on the embedded
default (SQLite and an embedded Redis unless DATABASE_URL / REDIS_URL are set), with the WxCC
simulator standing in for Webex. Ctrl-C stops them all.

Order matters: the simulator starts first, because the demo org is connected to it through
the real OAuth flow and its webhook subscriptions are registered with it; then web, worker
and beat run together under honcho.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from honcho.manager import Manager

from config.embedded_redis import stop_embedded_redis
from oauth.models import Organization
from wallboard.services import demo_board_ensure

DEMO_CLIENT_ID = "wallboard-demo-client"
DEMO_CLIENT_SECRET = "wallboard-demo-secret"  # noqa: S105 - the simulator's documented demo secret
DEMO_ORG_NAME = "Demo Contact Center"


# Where the demo contact center may be: the one where it is closest to late morning now is
# chosen, so whoever runs the demo, whenever, sees a busy floor rather than a night shift.
DEMO_TIMEZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
BUSIEST_LOCAL_HOUR = 11.0


def business_hours_timezone(now: datetime) -> str:
    """The demo zone whose local time is nearest late morning at `now`."""

    def distance(zone: str) -> float:
        local = now.astimezone(ZoneInfo(zone))
        return abs(local.hour + local.minute / 60 - BUSIEST_LOCAL_HOUR)

    return min(DEMO_TIMEZONES, key=distance)


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((host, port)) == 0


class Command(BaseCommand):
    help = "Run web, Celery worker, Celery beat and the WxCC simulator together (Ctrl-C stops all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sim-port", type=int, default=8900)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--speed", type=float, default=1.0)
        parser.add_argument(
            "--timezone",
            default="",
            help="the demo contact center's time zone (default: one where it is daytime now)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        host, port, sim_port = opts["host"], opts["port"], opts["sim_port"]
        web_url = f"http://{host}:{port}"
        sim_url = f"http://127.0.0.1:{sim_port}"
        for name, busy_port in (("--port", port), ("--sim-port", sim_port)):
            if _port_in_use(host if name == "--port" else "127.0.0.1", busy_port):
                raise CommandError(
                    f"port {busy_port} is already in use (another demo still running?); "
                    f"stop it or pick another with {name}"
                )
        env = self._child_env(web_url, sim_url)
        zone = opts["timezone"] or self._demo_timezone()
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            raise CommandError(f"unknown time zone {zone!r}") from None
        python = sys.executable
        simulator = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                python,
                "-m",
                "simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(sim_port),
                "--seed",
                str(opts["seed"]),
                "--speed",
                str(opts["speed"]),
                "--client-id",
                env["WEBEX_CLIENT_ID"],
                "--client-secret",
                env["WEBEX_CLIENT_SECRET"],
                # The demo's receiver is plain http on loopback, which real Webex (and the
                # simulator by default) refuses as a destination.
                "--allow-loopback-destinations",
                # Tokens and subscriptions survive a restart, as at Webex, so a second
                # `make demo` on the same data/ reuses the connection.
                "--state-dir",
                str(settings.DATA_DIR / "simulator"),
                # The center's traffic and shifts follow this zone's business day.
                "--timezone",
                zone,
            ],
            env=env,
        )
        try:
            self._wait_for(f"{sim_url}/_sim/state", simulator)
            manage = [python, "manage.py"]
            subprocess.run([*manage, "setup_demo", "--wait", "20"], env=env, check=True)  # noqa: S603
            org = Organization.objects.get(name=DEMO_ORG_NAME)
            # "Today" on boards and in reports is the center's local day.
            Organization.objects.filter(pk=org.pk).update(timezone=zone)
            org.timezone = zone
            subprocess.run(  # noqa: S603
                [
                    *manage,
                    "register_webhooks",
                    "--org",
                    str(org.pk),
                    "--url",
                    f"{web_url}/webhooks/wxcc/",
                ],
                env=env,
                check=True,
            )
            board, tv_token = demo_board_ensure(org=org)
            manager = Manager()
            manager.add_process(
                "web",
                f"{python} -m uvicorn config.asgi:application --host {host} --port {port}"
                " --no-access-log",
                env=env,
            )
            manager.add_process(
                "worker",
                f"{python} -m celery -A config worker --loglevel INFO --concurrency 2",
                env=env,
            )
            manager.add_process(
                "beat", f"{python} -m celery -A config beat --loglevel INFO", env=env
            )
            self.stdout.write("")
            self.stdout.write(f"Web: {web_url}/")
            self.stdout.write("Sign in: admin / admin (admin), supervisor / supervisor")
            self.stdout.write(f"WxCC simulator: {sim_url}/ (control API under /_sim/)")
            local_now = datetime.now(UTC).astimezone(ZoneInfo(zone))
            self.stdout.write(
                f"Contact center time zone: {zone} (now {local_now:%H:%M} there; "
                "another with --timezone, or a fresh data/ picks one in business hours)"
            )
            self.stdout.write(f"TV board: {web_url}/tv/{board.slug}/?token={tv_token}")
            self.stdout.write(
                f"Supervisor: {web_url}/boards/{board.slug}/ (sign in as supervisor / supervisor)"
            )
            self.stdout.write(
                f"Reports: {web_url}/reports/ (email goes to {web_url}/reports/outbox/)"
            )
            self.stdout.write("")
            manager.loop()
            returncode = manager.returncode
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
            if settings.REDIS_EMBEDDED:
                stop_embedded_redis(settings.DATA_DIR)
        sys.exit(returncode)

    def _demo_timezone(self) -> str:
        """The zone an earlier demo on this data/ chose (so its stored day stays whole), else
        one where it is business hours now."""
        existing = Organization.objects.filter(name=DEMO_ORG_NAME).first()
        if existing is not None and existing.timezone in DEMO_TIMEZONES:
            return existing.timezone
        return business_hours_timezone(datetime.now(UTC))

    def _child_env(self, web_url: str, sim_url: str) -> dict[str, str]:
        """This process's environment plus the demo wiring: the resolved Redis (so every
        child shares the one embedded server), SQLite path, and the simulator as both
        identity provider and WxCC API root."""
        env = {
            **os.environ,
            "DEBUG": "true",
            "REDIS_URL": settings.REDIS_URL,
            "WEBEX_IDENTITY_URL": f"{sim_url}/v1",
            "WXCC_API_URL": sim_url,
            "WEBEX_CLIENT_ID": settings.WEBEX_CLIENT_ID or DEMO_CLIENT_ID,
            "WEBEX_CLIENT_SECRET": settings.WEBEX_CLIENT_SECRET or DEMO_CLIENT_SECRET,
            "PUBLIC_BASE_URL": web_url,
            "PYTHONUNBUFFERED": "1",
        }
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            env["DATABASE_URL"] = f"sqlite:///{settings.DATABASES['default']['NAME']}"
        return env

    def _wait_for(self, url: str, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(f"the simulator exited with code {process.returncode}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.2)
        raise CommandError(f"the simulator did not answer at {url}")
