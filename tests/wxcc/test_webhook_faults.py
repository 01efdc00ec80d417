"""Faults found in the first receiver, each kept as a test: bodies that made it answer 500
before any signature was checked, signed values that did not fit the columns, and event
times far from now that pinned a task's state (docs/wxcc-contract.md §1.4-§1.7).

These tests speak only HTTP and the stored rows, so they say the same of any receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from oauth.models import Organization
from tests.wxcc.webhook_helpers import (
    envelope,
    fresh_signing_keys,  # noqa: F401 - autouse fixture
    now_ms,
    signed,
    signed_bytes,
)
from wxcc.models import RawEvent, Task, TaskStatus, WebhookSubscription
from wxcc.processing import process_raw_event

SECRET = "s3cr3t-for-fault-tests-long-enough-0042"
URL = "/webhooks/wxcc/"
SOURCE = "/com/cisco/wxcc/sub-faults"
YEAR_2100_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)
YEAR_10000_MS = 253_402_300_800_000


@pytest.fixture
def subscription(db: None) -> WebhookSubscription:
    org = Organization.objects.create(name="Faulty Care", webex_org_id="org-faults")
    return WebhookSubscription.objects.create(
        organization=org,
        wxcc_subscription_id="sub-faults",
        name="tasks",
        destination_url="https://wallboard.example.com/webhooks/wxcc/",
        secret=SECRET,
    )


@pytest.fixture
def http() -> Client:
    """A client that returns a 500 as a response (as WxCC would see it) instead of raising."""
    return Client(raise_request_exception=False)


def post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.generic("POST", URL, data=body, content_type="application/json", headers=headers)


def task_payload(event_type: str, at_ms: int | None, **data: Any) -> dict[str, Any]:
    return envelope(
        "sub-faults", event_type, {"taskId": "task-f", "queueId": "q-1", **data}, at_ms=at_ms
    )


def raw_envelope(
    *, event_id: str = '"e-1"', event_type: str = '"task:new"', extra: str = ""
) -> bytes:
    """An envelope written by hand, for values json.dumps would never produce."""
    return (
        f'{{"id": {event_id}, "type": {event_type}, "source": "{SOURCE}", '
        f'"data": {{"taskId": "t-1"}}{extra}}}'
    ).encode()


NESTED = b'{"source": "' + SOURCE.encode() + b'", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def test_deeply_nested_json_naming_no_subscription_gets_400_not_500(
    http: Client, subscription: WebhookSubscription
) -> None:
    response = post(http, b"[" * 100_000 + b"]" * 100_000, {"X-WebexCC-Signature": "00"})
    assert response.status_code == 400
    assert response.json()["error"]


def test_deeply_nested_json_without_a_valid_signature_is_dropped_not_500(
    http: Client, subscription: WebhookSubscription
) -> None:
    response = post(http, NESTED, {"X-WebexCC-Signature": "00"})
    assert response.status_code == 200
    assert response.json()["status"] == "dropped"
    assert not RawEvent.objects.exists()


def test_deeply_nested_json_with_a_valid_signature_gets_400_with_a_reason(
    http: Client, subscription: WebhookSubscription
) -> None:
    response = post(http, *signed_bytes(SECRET, NESTED))
    assert response.status_code == 400
    assert response.json() == {"error": "body nests too deeply"}


TIMESTAMPS = {
    "a huge number": "1e20",
    "a huge number as text": '"1e20"',
    "infinity as text": '"inf"',
    "a JSON infinity": "Infinity",
    "year 10000": f'"{YEAR_10000_MS}"',
    "year 10000 as a number": str(YEAR_10000_MS),
}


@pytest.mark.parametrize("timestamp", TIMESTAMPS.values(), ids=TIMESTAMPS.keys())
def test_an_impossible_timestamp_without_a_valid_signature_is_dropped_not_500(
    http: Client, subscription: WebhookSubscription, timestamp: str
) -> None:
    body = raw_envelope(extra=f', "comciscotimestamp": {timestamp}')
    response = post(http, body, {"X-WebexCC-Signature": "0" * 64})
    assert response.status_code == 200
    assert response.json()["status"] == "dropped"
    assert not RawEvent.objects.exists()


@pytest.mark.parametrize("timestamp", TIMESTAMPS.values(), ids=TIMESTAMPS.keys())
def test_an_impossible_timestamp_with_a_valid_signature_gets_a_4xx_not_500(
    http: Client, subscription: WebhookSubscription, timestamp: str
) -> None:
    body = raw_envelope(extra=f', "comciscotimestamp": {timestamp}')
    response = post(http, *signed_bytes(SECRET, body))
    assert response.status_code in (200, 400)  # dropped as unauthenticated, or refused
    assert not RawEvent.objects.exists()


BAD_VALUES = {
    "an id with a lone surrogate": {"event_id": '"\\ud800"'},
    "an id with a NUL": {"event_id": '"evt\\u0000-1"'},
    "a type with a NUL": {"event_type": '"task:new\\u0000"'},
    "a type longer than its column": {"event_type": '"task:' + "x" * 80 + '"'},
    "an id longer than its column": {"event_id": '"' + "e" * 200 + '"'},
}


@pytest.mark.parametrize("values", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_signed_value_that_does_not_fit_its_column_gets_400_and_nothing_is_stored(
    http: Client, subscription: WebhookSubscription, values: dict[str, str]
) -> None:
    response = post(http, *signed_bytes(SECRET, raw_envelope(**values)))
    assert response.status_code == 400
    assert response.json()["error"]
    assert not RawEvent.objects.exists()


def test_a_task_dated_in_2100_does_not_outlive_its_real_end(
    http: Client, subscription: WebhookSubscription
) -> None:
    future = post(http, *signed(SECRET, task_payload("task:connected", YEAR_2100_MS)))
    assert future.status_code == 200
    assert future.json()["status"] == "dropped"
    for event_type in ("task:new", "task:ended"):
        assert post(http, *signed(SECRET, task_payload(event_type, now_ms()))).status_code == 202
    for raw in RawEvent.objects.order_by("pk"):
        process_raw_event(raw.pk)
    assert Task.objects.get(wxcc_id="task-f").status == TaskStatus.ENDED


@pytest.mark.parametrize("created_time", [1e20, YEAR_2100_MS, str(YEAR_2100_MS), "inf"], ids=str)
@pytest.mark.parametrize("at_ms", [now_ms, lambda: None], ids=["v2", "v1"])
def test_an_impossible_created_time_in_data_neither_breaks_processing_nor_dates_the_task(
    http: Client, subscription: WebhookSubscription, created_time: object, at_ms: Any
) -> None:
    payload = task_payload("task:new", at_ms(), createdTime=created_time)
    assert post(http, *signed(SECRET, payload)).status_code == 202
    raw = RawEvent.objects.get()
    process_raw_event(raw.pk)
    task = Task.objects.get(wxcc_id="task-f")
    assert task.created_at <= RawEvent.objects.get().received_at
    assert task.status == TaskStatus.NEW


def test_a_v2_delivery_older_than_the_replay_window_is_dropped(
    http: Client, subscription: WebhookSubscription
) -> None:
    payload = task_payload("task:new", now_ms() - 10 * 60_000)
    response = post(http, *signed(SECRET, payload))
    assert response.status_code == 200
    assert response.json() == {
        "status": "dropped",
        "reason": "comciscotimestamp is outside the replay window",
    }
    assert not RawEvent.objects.exists()


def test_a_v2_timestamp_header_that_differs_from_the_signed_body_is_dropped(
    http: Client, subscription: WebhookSubscription
) -> None:
    at = now_ms()
    body, headers = signed(SECRET, task_payload("task:new", at))
    headers["X-WebExCC-Timestamp"] = str(at + 1)
    response = post(http, body, headers)
    assert response.json()["status"] == "dropped"
    assert not RawEvent.objects.exists()


def test_a_v2_timestamp_header_equal_to_the_body_is_accepted(
    http: Client, subscription: WebhookSubscription
) -> None:
    at = now_ms()
    body, headers = signed(SECRET, task_payload("task:new", at))
    headers["X-WebExCC-Timestamp"] = str(at)
    assert post(http, body, headers).status_code == 202
    assert json.loads(bytes(RawEvent.objects.get().body))["comciscotimestamp"] == str(at)
