"""Celery edges of the live boards: the beat tick that moves rolling windows and pushes
data-freshness changes for orgs with open board connections."""

from __future__ import annotations

from celery import shared_task

from wallboard import live


@shared_task(name="wallboard.tick", ignore_result=True)
def tick() -> int:
    return live.tick()
