"""The one boundary between ingestion and live push.

`wxcc` sends `live_state_changed` after a committed change that affects what boards show;
the wallboard app connects a receiver in its AppConfig.ready(). `wxcc` never imports the
wallboard, so dependencies keep pointing one way.

A poll applies dozens of observations, each in its own transaction: inside
`coalesced_notifications()` their announcements merge into one per org, sent when the block
ends, so a board is pushed once per poll rather than once per row.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.dispatch import Signal

# kwargs: org_id (int), queue_ids (frozenset[int] of wxcc.Queue pks), agents_changed (bool)
live_state_changed = Signal()


@dataclass
class _Pending:
    queue_ids: set[int] = field(default_factory=set)
    agents_changed: bool = False


_local = threading.local()


def _batch() -> dict[int, _Pending] | None:
    return getattr(_local, "batch", None)


def _send(org_id: int, queue_ids: frozenset[int], agents_changed: bool) -> None:
    batch = _batch()
    if batch is not None:
        pending = batch.setdefault(org_id, _Pending())
        pending.queue_ids |= queue_ids
        pending.agents_changed |= agents_changed
        return
    live_state_changed.send(
        sender=__name__, org_id=org_id, queue_ids=queue_ids, agents_changed=agents_changed
    )


def notify_live_state_changed(
    org_id: int, queue_ids: Iterable[int | None] = (), *, agents_changed: bool = False
) -> None:
    """Announce a change once the surrounding transaction has committed."""
    queues = frozenset(q for q in queue_ids if q is not None)
    if not queues and not agents_changed:
        return
    transaction.on_commit(lambda: _send(org_id, queues, agents_changed))


@contextmanager
def coalesced_notifications() -> Iterator[None]:
    """Merge the announcements of every commit inside the block into one per org, sent at
    its end (also when it ends in an error: what committed did change)."""
    if _batch() is not None:  # nested: the outer block sends
        yield
        return
    batch: dict[int, _Pending] = {}
    _local.batch = batch
    try:
        yield
    finally:
        _local.batch = None
        for org_id, pending in batch.items():
            _send(org_id, frozenset(pending.queue_ids), pending.agents_changed)
