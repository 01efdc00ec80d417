"""The ingestion -> live push boundary: a typed change, announced after commit, merged per
poll or drained batch, and coalesced per org across workers through Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import WebhookSubscriptionFactory
from tests.wxcc.webhook_helpers import envelope, fresh_signing_keys, now_ms, signed  # noqa: F401
from wxcc import keys
from wxcc.events import accept_delivery
from wxcc.models import Agent, Queue, RawEvent, Source, TaskStatus
from wxcc.observations import Ref, TaskObservation
from wxcc.redis_client import get_redis
from wxcc.services import apply_task_observation
from wxcc.signals import (
    LiveStateChange,
    announce,
    coalesced_notifications,
    live_state_changed,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def announcements() -> Iterator[list[LiveStateChange]]:
    received: list[LiveStateChange] = []
    lock = threading.Lock()

    def receiver(sender: object, change: LiveStateChange, **kwargs: Any) -> None:
        with lock:
            received.append(change)

    live_state_changed.connect(receiver, dispatch_uid="tests.wxcc.test_signals")
    yield received
    live_state_changed.disconnect(dispatch_uid="tests.wxcc.test_signals")


def queued(task_id: str, queue: str, seconds: int, agent: str = "") -> TaskObservation:
    return TaskObservation(
        task_id,
        TaskStatus.QUEUED,
        T0 + timedelta(seconds=seconds),
        queue=Ref(queue),
        agent=Ref(agent) if agent else None,
    )


def pk_of(org: Organization, queue: str) -> int:
    return Queue.objects.get(organization=org, wxcc_id=queue).pk


def forget_window(org_id: int) -> None:
    get_redis().delete(*keys.redis_keys_for_org(org_id))


@pytest.mark.django_db(transaction=True)
def test_each_change_is_announced_once_committed_naming_its_queue(
    announcements: list[LiveStateChange],
) -> None:
    org = OrganizationFactory.create()
    apply_task_observation(org=org, obs=queued("t1", "q-a", 0), source=Source.WEBHOOK)
    apply_task_observation(org=org, obs=queued("t1", "q-a", 0), source=Source.WEBHOOK)
    # The queue's creation and the task's arrival in it; the repeat changed nothing.
    assert announcements
    assert all(change.org_id == org.pk for change in announcements)
    union = LiveStateChange(org.pk)
    for change in announcements:
        union |= change
    assert union == LiveStateChange(org.pk, queue_ids=frozenset({pk_of(org, "q-a")}))


@pytest.mark.django_db(transaction=True)
def test_changes_inside_a_coalesced_block_are_announced_once_per_org_naming_all(
    announcements: list[LiveStateChange],
) -> None:
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    with coalesced_notifications():
        apply_task_observation(org=org, obs=queued("t1", "q-a", 0), source=Source.POLL)
        apply_task_observation(org=org, obs=queued("t2", "q-b", 1, "ag-1"), source=Source.POLL)
        apply_task_observation(org=other, obs=queued("t3", "q-a", 2), source=Source.POLL)
        apply_task_observation(org=org, obs=queued("t4", "q-a", 2), source=Source.POLL)
        assert announcements == []
    agent = Agent.objects.get(organization=org, wxcc_id="ag-1")
    assert sorted(announcements, key=lambda c: c.org_id) == [
        LiveStateChange(
            org.pk,
            queue_ids=frozenset({pk_of(org, "q-a"), pk_of(org, "q-b")}),
            agent_ids=frozenset({agent.pk}),
        ),
        LiveStateChange(other.pk, queue_ids=frozenset({pk_of(other, "q-a")})),
    ]


def test_changes_from_several_workers_within_a_window_go_out_as_the_first_and_one_union(
    announcements: list[LiveStateChange], settings: Any
) -> None:
    # A long window, so that every announcement below surely falls inside it.
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 1500
    org_id, other_org_id = 990_001, 990_002
    for org in (org_id, other_org_id):
        forget_window(org)

    announce(LiveStateChange(org_id, queue_ids=frozenset({1})))
    # The leading edge goes out at once, before any other worker says anything.
    assert announcements == [LiveStateChange(org_id, queue_ids=frozenset({1}))]

    workers = [
        threading.Thread(target=announce, args=(change,))
        for change in (
            LiveStateChange(org_id, queue_ids=frozenset({2})),
            LiveStateChange(org_id, agent_ids=frozenset({7})),
            LiveStateChange(org_id, queue_ids=frozenset({2, 3}), team_ids=frozenset({4})),
            LiveStateChange(other_org_id, queue_ids=frozenset({9})),
        )
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)

    assert announcements[0] == LiveStateChange(org_id, queue_ids=frozenset({1}))
    assert sorted(announcements[1:], key=lambda c: c.org_id) == [
        LiveStateChange(
            org_id,
            queue_ids=frozenset({2, 3}),
            team_ids=frozenset({4}),
            agent_ids=frozenset({7}),
        ),
        LiveStateChange(other_org_id, queue_ids=frozenset({9})),
    ]
    for org in (org_id, other_org_id):
        forget_window(org)


def test_with_no_window_every_change_is_announced_at_once(
    announcements: list[LiveStateChange], settings: Any
) -> None:
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 0
    for n in range(3):
        announce(LiveStateChange(990_003, queue_ids=frozenset({n})))
    assert [c.queue_ids for c in announcements] == [frozenset({n}) for n in range(3)]


SECRET = "s3cr3t-for-tests-that-is-long-enough-32"


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_webhooks_reaches_the_board_as_one_announcement_naming_what_changed(
    announcements: list[LiveStateChange], celery_worker_session: Any
) -> None:
    """Deliveries stored while the worker is busy are applied by one task (the first
    drains the org's others) and announced once, naming every queue and agent."""
    from wxcc.tasks import process_webhook_event

    org = OrganizationFactory.create(webex_org_id="org-burst")
    sub = WebhookSubscriptionFactory.create(
        organization=org, secret=SECRET, event_types=["task:parked", "agent:state_change"]
    )
    t0_ms = now_ms()  # inside the receiver's replay window
    bodies = [
        envelope(sub.wxcc_subscription_id, "task:parked", {"taskId": f"t-{n}", "queueId": q},
                 at_ms=t0_ms + n)
        for n, q in enumerate(["q-1", "q-2", "q-1", "q-3"])
    ] + [
        envelope(sub.wxcc_subscription_id, "agent:state_change",
                 {"agentId": "ag-1", "currentState": "Available"}, at_ms=t0_ms + 10)
    ]  # fmt: skip
    raw_ids = []
    for body in bodies:
        raw, headers = signed(SECRET, body)
        raw_ids.append(accept_delivery(raw, headers).raw_event_id)
    forget_window(org.pk)

    for raw_id in raw_ids:
        process_webhook_event.delay(raw_id)
    deadline = time.monotonic() + 30
    while RawEvent.objects.filter(organization=org, processed_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the worker did not apply the events"
        time.sleep(0.05)

    # The announcement follows the commit that marked the events applied.
    while not [c for c in announcements if c.org_id == org.pk]:
        assert time.monotonic() < deadline, "nothing was announced"
        time.sleep(0.05)
    time.sleep(0.3)  # room for a second announcement, which must not come
    queues = {q.wxcc_id: q.pk for q in Queue.objects.filter(organization=org)}
    agent = Agent.objects.get(organization=org, wxcc_id="ag-1")
    mine = [c for c in announcements if c.org_id == org.pk]
    assert mine == [
        LiveStateChange(
            org.pk,
            queue_ids=frozenset(queues.values()),
            agent_ids=frozenset({agent.pk}),
        )
    ]
    assert set(queues) == {"q-1", "q-2", "q-3"}
    forget_window(org.pk)


def test_while_one_process_sends_the_others_go_on_and_what_they_announced_is_its_next_send(
    settings: Any,
) -> None:
    """Single-flight: a slow send (a board push) does not hold back the workers applying
    events; what they announce meanwhile goes out as one union as soon as it ends."""
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 10
    org_id = 990_004
    forget_window(org_id)
    sending = threading.Event()
    release = threading.Event()
    sent: list[LiveStateChange] = []

    def slow_receiver(sender: object, change: LiveStateChange, **kwargs: Any) -> None:
        if change.org_id != org_id:
            return
        sent.append(change)
        if len(sent) == 1:
            sending.set()
            release.wait(timeout=10)

    live_state_changed.connect(slow_receiver, dispatch_uid="tests.wxcc.slow_receiver")
    try:
        holder = threading.Thread(
            target=announce, args=(LiveStateChange(org_id, queue_ids=frozenset({1})),)
        )
        holder.start()
        assert sending.wait(timeout=10)
        # Each of these returns at once, long before the holder's send ends.
        announce(LiveStateChange(org_id, queue_ids=frozenset({2})))
        announce(LiveStateChange(org_id, agent_ids=frozenset({5})))
        announce(LiveStateChange(org_id, queue_ids=frozenset({3})))
        assert sent == [LiveStateChange(org_id, queue_ids=frozenset({1}))]
        release.set()
        holder.join(timeout=10)
    finally:
        release.set()
        live_state_changed.disconnect(dispatch_uid="tests.wxcc.slow_receiver")
        forget_window(org_id)
    assert sent == [
        LiveStateChange(org_id, queue_ids=frozenset({1})),
        LiveStateChange(org_id, queue_ids=frozenset({2, 3}), agent_ids=frozenset({5})),
    ]
    assert not get_redis().exists(keys.push_in_flight(org_id))


def test_a_send_that_fails_gives_up_the_lease_and_leaves_what_it_held_for_the_next(
    settings: Any,
) -> None:
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 10
    org_id = 990_005
    forget_window(org_id)
    sent: list[LiveStateChange] = []

    def failing_once(sender: object, change: LiveStateChange, **kwargs: Any) -> None:
        if change.org_id != org_id:
            return
        sent.append(change)
        if len(sent) == 1:
            raise RuntimeError("the push broke")

    live_state_changed.connect(failing_once, dispatch_uid="tests.wxcc.failing_once")
    try:
        with pytest.raises(RuntimeError):
            announce(LiveStateChange(org_id, queue_ids=frozenset({1})))
        assert not get_redis().exists(keys.push_in_flight(org_id))
        time.sleep(0.05)  # past the window
        announce(LiveStateChange(org_id, queue_ids=frozenset({2})))
    finally:
        live_state_changed.disconnect(dispatch_uid="tests.wxcc.failing_once")
        forget_window(org_id)
    assert sent == [
        LiveStateChange(org_id, queue_ids=frozenset({1})),
        LiveStateChange(org_id, queue_ids=frozenset({2})),
        LiveStateChange(org_id, queue_ids=frozenset({1})),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_holder_that_has_sent_long_enough_hands_the_rest_to_a_task(
    announcements: list[LiveStateChange], settings: Any, celery_worker_session: Any
) -> None:
    """Under steady traffic no task pushes forever: past WXCC_PUSH_OWNER_MAX_S the holder
    leaves what is pending to `wxcc.send_pending_live_state`, which sends it."""
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 10
    settings.WXCC_PUSH_OWNER_MAX_S = 0.0
    org_id = 990_006
    forget_window(org_id)
    holder_thread = threading.get_ident()
    threads: dict[int, int] = {}
    joined = threading.Event()

    def meanwhile(sender: object, change: LiveStateChange, **kwargs: Any) -> None:
        if change.org_id != org_id:
            return
        threads[len(threads)] = threading.get_ident()
        if len(threads) == 1:
            # Another worker announces while the first send is under way.
            other = threading.Thread(
                target=announce, args=(LiveStateChange(org_id, queue_ids=frozenset({2})),)
            )
            other.start()
            other.join(timeout=10)
            joined.set()

    live_state_changed.connect(meanwhile, dispatch_uid="tests.wxcc.meanwhile")
    try:
        announce(LiveStateChange(org_id, queue_ids=frozenset({1})))
        assert joined.is_set()
        deadline = time.monotonic() + 20
        while len([c for c in announcements if c.org_id == org_id]) < 2:
            assert time.monotonic() < deadline, "the task did not send what was pending"
            time.sleep(0.05)
    finally:
        live_state_changed.disconnect(dispatch_uid="tests.wxcc.meanwhile")
    mine = [c for c in announcements if c.org_id == org_id]
    assert mine == [
        LiveStateChange(org_id, queue_ids=frozenset({1})),
        LiveStateChange(org_id, queue_ids=frozenset({2})),
    ]
    assert threads[0] == holder_thread
    assert threads[1] != holder_thread  # sent by the worker's task, not by the holder
    deadline = time.monotonic() + 5
    while get_redis().exists(keys.push_in_flight(org_id)):
        assert time.monotonic() < deadline, "the task kept the lease"
        time.sleep(0.05)
    forget_window(org_id)
