"""The webhook receiver: verified, stored before acknowledged, idempotent, never a 500."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client, override_settings

from oauth.models import Organization
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
)
from wxcc.events import accept_delivery
from wxcc.models import (
    AgentSession,
    AgentState,
    RawEvent,
    RejectionReason,
    Task,
    TaskStatus,
    WebhookRejection,
    WebhookSubscription,
)
from wxcc.processing import process_raw_event

SECRET = "s3cr3t-for-tests-that-is-long-enough-32"
URL = "/webhooks/wxcc/"


@pytest.fixture
def subscription(db: None) -> WebhookSubscription:
    org = Organization.objects.create(name="Acme Care", webex_org_id="org-uuid-1")
    return WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-task-1",
        name="wallboard tasks",
        event_types=["task:new", "task:ended"],
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
        resource_version="task:1.0.0",
    )


def post(
    client: Client, body: bytes, headers: dict[str, str], content_type: str = "application/json"
) -> Any:
    return client.generic("POST", URL, data=body, content_type=content_type, headers=headers)


def task_event(sub: WebhookSubscription, event_type: str, at_ms: int, **data: Any) -> dict:
    return envelope(
        sub.wxcc_subscription_id,
        event_type,
        {"taskId": "task-1", "channelType": "telephony", "queueId": "q-1", **data},
        at_ms=at_ms,
        org_id="org-uuid-1",
    )


def rejections(reason: RejectionReason) -> list[WebhookRejection]:
    return list(WebhookRejection.objects.filter(reason=reason))


def test_a_signed_event_is_stored_and_acknowledged(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    response = post(client, body, headers)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    raw = RawEvent.objects.get()
    assert bytes(raw.body) == body
    assert raw.event_type == "task:new"
    assert raw.processed_at is None
    assert not WebhookRejection.objects.exists()


def test_a_bad_signature_is_answered_200_dropped_and_counted_for_the_subscription(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, _ = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    _, wrong = signed("another-secret-entirely-0123456789", task_event(subscription, "x", 1))
    response = post(client, body, wrong)
    assert response.status_code == 200
    assert response.json() == {"status": "dropped", "reason": "missing or invalid signature"}
    assert not RawEvent.objects.exists()
    [counted] = rejections(RejectionReason.BAD_SIGNATURE)
    assert counted.organization_id == subscription.organization_id
    assert counted.wxcc_subscription_id == "sub-task-1"
    assert (counted.count, counted.status_code) == (1, 200)


def test_a_missing_signature_is_dropped_like_a_bad_one(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, _ = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    response = post(client, body, {})
    assert response.json()["status"] == "dropped"
    assert not RawEvent.objects.exists()


def test_a_signature_header_with_non_ascii_characters_is_dropped_not_a_500(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, _ = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    response = post(client, body, {"X-WebexCC-Signature": "é" * 64})
    assert response.status_code == 200
    assert response.json()["status"] == "dropped"


def test_a_subscription_without_a_secret_verifies_nothing(
    client: Client, subscription: WebhookSubscription
) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret="")
    body, headers = signed("", task_event(subscription, "task:new", now_ms()))
    assert post(client, body, headers).json()["status"] == "dropped"
    assert not RawEvent.objects.exists()


def test_an_unknown_subscription_answers_like_a_bad_signature_and_its_id_is_not_kept(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:new", now_ms())
    payload["source"] = "/com/cisco/wxcc/made-up-by-a-prober"
    body, headers = signed(SECRET, payload)
    response = post(client, body, headers)
    assert response.json() == {"status": "dropped", "reason": "missing or invalid signature"}
    [counted] = rejections(RejectionReason.UNKNOWN_SUBSCRIPTION)
    assert counted.wxcc_subscription_id == ""
    assert counted.organization_id is None


def test_a_body_signed_by_one_subscription_but_sourced_from_another_is_dropped(
    client: Client, subscription: WebhookSubscription
) -> None:
    other = WebhookSubscription.objects.create(
        organization=subscription.organization,
        wxcc_subscription_id="sub-agent-1",
        name="agents",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret="the-agent-subscriptions-own-secret-0123",
    )
    payload = task_event(subscription, "task:new", now_ms(), note="/com/cisco/wxcc/sub-agent-1")
    body, headers = signed(other.secret, payload)
    response = post(client, body, headers)
    assert response.json()["status"] == "dropped"
    assert "does not name the subscription that signed it" in response.json()["reason"]
    assert not RawEvent.objects.exists()


def test_an_event_of_another_org_is_dropped_and_counted(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:new", now_ms())
    payload["comciscoorgid"] = "some-other-org"
    body, headers = signed(SECRET, payload)
    assert post(client, body, headers).json()["status"] == "dropped"
    assert len(rejections(RejectionReason.ORG_MISMATCH)) == 1
    assert not RawEvent.objects.exists()


def test_the_org_id_is_compared_without_regard_to_case(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:new", now_ms())
    payload["comciscoorgid"] = "ORG-UUID-1"
    body, headers = signed(SECRET, payload)
    assert post(client, body, headers).status_code == 202


def test_malformed_json_without_a_subscription_source_gets_400_with_a_reason(
    client: Client, subscription: WebhookSubscription
) -> None:
    response = post(client, b'{"id": "x", "type": ', {"X-WebexCC-Signature": "00"})
    assert response.status_code == 400
    assert response.json() == {"error": "body names no /com/cisco/wxcc/<subscriptionId> source"}
    [counted] = rejections(RejectionReason.MALFORMED)
    assert counted.organization_id is None


def test_an_envelope_without_its_fields_gets_400_naming_them(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, {"id": "e-1", "data": {"x": "/com/cisco/wxcc/sub-task-1"}})
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["error"] == "missing envelope field(s): type, source"
    [counted] = rejections(RejectionReason.MALFORMED)
    assert counted.organization_id == subscription.organization_id


def test_the_wrong_content_type_gets_415(client: Client, subscription: WebhookSubscription) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    response = post(client, body, headers, content_type="text/plain")
    assert response.status_code == 415
    assert not RawEvent.objects.exists()
    assert len(rejections(RejectionReason.UNSUPPORTED_MEDIA_TYPE)) == 1


@override_settings(WXCC_WEBHOOK_MAX_BODY_BYTES=2048)
def test_a_huge_body_gets_413(client: Client, subscription: WebhookSubscription) -> None:
    body, headers = signed(
        SECRET, task_event(subscription, "task:new", now_ms(), origin="x" * 10_000)
    )
    response = post(client, body, headers)
    assert response.status_code == 413
    assert not RawEvent.objects.exists()


def test_a_get_is_not_allowed(client: Client, subscription: WebhookSubscription) -> None:
    assert client.get(URL).status_code == 405


def test_a_redelivered_event_is_acknowledged_once_and_stored_once(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:new", now_ms(), event_id="evt-1")
    body, headers = signed(SECRET, payload)
    first = post(client, body, headers)
    again = post(client, body, headers)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert RawEvent.objects.count() == 1


def test_a_v1_delivery_without_a_timestamp_is_accepted_and_dated_on_receipt(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:parked", now_ms())
    del payload["comciscotimestamp"]
    body, headers = signed(SECRET, payload)
    assert post(client, body, headers).status_code == 202
    raw = RawEvent.objects.get()
    assert raw.event_time is None
    process_raw_event(raw.pk)
    assert Task.objects.get().status_at == RawEvent.objects.get().received_at


def test_processing_an_event_twice_applies_it_once(subscription: WebhookSubscription) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:parked", now_ms()))
    accepted = accept_delivery(body, headers)
    assert process_raw_event(accepted.raw_event_id) is True
    assert process_raw_event(accepted.raw_event_id) is False
    task = Task.objects.get()
    assert task.status == TaskStatus.QUEUED
    assert task.transitions.count() == 1


def test_task_ended_arriving_before_task_connected_leaves_the_task_ended(
    client: Client, subscription: WebhookSubscription
) -> None:
    t0 = now_ms() - 120_000
    for event_type, at in [
        ("task:new", t0),
        ("task:ended", t0 + 90_000),
        ("task:parked", t0 + 5_000),
        ("task:connected", t0 + 20_000),
    ]:
        body, headers = signed(SECRET, task_event(subscription, event_type, at))
        assert post(client, body, headers).status_code == 202
    for raw in RawEvent.objects.order_by("pk"):
        process_raw_event(raw.pk)
    task = Task.objects.get()
    assert task.status == TaskStatus.ENDED
    assert task.ended_at is not None
    assert task.ended_at.timestamp() * 1000 == t0 + 90_000
    assert task.connected_at is not None
    assert task.connected_at.timestamp() * 1000 == t0 + 20_000
    assert task.queued_at is not None
    assert task.queued_at.timestamp() * 1000 == t0 + 5_000
    assert task.queue is not None
    assert task.queue.wxcc_id == "q-1"
    assert [t.status for t in task.transitions.all()] == [
        TaskStatus.NEW,
        TaskStatus.QUEUED,
        TaskStatus.CONNECTED,
        TaskStatus.ENDED,
    ]


def test_agent_events_open_a_session_track_state_and_close_it(
    subscription: WebhookSubscription,
) -> None:
    sub = subscription
    t0 = now_ms() - 240_000
    events = [
        ("agent:login", t0, {"currentState": "Idle"}),
        ("agent:state_change", t0 + 60_000, {"currentState": "Available"}),
        ("agent:state_change", t0 + 90_000, {"currentState": "Engaged", "taskId": "task-9"}),
        ("agent:logout", t0 + 200_000, {}),
    ]
    for event_type, at, data in events:
        payload = envelope(
            sub.wxcc_subscription_id,
            event_type,
            {"agentId": "agent-7", "teamId": "team-2", **data},
            at_ms=at,
        )
        body, headers = signed(SECRET, payload)
        accepted = accept_delivery(body, headers)
        process_raw_event(accepted.raw_event_id)
    session = AgentSession.objects.get()
    assert session.state == AgentState.LOGGED_OUT
    assert session.login_at.timestamp() * 1000 == t0
    assert session.logout_at is not None
    assert session.logout_at.timestamp() * 1000 == t0 + 200_000
    assert [c.state for c in session.changes.all()] == [
        AgentState.IDLE,
        AgentState.AVAILABLE,
        AgentState.CONNECTED,
        AgentState.LOGGED_OUT,
    ]
    engaged_task = Task.objects.get(wxcc_id="task-9")
    assert engaged_task.agent is not None
    assert engaged_task.agent.wxcc_id == "agent-7"
    assert engaged_task.status == TaskStatus.CONNECTED


def test_a_secret_changed_in_another_process_is_picked_up_at_once(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", now_ms()))
    assert post(client, body, headers).status_code == 202  # the old secret is now cached
    new_secret = "a-rotated-secret-that-is-long-enough-0001"
    # A queryset update sends no signal, as a change made by another process would not.
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret=new_secret)
    body, headers = signed(new_secret, task_event(subscription, "task:parked", now_ms()))
    assert post(client, body, headers).status_code == 202


@pytest.mark.django_db(transaction=True)
def test_an_accepted_event_reaches_live_state_through_a_real_celery_worker(
    client: Client, celery_worker_session: Any
) -> None:
    org = Organization.objects.create(name="Acme Care", webex_org_id="org-uuid-1")
    sub = WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-task-1",
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )
    body, headers = signed(SECRET, task_event(sub, "task:parked", now_ms()))
    assert post(client, body, headers).status_code == 202
    deadline = time.monotonic() + 20
    while not RawEvent.objects.filter(processed_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker never processed the event"
        time.sleep(0.05)
    assert Task.objects.get(wxcc_id="task-1").status == TaskStatus.QUEUED
