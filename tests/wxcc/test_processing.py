"""Applying stored webhook events: one bad event never blocks the others; it is recorded,
retried a bounded number of times, then given up where an admin can see it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from oauth.models import Organization
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import RawEventFactory
from tests.wxcc.webhook_helpers import envelope
from wxcc import processing, tasks
from wxcc.models import RawEvent, Task, TaskStatus

pytestmark = pytest.mark.django_db
T0_MS = 1_790_000_000_000


def stored_event(org: Organization, event_type: str, data: dict[str, Any], **fields: Any) -> int:
    body = json.dumps(envelope("sub-1", event_type, data, at_ms=T0_MS)).encode()
    raw = RawEventFactory.create(organization=org, event_type=event_type, body=body, **fields)
    # Old enough for the sweeper.
    RawEvent.objects.filter(pk=raw.pk).update(received_at=timezone.now() - timedelta(minutes=2))
    return raw.pk


def parked(
    org: Organization, task_id: str, data: dict[str, Any] | None = None, **fields: Any
) -> int:
    """A stored task:parked event; `data` adds to its data, `fields` set the RawEvent row."""
    body = {"taskId": task_id, "queueId": "q-1", **(data or {})}
    return stored_event(org, "task:parked", body, **fields)


# Values a sender could put in `data`: the receiver's mapping cleans them, so they are stored
# rather than failing (wxcc/webhooks.py bounds and cleans every text and time).
ODD_DATA = {
    "an impossible createdTime": {"createdTime": 1e20},
    "a value too long for its column": {"origin": "+1" * 200},
    "a NUL character": {"destination": "+1800\x00555"},
}


@pytest.mark.parametrize("odd", ODD_DATA.values(), ids=ODD_DATA.keys())
def test_odd_values_in_event_data_are_cleaned_and_applied(odd: dict[str, Any]) -> None:
    org = OrganizationFactory.create()
    raw_id = parked(org, "t-odd", odd)

    assert tasks.process_pending_webhook_events() == 1

    task = Task.objects.get(organization=org, wxcc_id="t-odd")
    assert "\x00" not in task.destination
    assert len(task.origin) <= Task._meta.get_field("origin").max_length  # type: ignore[operator]
    assert RawEvent.objects.get(pk=raw_id).processed_at is not None


@pytest.fixture
def database_refuses_task_t_bad() -> Iterator[None]:
    """A real failure while applying one event: PostgreSQL refuses to store task "t-bad"
    (a trigger), as it would refuse a row that breaks a constraint we did not foresee."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_t_bad() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_t_bad BEFORE INSERT OR UPDATE ON wxcc_task FOR EACH ROW "
            "WHEN (NEW.wxcc_id = 't-bad') EXECUTE FUNCTION refuse_t_bad()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_t_bad ON wxcc_task")
        cursor.execute("DROP FUNCTION refuse_t_bad()")


@pytest.mark.usefixtures("database_refuses_task_t_bad")
def test_an_event_that_cannot_be_applied_is_recorded_and_the_others_are_applied() -> None:
    org = OrganizationFactory.create()
    first = parked(org, "t-good-1")
    broken = parked(org, "t-bad")
    last = parked(org, "t-good-2")

    swept = tasks.process_pending_webhook_events()

    assert swept == 3
    assert set(Task.objects.filter(organization=org).values_list("wxcc_id", flat=True)) == {
        "t-good-1",
        "t-good-2",
    }
    assert RawEvent.objects.filter(pk__in=[first, last], processed_at__isnull=False).count() == 2
    failed = RawEvent.objects.get(pk=broken)
    assert failed.processed_at is None
    assert failed.attempts == 1
    assert failed.failed_at is not None
    assert "refused by test trigger" in failed.error  # the cause, for whoever fixes it
    assert not failed.gave_up


@pytest.mark.usefixtures("database_refuses_task_t_bad")
def test_a_failing_event_is_given_up_after_the_allowed_attempts_and_then_skipped(
    settings: Any,
) -> None:
    settings.WXCC_WEBHOOK_MAX_ATTEMPTS = 3
    org = OrganizationFactory.create()
    broken = parked(org, "t-bad")

    for _ in range(3):
        assert processing.pending_raw_event_ids(timezone.now()) == [broken]
        tasks.process_pending_webhook_events()

    failed = RawEvent.objects.get(pk=broken)
    assert (failed.attempts, failed.gave_up, failed.processed_at) == (3, True, None)
    assert processing.pending_raw_event_ids(timezone.now()) == []
    assert processing.process_raw_event(broken) is False  # given up: nothing to do
    # Other events keep flowing past it.
    good = parked(org, "t-good")
    assert tasks.process_pending_webhook_events() == 1
    assert RawEvent.objects.get(pk=good).processed_at is not None


def test_an_admin_sees_given_up_events_and_can_retry_them(client: Client) -> None:
    org = OrganizationFactory.create()
    broken = parked(org, "t-bad", {"createdTime": 1e20}, attempts=5, gave_up=True)
    parked(org, "t-fine")
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)

    listing = client.get("/admin/wxcc/rawevent/", {"state": "given_up"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert RawEvent.objects.get(pk=broken).event_id in listing.content.decode()
    detail = client.get(f"/admin/wxcc/rawevent/{broken}/change/")
    assert detail.status_code == 200
    assert "t-bad" in detail.content.decode()  # the body, readable

    response = client.post(
        "/admin/wxcc/rawevent/", {"action": "retry", "_selected_action": [broken]}
    )
    assert response.status_code == 302
    retried = RawEvent.objects.get(pk=broken)
    assert (retried.gave_up, retried.attempts) == (False, 0)
    assert broken in processing.pending_raw_event_ids(timezone.now())


def test_one_task_applies_its_event_and_drains_the_orgs_other_new_events() -> None:
    org, other = OrganizationFactory.create(), OrganizationFactory.create()
    mine = [parked(org, f"t-{n}") for n in range(4)]
    failed_before = parked(org, "t-retry-later", attempts=1)
    theirs = parked(other, "t-other")

    assert tasks.process_webhook_event(mine[2]) is True

    assert RawEvent.objects.filter(pk__in=mine, processed_at__isnull=False).count() == 4
    # Retries are the sweeper's, other orgs' events their own tasks'.
    assert RawEvent.objects.get(pk=failed_before).processed_at is None
    assert RawEvent.objects.get(pk=theirs).processed_at is None
    assert tasks.process_webhook_event(mine[0]) is False  # already applied by the drain
    assert Task.objects.filter(organization=org, status=TaskStatus.QUEUED).count() == 4


def test_pruning_drops_old_applied_and_given_up_events_but_keeps_pending_ones(
    settings: Any,
) -> None:
    org = OrganizationFactory.create()
    applied = parked(org, "t-1", processed_at=timezone.now())
    given_up = parked(org, "t-2", gave_up=True)
    pending = parked(org, "t-3")
    old = timezone.now() - timedelta(days=settings.WXCC_RAW_EVENT_RETENTION_DAYS + 1)
    RawEvent.objects.filter(pk__in=[applied, given_up, pending]).update(received_at=old)

    assert processing.prune_raw_events(timezone.now()) == 2
    assert list(RawEvent.objects.values_list("pk", flat=True)) == [pending]
