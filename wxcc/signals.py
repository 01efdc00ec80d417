"""The one boundary between ingestion and live push.

`wxcc` sends `live_state_changed` after a committed change that affects what boards show;
the wallboard app connects a receiver in its AppConfig.ready(). `wxcc` never imports the
wallboard, so dependencies keep pointing one way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# kwargs: org_id (int), queue_ids (frozenset[int] of wxcc.Queue pks), agents_changed (bool)
live_state_changed = Signal()


def notify_live_state_changed(
    org_id: int, queue_ids: Iterable[int | None] = (), *, agents_changed: bool = False
) -> None:
    """Announce a change once the surrounding transaction has committed."""
    queues = frozenset(q for q in queue_ids if q is not None)
    if not queues and not agents_changed:
        return
    transaction.on_commit(
        lambda: live_state_changed.send(
            sender=__name__, org_id=org_id, queue_ids=queues, agents_changed=agents_changed
        )
    )
