"""The ingestion -> live push boundary: announced after commit, merged per poll."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from wxcc.models import Queue, Source, TaskStatus
from wxcc.observations import Ref, TaskObservation
from wxcc.services import apply_task_observation
from wxcc.signals import coalesced_notifications, live_state_changed

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def announcements() -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def receiver(sender: object, signal: object, **kwargs: Any) -> None:
        received.append(kwargs)

    live_state_changed.connect(receiver)
    yield received
    live_state_changed.disconnect(receiver)


def queued(task_id: str, queue: str, seconds: int) -> TaskObservation:
    return TaskObservation(
        task_id, TaskStatus.QUEUED, T0 + timedelta(seconds=seconds), queue=Ref(queue)
    )


def pk_of(org: Organization, queue: str) -> int:
    return Queue.objects.get(organization=org, wxcc_id=queue).pk


@pytest.mark.django_db(transaction=True)
def test_each_change_is_announced_once_committed(announcements: list[dict[str, Any]]) -> None:
    org = OrganizationFactory.create()
    apply_task_observation(org, queued("t1", "q-a", 0), Source.WEBHOOK)
    apply_task_observation(org, queued("t1", "q-a", 0), Source.WEBHOOK)  # nothing new
    assert announcements == [
        {"org_id": org.pk, "queue_ids": frozenset({pk_of(org, "q-a")}), "agents_changed": False}
    ]


@pytest.mark.django_db(transaction=True)
def test_changes_inside_a_coalesced_block_are_announced_once_per_org(
    announcements: list[dict[str, Any]],
) -> None:
    org = OrganizationFactory.create()
    with coalesced_notifications():
        apply_task_observation(org, queued("t1", "q-a", 0), Source.POLL)
        apply_task_observation(org, queued("t2", "q-b", 1), Source.POLL)
        apply_task_observation(org, queued("t3", "q-a", 2), Source.POLL)
        assert announcements == []
    assert announcements == [
        {
            "org_id": org.pk,
            "queue_ids": frozenset({pk_of(org, "q-a"), pk_of(org, "q-b")}),
            "agents_changed": False,
        }
    ]
