"""Applying a hand-off batch of webhook events at once: a constant number of queries per
batch, the same merge rules as one event at a time, exactly once, and one bad event never
blocking the others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import RawEventFactory
from tests.wxcc.test_processing import database_refuses_task_t_bad  # noqa: F401 (a fixture)
from tests.wxcc.webhook_helpers import envelope
from wxcc import processing, tasks
from wxcc.models import (
    AgentSession,
    AgentState,
    AgentStateChange,
    RawEvent,
    Task,
    TaskStatus,
    TaskTransition,
)
from wxcc.signals import LiveStateChange, live_state_changed

pytestmark = pytest.mark.django_db


def _whole_ms(when: datetime) -> datetime:
    """Event times travel as epoch ms."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


@dataclass
class Deliveries:
    """Stored events of one org, received together; `at_s` is each event's time in seconds
    after the batch's base time (inside the replay window, so the event time counts)."""

    org: Organization
    base: datetime = field(default_factory=lambda: _whole_ms(timezone.now() - timedelta(minutes=2)))
    ids: list[int] = field(default_factory=list)

    def add(self, event_type: str, data: dict[str, Any], *, at_s: float) -> int:
        at_ms = int((self.base + timedelta(seconds=at_s)).timestamp() * 1000)
        event_id = f"{self.org.pk}-{len(self.ids)}-{event_type}"
        body = json.dumps(envelope("sub-1", event_type, data, at_ms=at_ms, event_id=event_id))
        raw = RawEventFactory.create(
            organization=self.org, event_type=event_type, event_id=event_id, body=body.encode()
        )
        RawEvent.objects.filter(pk=raw.pk).update(received_at=self.base)
        self.ids.append(raw.pk)
        return raw.pk


def busy_center(org: Organization, events: int) -> Deliveries:
    """`events` deliveries of new tasks, agents' states and tasks moving along, several per
    task, agent and queue."""
    deliveries = Deliveries(org)
    for n in range(events):
        task, agent, queue = f"t-{n // 3}", f"a-{n // 4}", f"q-{n % 3}"
        if n % 2 == 0:
            word = ("task:new", "task:parked", "task:connected")[n % 3]
            deliveries.add(word, {"taskId": task, "queueId": queue}, at_s=n)
        else:
            state = ("Available", "Idle", "Engaged")[n % 3]
            deliveries.add(
                "agent:state_change",
                {"agentId": agent, "teamId": "team-1", "currentState": state},
                at_s=n,
            )
    return deliveries


def queries_to_apply(deliveries: Deliveries) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert processing.process_raw_events(deliveries.ids) == len(deliveries.ids)
    return len(captured)


def test_a_batch_of_50_events_is_applied_in_no_more_queries_than_a_batch_of_5(
    django_assert_max_num_queries: Any,
) -> None:
    small = busy_center(OrganizationFactory.create(), 5)
    large = busy_center(OrganizationFactory.create(), 50)

    queries_for_5 = queries_to_apply(small)
    with django_assert_max_num_queries(queries_for_5):
        assert processing.process_raw_events(large.ids) == 50

    applied = RawEvent.objects.filter(pk__in=large.ids, processed_at__isnull=False, attempts=1)
    assert applied.count() == 50
    assert Task.objects.filter(organization=large.org).count() == 17  # t-0 .. t-16
    assert AgentSession.objects.filter(organization=large.org).count() == 13  # a-0 .. a-12


def per_event(deliveries: Deliveries) -> None:
    for raw_event_id in deliveries.ids:
        assert processing.process_raw_event(raw_event_id)


def task_story(org: Organization) -> list[tuple[str, str, datetime, str, str]]:
    return list(
        TaskTransition.objects.filter(task__organization=org)
        .order_by("task__wxcc_id", "at", "status")
        .values_list("task__wxcc_id", "status", "at", "event_id", "agent_wxcc_id")
    )


def agent_story(org: Organization) -> list[tuple[str, str, datetime, str]]:
    return list(
        AgentStateChange.objects.filter(session__organization=org)
        .order_by("session__agent__wxcc_id", "at", "state")
        .values_list("session__agent__wxcc_id", "state", "at", "event_id")
    )


def live_state(org: Organization) -> list[tuple[Any, ...]]:
    return [
        *Task.objects.filter(organization=org)
        .order_by("wxcc_id")
        .values_list("wxcc_id", "status", "status_at", "queue__wxcc_id", "agent__wxcc_id"),
        *AgentSession.objects.filter(organization=org)
        .order_by("agent__wxcc_id", "login_at")
        .values_list("agent__wxcc_id", "state", "state_since", "state_at", "logout_at"),
    ]


def interleaved_call(org: Organization) -> Deliveries:
    """One call told by task and agent events, received out of event-time order."""
    d = Deliveries(org)
    agent = {"agentId": "a-1", "teamId": "team-1", "taskId": "t-1"}
    d.add("task:connected", {"taskId": "t-1", "queueId": "q-1"}, at_s=9)
    d.add("agent:state_change", {**agent, "currentState": "Engaged"}, at_s=9)
    d.add("task:new", {"taskId": "t-1", "queueId": "q-1"}, at_s=1)
    d.add("agent:login", {"agentId": "a-1", "teamId": "team-1", "currentState": "Idle"}, at_s=0)
    d.add("task:parked", {"taskId": "t-1", "queueId": "q-1"}, at_s=2)
    d.add("agent:state_change", {**agent, "currentState": "Available"}, at_s=3)
    d.add("agent:state_change", {**agent, "currentState": "Ringing"}, at_s=5)
    d.add("task:ended", {"taskId": "t-1", "reason": "hangup"}, at_s=20)
    d.add("agent:state_change", {**agent, "currentState": "Wrapup"}, at_s=20)
    return d


def test_interleaved_task_and_agent_events_are_applied_in_event_time_order() -> None:
    batched = interleaved_call(OrganizationFactory.create())

    assert processing.process_raw_events(batched.ids) == 9

    org, base = batched.org, batched.base
    statuses = [(status, at) for _, status, at, _, _ in task_story(org)]
    assert statuses == [
        (TaskStatus.NEW, base + timedelta(seconds=1)),
        (TaskStatus.QUEUED, base + timedelta(seconds=2)),
        (TaskStatus.OFFERED, base + timedelta(seconds=5)),
        (TaskStatus.CONNECTED, base + timedelta(seconds=9)),
        (TaskStatus.CONNECTED, base + timedelta(seconds=9)),
        (TaskStatus.ENDED, base + timedelta(seconds=20)),
    ]
    states = [(state, at) for _, state, at, _ in agent_story(org)]
    assert states == [
        (AgentState.IDLE, base),
        (AgentState.AVAILABLE, base + timedelta(seconds=3)),
        (AgentState.RESERVED, base + timedelta(seconds=5)),
        (AgentState.CONNECTED, base + timedelta(seconds=9)),
        (AgentState.WRAPUP, base + timedelta(seconds=20)),
    ]
    # Written in the order they were folded: oldest first, whatever the order received.
    written = TaskTransition.objects.filter(task__organization=org).order_by("pk")
    assert [t.at for t in written] == sorted(t.at for t in written)
    changes = AgentStateChange.objects.filter(session__organization=org).order_by("pk")
    assert [c.at for c in changes] == sorted(c.at for c in changes)
    task = Task.objects.get(organization=org, wxcc_id="t-1")
    assert (task.status, task.agent.wxcc_id if task.agent else None) == (TaskStatus.ENDED, "a-1")
    session = AgentSession.objects.get(organization=org)
    assert (session.state, session.state_since) == (AgentState.WRAPUP, base + timedelta(seconds=20))


def test_a_batch_ends_where_applying_its_events_one_by_one_ends() -> None:
    batched = interleaved_call(OrganizationFactory.create())
    one_by_one = interleaved_call(OrganizationFactory.create())

    processing.process_raw_events(batched.ids)
    per_event(one_by_one)

    def same_times(rows: list[tuple[Any, ...]], base: datetime) -> list[tuple[Any, ...]]:
        return [tuple(v - base if isinstance(v, datetime) else v for v in row) for row in rows]

    def without_org(rows: list[tuple[Any, ...]], org: Organization) -> list[tuple[Any, ...]]:
        prefix = f"{org.pk}-"
        return [
            tuple(v.removeprefix(prefix) if isinstance(v, str) else v for v in row) for row in rows
        ]

    for story in (live_state, task_story, agent_story):
        assert without_org(
            same_times(story(batched.org), batched.base),
            batched.org,  # type: ignore[operator]
        ) == without_org(
            same_times(story(one_by_one.org), one_by_one.base),  # type: ignore[operator]
            one_by_one.org,
        )


def test_each_history_row_names_the_event_that_brought_it() -> None:
    d = interleaved_call(OrganizationFactory.create())

    processing.process_raw_events(d.ids)

    event_ids = set(RawEvent.objects.filter(pk__in=d.ids).values_list("event_id", flat=True))
    recorded = [row[3] for row in task_story(d.org)] + [row[3] for row in agent_story(d.org)]
    assert len(recorded) == 11
    assert set(recorded) <= event_ids
    assert len(set(recorded)) == 9  # every event, each on its own rows


@pytest.mark.usefixtures("database_refuses_task_t_bad")
def test_a_batch_with_one_poisoned_event_applies_the_others_and_records_the_error() -> None:
    d = Deliveries(OrganizationFactory.create())
    first = d.add("task:parked", {"taskId": "t-good-1", "queueId": "q-1"}, at_s=1)
    broken = d.add("task:parked", {"taskId": "t-bad", "queueId": "q-1"}, at_s=2)
    agent = d.add("agent:login", {"agentId": "a-1", "currentState": "Available"}, at_s=3)
    last = d.add("task:parked", {"taskId": "t-good-2", "queueId": "q-1"}, at_s=4)

    assert tasks.process_webhook_events(d.ids) == 4

    assert set(Task.objects.filter(organization=d.org).values_list("wxcc_id", flat=True)) == {
        "t-good-1",
        "t-good-2",
    }
    assert AgentSession.objects.filter(organization=d.org, state=AgentState.AVAILABLE).exists()
    good = RawEvent.objects.filter(pk__in=[first, agent, last])
    assert sorted(good.values_list("attempts", "error")) == [(1, ""), (1, ""), (1, "")]
    assert good.filter(processed_at__isnull=False).count() == 3
    failed = RawEvent.objects.get(pk=broken)
    assert (failed.processed_at, failed.attempts, failed.gave_up) == (None, 1, False)
    assert "refused by test trigger" in failed.error
    assert failed.failed_at is not None
    assert processing.pending_raw_event_ids(timezone.now()) == [broken]  # the sweeper's


def test_an_unmappable_event_in_a_batch_is_recorded_without_failing_the_batch() -> None:
    d = Deliveries(OrganizationFactory.create())
    good = d.add("task:parked", {"taskId": "t-1", "queueId": "q-1"}, at_s=1)
    unmappable = d.add("task:parked", {"queueId": "q-1"}, at_s=2)  # no taskId

    assert processing.process_raw_events(d.ids) == 2

    rows = {r.pk: r for r in RawEvent.objects.filter(pk__in=d.ids)}
    assert rows[good].processed_at is not None
    assert rows[good].error == ""
    assert rows[unmappable].processed_at is not None
    assert "without data.taskId" in rows[unmappable].error
    assert Task.objects.filter(organization=d.org).count() == 1


def test_a_redelivered_batch_applies_nothing_twice() -> None:
    d = busy_center(OrganizationFactory.create(), 12)
    assert tasks.process_webhook_events(d.ids) == 12
    transitions = TaskTransition.objects.filter(task__organization=d.org).count()
    changes = AgentStateChange.objects.filter(session__organization=d.org).count()
    state = live_state(d.org)

    assert tasks.process_webhook_events(d.ids) == 0
    late = d.add("task:ended", {"taskId": "t-0"}, at_s=30)
    assert tasks.process_webhook_events([*d.ids[:12], late]) == 1

    assert TaskTransition.objects.filter(task__organization=d.org).count() == transitions + 1
    assert AgentStateChange.objects.filter(session__organization=d.org).count() == changes
    assert (
        list(RawEvent.objects.filter(pk__in=d.ids).values_list("attempts", flat=True)) == [1] * 13
    )
    assert live_state(d.org) != state
    assert Task.objects.get(organization=d.org, wxcc_id="t-0").status == TaskStatus.ENDED


def test_events_of_several_orgs_in_one_batch_each_reach_their_own_org() -> None:
    orgs = [OrganizationFactory.create() for _ in range(3)]
    batches = [Deliveries(org) for org in orgs]
    for n, d in enumerate(batches):
        d.add("task:parked", {"taskId": "t-1", "queueId": f"q-{n}"}, at_s=1)
        d.add("agent:login", {"agentId": "a-1", "currentState": "Available"}, at_s=1)
    mixed = [raw_id for pair in zip(*(d.ids for d in batches), strict=True) for raw_id in pair]

    assert processing.process_raw_events(mixed) == 6

    for n, org in enumerate(orgs):
        task = Task.objects.get(organization=org, wxcc_id="t-1")
        assert task.queue is not None
        assert task.queue.wxcc_id == f"q-{n}"
        assert AgentSession.objects.filter(organization=org).count() == 1


@pytest.fixture
def announcements(settings: Any) -> Iterator[list[LiveStateChange]]:
    settings.WXCC_PUSH_COALESCE_WINDOW_MS = 0  # straight to the signal
    seen: list[LiveStateChange] = []

    def receive(sender: object, change: LiveStateChange, **kwargs: object) -> None:
        seen.append(change)

    live_state_changed.connect(receive, dispatch_uid="test_batch_apply")
    yield seen
    live_state_changed.disconnect(dispatch_uid="test_batch_apply")


@pytest.mark.django_db(transaction=True)
def test_a_batch_announces_one_live_state_change_per_org(
    announcements: list[LiveStateChange],
) -> None:
    orgs = [OrganizationFactory.create() for _ in range(2)]
    ids: list[int] = []
    for org in orgs:
        d = busy_center(org, 10)
        ids += d.ids

    assert tasks.process_webhook_events(ids) == 20

    ours = [c for c in announcements if c.org_id in {o.pk for o in orgs}]
    assert sorted(c.org_id for c in ours) == sorted(o.pk for o in orgs)
    for change in ours:
        assert len(change.queue_ids) == 3  # q-0 .. q-2
        assert len(change.agent_ids) >= 3  # a-0 .. a-2 at least


def test_a_batch_also_applies_what_later_hand_offs_of_its_org_brought_and_they_find_it_done() -> (
    None
):
    """Behind a backlog one task applies what many hand-offs brought, as one batch."""
    d, other = Deliveries(OrganizationFactory.create()), Deliveries(OrganizationFactory.create())
    first = d.add("task:parked", {"taskId": "t-1", "queueId": "q-1"}, at_s=1)
    later = [d.add("task:parked", {"taskId": f"t-{n}", "queueId": "q-1"}, at_s=n) for n in (2, 3)]
    elsewhere = other.add("task:parked", {"taskId": "t-1", "queueId": "q-1"}, at_s=1)

    assert tasks.process_webhook_events([first]) == 3

    assert sorted(Task.objects.filter(organization=d.org).values_list("wxcc_id", flat=True)) == [
        "t-1",
        "t-2",
        "t-3",
    ]
    assert tasks.process_webhook_events(later) == 0
    # Another org's waiting events are its own hand-off's work.
    assert RawEvent.objects.get(pk=elsewhere).processed_at is None
    assert tasks.process_webhook_events([elsewhere]) == 1
