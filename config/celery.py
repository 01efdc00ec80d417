"""The Celery app: broker and schedule come from Django settings (CELERY_* names)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import (
    setup_logging,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_ready,
)

# Celery's worker and beat processes start here before Django does.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("wallboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes every database connection before and after each task, and in
# a prefork child with a connection pool it closes the whole pool: every task then opened a
# new PostgreSQL connection (and a pool thread), which bounded how fast the worker applies
# webhook batches. Instead the fixup recycles the pool only every this many tasks, and each
# task boundary returns connections to the pool, closing broken ones, as Django does at the
# end of a request.
app.conf.CELERY_DB_REUSE_MAX = 500


@setup_logging.connect
def use_the_projects_logging(**kwargs: Any) -> None:
    """The worker and beat log through settings.LOGGING, as the web process does: the same
    format, and the filter that blanks secrets (config.log_redaction). Without a receiver
    here, Celery replaced the root logger's handlers with its own, so nothing the worker
    logged went through the filter. The level is LOG_LEVEL's; celery's --loglevel is not
    used."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_prerun.connect
@task_postrun.connect
def return_database_connections(sender: Any = None, **kwargs: Any) -> None:
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # an eager task runs inside its caller's connection and transaction
    from django.db import close_old_connections

    close_old_connections()


@worker_ready.connect
@worker_process_init.connect
def freeze_once_ready(**kwargs: Any) -> None:
    """What the worker loaded at start-up stays out of the collector's way: in each pool
    process once forked, and in the main process once it is ready (GC_FREEZE_AT_STARTUP)."""
    from django.conf import settings

    from wallboard.metrics.collector import freeze_startup_objects

    if settings.GC_FREEZE_AT_STARTUP:
        freeze_startup_objects()
