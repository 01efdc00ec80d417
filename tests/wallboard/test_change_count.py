"""A stored snapshot is taken as current only if it reflects every change the org has had:
changes that no push brought into it (nobody listened, the org's lock was busy, a push
failed after counting) make the next read rebuild it from the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.wallboard.supervisor_floor import Floor, add_task, build_floor
from wallboard import keys, presence, snapshots
from wallboard.live import current_snapshot, on_live_state_changed, push_change
from wallboard.redis_client import get_redis
from wallboard.specs import MetricsProfile
from wallboard.supervisor.push import org_profile
from wxcc.models import TaskStatus
from wxcc.signals import LiveStateChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor() -> Floor:
    return build_floor(agents=4, now=timezone.now())


def _waiting(floor: Floor, profile: MetricsProfile, now: datetime) -> int:
    snapshot = current_snapshot(floor.org.pk, profile, now=now)
    return snapshot.queue(str(floor.queues[0].pk)).contacts_waiting


def _a_contact_arrives(floor: Floor) -> LiveStateChange:
    add_task(
        floor, queue=floor.queues[0], now=timezone.now(), status=TaskStatus.QUEUED, arrived_s_ago=3
    )
    return LiveStateChange.of(floor.org.pk, queue_ids=[floor.queues[0].pk])


def test_a_change_pushed_while_nobody_listens_is_in_the_next_read(floor: Floor) -> None:
    profile = org_profile(floor.org.pk)
    before = _waiting(floor, profile, timezone.now())

    push_change(_a_contact_arrives(floor))

    assert _waiting(floor, profile, timezone.now()) == before + 1


def test_a_change_whose_push_found_the_org_busy_is_in_the_next_read(
    floor: Floor, settings: Any
) -> None:
    settings.WALLBOARD_LOCK_WAIT_S = 0.05
    # A supervisor page listens, so the push needs the org's lock.
    presence.touch(floor.org.pk, presence.Connection(presence.SUPERVISOR, None, "test-channel"))
    profile = org_profile(floor.org.pk)
    before = _waiting(floor, profile, timezone.now())
    held = get_redis().lock(keys.org_lock(floor.org.pk), timeout=30)
    assert held.acquire()
    try:
        # The receiver gives up on the lock (logged) and only counts the change.
        on_live_state_changed(sender=None, change=_a_contact_arrives(floor))
    finally:
        held.release()

    assert _waiting(floor, profile, timezone.now()) == before + 1


def test_a_snapshot_stored_before_a_counted_change_reads_as_missing(floor: Floor) -> None:
    profile = org_profile(floor.org.pk)
    current_snapshot(floor.org.pk, profile, now=timezone.now())
    assert profile in snapshots.load(floor.org.pk, [profile])[0]

    snapshots.count_change(floor.org.pk)

    assert snapshots.load(floor.org.pk, [profile])[0] == {}


def test_a_push_counts_its_change_and_stores_what_it_brought_up_to_date(floor: Floor) -> None:
    """A push brings in the snapshot that reflected every change before its own (`load`
    counting the change), and stores it with the new count: the next read takes it as is."""
    profile = org_profile(floor.org.pk)
    current_snapshot(floor.org.pk, profile, now=timezone.now())
    _, count_before = snapshots.load(floor.org.pk, [profile])

    stored, count = snapshots.load(floor.org.pk, [profile], counting_a_change=True)
    assert count == count_before + 1
    assert profile in stored
    snapshots.store(floor.org.pk, stored, count=count)

    assert profile in snapshots.load(floor.org.pk, [profile])[0]
