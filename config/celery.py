"""The Celery app: broker and schedule come from Django settings (CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery

# Celery's worker and beat processes start here before Django does.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("wallboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
