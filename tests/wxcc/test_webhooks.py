"""The webhook receiver: verified, stored before acknowledged, idempotent, never a 500."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client, override_settings

from oauth.models import Organization
from tests.wxcc.webhook_helpers import envelope, signed
from wxcc.events import process_raw_event
from wxcc.models import AgentSession, AgentState, RawEvent, Task, TaskStatus, WebhookSubscription

SECRET = "s3cr3t-for-tests-that-is-long-enough-32"
URL = "/webhooks/wxcc/"
T0 = 1_790_000_000_000  # epoch ms


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


def test_a_signed_event_is_stored_and_acknowledged(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", T0))
    response = post(client, body, headers)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    raw = RawEvent.objects.get()
    assert bytes(raw.body) == body
    assert raw.event_type == "task:new"
    assert raw.processed_at is None


def test_a_bad_signature_is_refused_with_401_and_nothing_is_stored(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, _ = signed(SECRET, task_event(subscription, "task:new", T0))
    _, wrong = signed("another-secret-entirely-0123456789", task_event(subscription, "x", T0))
    response = post(client, body, wrong)
    assert response.status_code == 401
    assert response.json() == {"error": "missing or invalid signature"}
    assert not RawEvent.objects.exists()


def test_a_missing_signature_is_refused_with_401(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, _ = signed(SECRET, task_event(subscription, "task:new", T0))
    assert post(client, body, {}).status_code == 401


def test_an_unknown_subscription_is_refused_like_a_bad_signature(
    client: Client, subscription: WebhookSubscription
) -> None:
    payload = task_event(subscription, "task:new", T0)
    payload["source"] = "/com/cisco/wxcc/not-ours"
    body, headers = signed(SECRET, payload)
    assert post(client, body, headers).status_code == 401


def test_malformed_json_gets_400_with_a_reason(
    client: Client, subscription: WebhookSubscription
) -> None:
    body = b'{"id": "x", "type": '
    response = post(client, body, {"X-WebexCC-Signature": "00"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("body is not valid JSON")


def test_an_envelope_without_its_fields_gets_400_naming_them(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, {"id": "e-1", "data": {}})
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["error"] == "missing envelope field(s): type, source"


def test_the_wrong_content_type_gets_415(client: Client, subscription: WebhookSubscription) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", T0))
    response = post(client, body, headers, content_type="text/plain")
    assert response.status_code == 415
    assert not RawEvent.objects.exists()


@override_settings(WXCC_WEBHOOK_MAX_BODY_BYTES=2048)
def test_a_huge_body_gets_413(client: Client, subscription: WebhookSubscription) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", T0, origin="x" * 10_000))
    response = post(client, body, headers)
    assert response.status_code == 413
    assert not RawEvent.objects.exists()


def test_a_get_is_not_allowed(client: Client, subscription: WebhookSubscription) -> None:
    assert client.get(URL).status_code == 405


def test_a_redelivered_event_is_acknowledged_once_and_stored_once(
    client: Client, subscription: WebhookSubscription
) -> None:
    body, headers = signed(SECRET, task_event(subscription, "task:new", T0, event_id="evt-1"))
    first = post(client, body, headers)
    again = post(client, body, headers)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert RawEvent.objects.count() == 1


def test_processing_an_event_twice_applies_it_once(subscription: WebhookSubscription) -> None:
    from wxcc.events import accept_delivery

    body, headers = signed(SECRET, task_event(subscription, "task:parked", T0))
    accepted = accept_delivery(body, headers)
    assert process_raw_event(accepted.raw_event_id) is True
    assert process_raw_event(accepted.raw_event_id) is False
    task = Task.objects.get()
    assert task.status == TaskStatus.QUEUED
    assert task.transitions.count() == 1


def test_task_ended_arriving_before_task_connected_leaves_the_task_ended(
    client: Client, subscription: WebhookSubscription
) -> None:
    for event_type, at in [
        ("task:new", T0),
        ("task:ended", T0 + 90_000),
        ("task:parked", T0 + 5_000),
        ("task:connected", T0 + 20_000),
    ]:
        body, headers = signed(SECRET, task_event(subscription, event_type, at))
        assert post(client, body, headers).status_code == 202
    for raw in RawEvent.objects.order_by("pk"):
        process_raw_event(raw.pk)
    task = Task.objects.get()
    assert task.status == TaskStatus.ENDED
    assert task.ended_at is not None
    assert task.ended_at.timestamp() * 1000 == T0 + 90_000
    assert task.connected_at is not None
    assert task.connected_at.timestamp() * 1000 == T0 + 20_000
    assert task.queued_at is not None
    assert task.queued_at.timestamp() * 1000 == T0 + 5_000
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
    from wxcc.events import accept_delivery

    sub = subscription
    events = [
        ("agent:login", T0, {"currentState": "Idle"}),
        ("agent:state_change", T0 + 60_000, {"currentState": "Available"}),
        ("agent:state_change", T0 + 90_000, {"currentState": "Engaged", "taskId": "task-9"}),
        ("agent:logout", T0 + 600_000, {}),
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
    assert session.login_at.timestamp() * 1000 == T0
    assert session.logout_at is not None
    assert session.logout_at.timestamp() * 1000 == T0 + 600_000
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
    body, headers = signed(SECRET, task_event(sub, "task:parked", T0))
    assert post(client, body, headers).status_code == 202
    deadline = time.monotonic() + 20
    while not RawEvent.objects.filter(processed_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker never processed the event"
        time.sleep(0.05)
    assert Task.objects.get(wxcc_id="task-1").status == TaskStatus.QUEUED
