"""What a Celery worker or beat logs goes through the same secret filter as the web process:
Celery's own logging set-up (`app.log.setup`, as `celery worker` runs it) is replaced by
settings.LOGGING (config.celery.use_the_projects_logging)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.log_redaction import REDACTED

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter, set up as `celery -A config worker --loglevel INFO` sets itself up.
WORKER_LOGS = """
import logging
import django
django.setup()
from config.celery import app
app.log.setup(loglevel="INFO", redirect_stdouts=False)
logging.getLogger("wxcc.tasks").warning(
    "event=refresh_failed url=/tv/lobby/?token=tv-s3cret header=Bearer oauth-s3cret"
)
logging.getLogger("celery.app.trace").info("Task wxcc.poll succeeded")
"""


def test_what_the_worker_logs_has_its_secrets_blanked() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, "-c", WORKER_LOGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    logged = done.stdout + done.stderr
    assert "event=refresh_failed" in logged
    assert "tv-s3cret" not in logged
    assert "oauth-s3cret" not in logged
    assert f"token={REDACTED}" in logged
    # The project's format, on Celery's own loggers too.
    assert "level=INFO logger=celery.app.trace Task wxcc.poll succeeded" in logged
