"""`manage.py demo`: run every process of the product under one command, on the embedded
default (SQLite and an embedded Redis unless DATABASE_URL / REDIS_URL are set), with the WxCC
simulator standing in for Webex. Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from honcho.manager import Manager

from config.embedded_redis import stop_embedded_redis

DEMO_CLIENT_ID = "wallboard-demo-client"
DEMO_CLIENT_SECRET = "wallboard-demo-secret"  # noqa: S105 - the simulator's documented demo secret


class Command(BaseCommand):
    help = "Run web, Celery worker, Celery beat and the WxCC simulator together (Ctrl-C stops all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sim-port", type=int, default=8900)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--speed", type=float, default=1.0)

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        host, port, sim_port = opts["host"], opts["port"], opts["sim_port"]
        sim_url = f"http://127.0.0.1:{sim_port}"
        # Children inherit this process's environment plus the demo wiring: the resolved Redis
        # (so they share the embedded server rather than each starting one) and the simulator
        # as both identity provider and WxCC API root.
        child_env = {
            **os.environ,
            "DEBUG": "true",
            "REDIS_URL": settings.REDIS_URL,
            "WEBEX_IDENTITY_URL": f"{sim_url}/v1",
            "WXCC_API_URL": sim_url,
            "WEBEX_CLIENT_ID": settings.WEBEX_CLIENT_ID or DEMO_CLIENT_ID,
            "WEBEX_CLIENT_SECRET": settings.WEBEX_CLIENT_SECRET or DEMO_CLIENT_SECRET,
            "PUBLIC_BASE_URL": f"http://{host}:{port}",
            "PYTHONUNBUFFERED": "1",
        }
        if "DATABASE_URL" not in child_env:
            child_env["DATABASE_URL"] = f"sqlite:///{settings.DATABASES['default']['NAME']}"
        python = sys.executable
        manager = Manager()
        manager.add_process(
            "simulator",
            f"{python} -m simulator --host 127.0.0.1 --port {sim_port} --seed {opts['seed']}"
            f" --speed {opts['speed']} --client-id {child_env['WEBEX_CLIENT_ID']}"
            f" --client-secret {child_env['WEBEX_CLIENT_SECRET']}",
            env=child_env,
        )
        manager.add_process(
            "web",
            f"{python} -m uvicorn config.asgi:application --host {host} --port {port}"
            " --no-access-log",
            env=child_env,
        )
        manager.add_process(
            "worker",
            f"{python} -m celery -A config worker --loglevel INFO --concurrency 2",
            env=child_env,
        )
        manager.add_process(
            "beat", f"{python} -m celery -A config beat --loglevel INFO", env=child_env
        )
        self.stdout.write(f"Web: http://{host}:{port}/")
        self.stdout.write(f"WxCC simulator: {sim_url}/")
        try:
            manager.loop()
        finally:
            if settings.REDIS_EMBEDDED:
                stop_embedded_redis(settings.DATA_DIR)
        sys.exit(manager.returncode)
